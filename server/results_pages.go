package server

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"lawcontest/apperr"
	"lawcontest/contest"
	"lawcontest/frontend/svgchart"
)

// Pages of results: the public results of a round, the organizer's live
// page of a round (with its panel, which the page's script fetches again
// to stay current) and the unit rankings of a contest.

// renderBlock writes one block of a page, without the layout.
func (a *App) renderBlock(c echo.Context, name, block string, data any) error {
	var buf bytes.Buffer
	if err := a.pages.RenderBlock(&buf, name, block, data); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// resultLine is an entry of published results as the page shows it.
type resultLine struct {
	contest.PublicEntry
	Duration string
	// The prediction and its distance, as values for the template.
	HasPrediction bool
	Predicted     int
	Diff          int64
}

type resultsPageData struct {
	RoundID      int64
	RoundTitle   string
	ContestID    int64
	ContestTitle string
	NotPublished bool
	Published    string
	Version      int
	Reason       string
	HasAnswer    bool
	Answer       int
	Lines        []resultLine
	Total        int64
	Page, Pages  int
	Prev, Next   string
}

const resultsPerPage = 100

// resultsPage is the public results of a round: server-rendered, no
// script, a page of a hundred lines (winners come first).
func (a *App) resultsPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	page, err := queryInt(c, "page", 1, 1, maxResultsOffset/resultsPerPage)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := a.contests.Round(ctx, id)
	if err != nil {
		return err
	}
	ct, err := a.contests.Contest(ctx, r.ContestID, false)
	if err != nil {
		return err
	}
	d := resultsPageData{RoundID: r.ID, RoundTitle: r.Title, ContestID: ct.ID, ContestTitle: ct.Title, Page: page}
	res, err := a.contests.PublishedResults(ctx, id, resultsPerPage, (page-1)*resultsPerPage)
	if apperr.Is(err, apperr.NotFound) && !r.Practice {
		d.NotPublished = true
		return a.render(c, http.StatusNotFound, "results", d)
	}
	if err != nil {
		return err
	}
	d.Published = contest.DisplayLocal(res.PublishedAt)
	d.Version, d.Reason, d.Total = res.Version, res.Reason, res.Total
	if res.CorrectPredictionAnswer != nil {
		d.HasAnswer, d.Answer = true, *res.CorrectPredictionAnswer
	}
	for _, e := range res.Entries {
		l := resultLine{PublicEntry: e, Duration: formatDuration(e.DurationMS)}
		if e.Prediction != nil && e.PredictionDiff != nil {
			l.HasPrediction, l.Predicted, l.Diff = true, *e.Prediction, *e.PredictionDiff
		}
		d.Lines = append(d.Lines, l)
	}
	d.Pages = int((res.Total + resultsPerPage - 1) / resultsPerPage)
	if page > 1 {
		d.Prev = fmt.Sprintf("/rounds/%d/results?page=%d", id, page-1)
	}
	if page < d.Pages {
		d.Next = fmt.Sprintf("/rounds/%d/results?page=%d", id, page+1)
	}
	return a.render(c, http.StatusOK, "results", d)
}

// livePanel is the part of the live page that refreshes itself.
type livePanel struct {
	RoundID   int64
	Stats     contest.RoundStats
	Live      contest.Live
	AsOf      string
	PerMinute template.HTML
	OverTime  template.HTML
	ByUnit    template.HTML
	Histogram template.HTML
	Units     []contest.UnitCount
}

// liveUnitsShown bounds the units charted on the live page; the stats
// API lists them all.
const liveUnitsShown = 15

// overviewTTL is how long an instance reuses a round's overview (counts
// by unit and score): each reads every attempt of the round, seconds for
// a round of a million, while the live page refreshes every few seconds.
// The live figures (in progress, submits per minute) are read every time.
const overviewTTL = 30 * time.Second

// closedStatsTTL is how long an instance reuses the full statistics of a
// closed round, questions included: its attempts no longer change.
const closedStatsTTL = 10 * time.Minute

// overviews caches, per round, the overview (for overviewTTL) and the
// full statistics of closed rounds (for closedStatsTTL).
type overviews struct {
	mu sync.Mutex
	m  map[[2]int64]cachedOverview // {round, 0: overview | 1: full}
}

type cachedOverview struct {
	at time.Time
	st contest.RoundStats
}

