package server

import (
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lawcontest/account"
	"lawcontest/contest"
	"lawcontest/frontend"
)

// Pages of contests and quiz rounds. Times are shown in Hà Nội; the page
// scripts count down from the server's time, never the phone's.

// roundLine is a round as the contest page shows it.
type roundLine struct {
	contest.Round
	Opens, Closes string // in Hà Nội
	Minutes       int64
	OpensAtMS     int64 // for the countdown
}

type contestPage struct {
	Contest      contest.Contest
	Starts, Ends string
	Rounds       []roundLine
	ServerTimeMS int64
	Participant  bool
}

func roundLines(rs []contest.Round) []roundLine {
	out := make([]roundLine, len(rs))
	for i, r := range rs {
		out[i] = roundLine{Round: r, Opens: contest.DisplayLocal(r.OpensAt), Closes: contest.DisplayLocal(r.ClosesAt),
			Minutes: r.DurationMS / 60_000, OpensAtMS: r.OpensAt.UnixMilli()}
	}
	return out
}

func (a *App) contestPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	s := sessionOf(c)
	organizer := s != nil && (s.User.Role == account.RoleOrganizer || s.User.Role == account.RoleAdmin)
	ct, err := a.contests.Contest(c.Request().Context(), id, organizer)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "contest", contestPage{
		Contest: ct, Starts: contest.DisplayLocal(ct.StartsAt), Ends: contest.DisplayLocal(ct.EndsAt),
		Rounds: roundLines(ct.Rounds), ServerTimeMS: a.clock.Now().UnixMilli(),
		Participant: s != nil && s.User.Role == account.RoleParticipant,
	})
}

// quizPage is the shell of the quiz; its script loads the attempt through
// the API (and, offline, from the service worker's copy).
func (a *App) quizPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return a.render(c, http.StatusOK, "quiz", map[string]any{"AttemptID": id})
}

func (a *App) reviewPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "review", map[string]any{"AttemptID": id})
}

// serviceWorker serves the quiz page's service worker from the site root,
// so that it may control /attempts/ pages.
func (a *App) serviceWorker(c echo.Context) error {
	b, err := fs.ReadFile(frontend.Static(), "js/sw.js")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", b)
}

// Organizer pages.

type adminContestsPage struct {
	Contests []adminContestLine
}

type adminContestLine struct {
	contest.Contest
	Starts, Ends string
}

func (a *App) adminContestsPage(c echo.Context) error {
	cs, err := a.contests.Contests(c.Request().Context(), true)
	if err != nil {
		return err
	}
	p := adminContestsPage{}
	for _, ct := range cs {
		p.Contests = append(p.Contests, adminContestLine{Contest: ct, Starts: contest.DisplayLocal(ct.StartsAt), Ends: contest.DisplayLocal(ct.EndsAt)})
	}
	return a.render(c, http.StatusOK, "admin_contests", p)
}

// contestForm is the contest form, empty for a new contest.
type contestForm struct {
	Contest      contest.Contest
	New          bool
	Starts, Ends string // datetime-local values in Hà Nội
	Rounds       []roundLine
}

func (a *App) adminNewContestPage(c echo.Context) error {
	now := a.clock.Now()
	return a.render(c, http.StatusOK, "admin_contest", contestForm{
		New:     true,
		Contest: contest.Contest{Kind: contest.KindQuiz},
		Starts:  contest.FormatLocal(now.Truncate(time.Hour).Add(time.Hour)),
		Ends:    contest.FormatLocal(now.Truncate(time.Hour).Add(30 * 24 * time.Hour)),
	})
}

func (a *App) adminContestPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ct, err := a.contests.Contest(c.Request().Context(), id, true)
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "admin_contest", contestForm{
		Contest: ct, Starts: contest.FormatLocal(ct.StartsAt), Ends: contest.FormatLocal(ct.EndsAt),
		Rounds: roundLines(ct.Rounds),
	})
}

// roundForm is the round form; Round.ID is 0 for a new round.
type roundForm struct {
	Round         contest.Round
	ContestID     int64
	ContestTitle  string
	Opens, Closes string
	Minutes       int64
	Locked        bool // opened: only closes_at may move
}

func (a *App) adminNewRoundPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ct, err := a.contests.Contest(c.Request().Context(), id, true)
	if err != nil {
		return err
	}
	opens := a.clock.Now().Truncate(time.Hour).Add(24 * time.Hour)
	if opens.Before(ct.StartsAt) {
		opens = ct.StartsAt
	}
	closes := opens.Add(7 * 24 * time.Hour)
	if closes.After(ct.EndsAt) {
		closes = ct.EndsAt
	}
	return a.render(c, http.StatusOK, "admin_round", roundForm{
		Round:     contest.Round{MaxAttempts: 1, PointsPerQuestion: 5, Blueprint: contest.DemoBlueprint()[:1]},
		ContestID: ct.ID, ContestTitle: ct.Title,
		Opens: contest.FormatLocal(opens), Closes: contest.FormatLocal(closes), Minutes: 15,
	})
}

func (a *App) adminRoundPage(c echo.Context) error {
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
	return a.render(c, http.StatusOK, "admin_round", roundForm{
		Round: r, ContestID: ct.ID, ContestTitle: ct.Title,
		Opens: contest.FormatLocal(r.OpensAt), Closes: contest.FormatLocal(r.ClosesAt),
		Minutes: r.DurationMS / 60_000, Locked: r.Status != contest.RoundUpcoming,
	})
}