// cachedStats returns the cached statistics of a round, or computes them
// with load and keeps them for ttl.
func (a *App) cachedStats(ctx context.Context, id int64, full bool, ttl time.Duration,
	load func(context.Context, int64) (contest.RoundStats, error)) (contest.RoundStats, error) {
	key := [2]int64{id, 0}
	if full {
		key[1] = 1
	}
	now := a.clock.Now()
	a.overviewCache.mu.Lock()
	c, ok := a.overviewCache.m[key]
	a.overviewCache.mu.Unlock()
	if ok && now.Sub(c.at) < ttl && !now.Before(c.at) {
		return c.st, nil
	}
	st, err := load(ctx, id)
	if err != nil {
		return st, err
	}
	a.overviewCache.mu.Lock()
	defer a.overviewCache.mu.Unlock()
	if a.overviewCache.m == nil || len(a.overviewCache.m) > 1000 {
		a.overviewCache.m = map[[2]int64]cachedOverview{} // bounded: start afresh
	}
	a.overviewCache.m[key] = cachedOverview{at: now, st: st}
	return st, nil
}

func (a *App) overview(ctx context.Context, id int64) (contest.RoundStats, error) {
	return a.cachedStats(ctx, id, false, overviewTTL, a.contests.Overview)
}

func (a *App) livePanelData(c echo.Context, id int64) (livePanel, error) {
	ctx := c.Request().Context()
	st, err := a.overview(ctx, id)
	if err != nil {
		return livePanel{}, err
	}
	l, err := a.contests.LiveStats(ctx, id)
	if err != nil {
		return livePanel{}, err
	}
	p := livePanel{RoundID: id, Stats: st, Live: l, AsOf: contest.DisplayLocal(l.AsOf)}
	p.PerMinute = svgchart.Columns(a.text.T("results.chart_per_minute"), timeBars(l.PerMinute, "15:04"), 10)
	if len(l.OverTime) > 0 {
		layout := "15:04"
		if l.BucketSeconds >= 3*3600 {
			layout = "02/01 15h"
		}
		p.OverTime = svgchart.Columns(a.text.T("results.chart_over_time"), timeBars(l.OverTime, layout), 0)
	}
	p.Units = st.ByUnit
	if len(p.Units) > liveUnitsShown {
		p.Units = p.Units[:liveUnitsShown]
	}
	var units []svgchart.Bar
	for _, u := range p.Units {
		label := u.Unit
		if u.UnitID == 0 {
			label = a.text.T("results.no_unit")
		}
		units = append(units, svgchart.Bar{Label: label, Value: float64(u.Participants)})
	}
	p.ByUnit = svgchart.Rows(a.text.T("results.chart_by_unit"), units)
	var hist []svgchart.Bar
	for _, b := range st.ScoreHistogram {
		hist = append(hist, svgchart.Bar{Label: strconv.Itoa(b.CorrectCount), Value: float64(b.Participants)})
	}
	p.Histogram = svgchart.Columns(a.text.T("results.chart_histogram"), hist, 0)
	return p, nil
}

func timeBars(ts []contest.TimeCount, layout string) []svgchart.Bar {
	out := make([]svgchart.Bar, len(ts))
	for i, t := range ts {
		out[i] = svgchart.Bar{Label: t.At.In(contest.Hanoi()).Format(layout), Value: float64(t.Count)}
	}
	return out
}

// questionLine is a question's statistics as the live page shows them.
type questionLine struct {
	contest.QuestionStat
	Share          string
	Discrimination string
	Weak           bool // likely a bad question
}

// weakDiscrimination and the shares flag questions worth a second look:
// the usual rules of thumb of item analysis.
const (
	weakDiscrimination = 0.2
	tooEasyShare       = 0.95
	tooHardShare       = 0.1
)

type liveRoundPageData struct {
	Round             contest.Round
	ContestTitle      string
	Opens, Closes     string
	Panel             livePanel
	Closing           *contest.Closing
	ClosedAt          string
	Prizes            contest.Prizes
	PrizeRules        contest.PrizeRules
	Results           *contest.RoundResults
	Durations         map[int64]string
	Disqualifications []contest.Disqualification
	Questions         []questionLine
	Publications      []publicationLine
	// FreezeAt is when the public board hides places (datetime-local in
	// Hà Nội, "" when never); Frozen when that time has come.
	FreezeAt string
	Frozen   bool
}

type publicationLine struct {
	contest.Publication
	At string
}

// liveRoundPage is the organizer's page of a round: live figures while it
// runs, then closing, prizes, duplicate check, disqualification,
// publication and exports.
func (a *App) liveRoundPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := a.contests.Round(ctx, id)
	if err != nil {
		return err
	}
	ct, err := a.contests.Contest(ctx, r.ContestID, true)
	if err != nil {
		return err
	}
	d := liveRoundPageData{Round: r, ContestTitle: ct.Title,
		Opens: contest.DisplayLocal(r.OpensAt), Closes: contest.DisplayLocal(r.ClosesAt)}
	if d.Panel, err = a.livePanelData(c, id); err != nil {
		return err
	}
	if !r.Practice {
		if d.Prizes, err = a.contests.RoundPrizes(ctx, id); err != nil {
			return err
		}
		if d.PrizeRules, err = a.contests.ContestPrizeRules(ctx, r.ContestID); err != nil {
			return err
		}
		if d.Disqualifications, err = a.contests.Disqualifications(ctx, r.ContestID); err != nil {
			return err
		}
		at, err := a.boards.FreezeAt(ctx, id)
		if err != nil {
			return err
		}
		if at != nil {
			d.FreezeAt, d.Frozen = contest.FormatLocal(*at), !a.clock.Now().Before(*at)
		}
	}
	cl, err := a.contests.Closing(ctx, id)
	switch {
	case apperr.Is(err, apperr.NotFound):
	case err != nil:
		return err
	default:
		d.Closing, d.ClosedAt = &cl, contest.DisplayLocal(cl.ClosedAt)
		res, err := a.contests.Results(ctx, id, resultsPerPage, 0)
		if err != nil {
			return err
		}
		d.Results = &res
		d.Durations = map[int64]string{}
		for _, e := range res.Entries {
			d.Durations[e.ParticipantID] = formatDuration(e.DurationMS)
		}
		for _, p := range res.Publications {
			d.Publications = append(d.Publications, publicationLine{Publication: p, At: contest.DisplayLocal(p.PublishedAt)})
		}
		// Question statistics once the round is over: they read every
		// answer, too much to refresh while it runs.
		st, err := a.cachedStats(ctx, id, true, closedStatsTTL, a.contests.Stats)
		if err != nil {
			return err
		}
		for _, q := range st.Questions {
			l := questionLine{QuestionStat: q, Share: formatShare(q.CorrectShare), Discrimination: "–"}
			if q.Discrimination != nil {
				l.Discrimination = strconv.FormatFloat(*q.Discrimination, 'f', 2, 64)
				l.Weak = *q.Discrimination < weakDiscrimination
			}
			l.Weak = l.Weak || q.CorrectShare > tooEasyShare || q.CorrectShare < tooHardShare
			d.Questions = append(d.Questions, l)
		}
	}
	return a.render(c, http.StatusOK, "admin_live", d)
}

// liveRoundPanel is the live page's refreshing panel, alone.
func (a *App) liveRoundPanel(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.livePanelData(c, id)
	if err != nil {
		return err
	}
	return a.renderBlock(c, "admin_live", "panel", p)
}

type unitRankingsPageData struct {
	Contest  contest.Contest
	Rankings contest.UnitRankings
	Charts   []template.HTML
	Rates    map[int64]string
}

// unitRankingsPage shows a contest's collective rankings.
func (a *App) unitRankingsPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ct, err := a.contests.Contest(ctx, id, true)
	if err != nil {
		return err
	}
	u, err := a.contests.UnitRankings(ctx, id)
	if err != nil {
		return err
	}
	d := unitRankingsPageData{Contest: ct, Rankings: u, Rates: map[int64]string{}}
	top := func(l []contest.UnitStanding, value func(contest.UnitStanding) (float64, string)) []svgchart.Bar {
		var out []svgchart.Bar
		for i, s := range l {
			if i == liveUnitsShown {
				break
			}
			v, text := value(s)
			out = append(out, svgchart.Bar{Label: s.Unit, Value: v, Text: text})
		}
		return out
	}
	count := func(n int) (float64, string) { return float64(n), strconv.Itoa(n) }
	d.Charts = []template.HTML{
		svgchart.Rows(a.text.T("results.units_by_participants"), top(u.ByParticipants, func(s contest.UnitStanding) (float64, string) { return count(s.Participants) })),
		svgchart.Rows(a.text.T("results.units_by_rate"), top(u.ByRate, func(s contest.UnitStanding) (float64, string) {
			return *s.Rate, formatShare(*s.Rate)
		})),
		svgchart.Rows(a.text.T("results.units_by_winners"), top(u.ByWinners, func(s contest.UnitStanding) (float64, string) { return count(s.Winners) })),
	}
	for _, s := range u.ByRate {
		d.Rates[s.UnitID] = formatShare(*s.Rate)
	}
	return a.render(c, http.StatusOK, "admin_units", d)
}
