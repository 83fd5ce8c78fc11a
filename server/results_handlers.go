package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"lawcontest/apperr"
	"lawcontest/contest"
	"lawcontest/contest/leaderboard"
)

// Closing, final results, publication, exports and statistics of quiz
// rounds (issue 5): thin handlers over contest.Service.

// closeEvery is how often each instance looks for rounds whose closing
// time and grace have passed; the first to find one closes and ranks it.
const closeEvery = 10 * time.Second

// startResults runs the job that closes rounds at closes_at.
func (a *App) startResults(ctx context.Context) {
	a.every(ctx, "round-closer", closeEvery, func(ctx context.Context) error {
		_, err := a.contests.CloseDue(ctx)
		return err
	})
}

// Paging of result lists: a page of a million-line list is never asked
// for whole.
const (
	defaultResultsLimit = 100
	maxResultsLimit     = 1000
	maxResultsOffset    = 10_000_000
)

func resultsPaging(c echo.Context) (limit, offset int, err error) {
	if limit, err = queryInt(c, "limit", defaultResultsLimit, 1, maxResultsLimit); err != nil {
		return 0, 0, err
	}
	offset, err = queryInt(c, "offset", 0, 0, maxResultsOffset)
	return limit, offset, err
}

func (a *App) closeRound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cl, err := a.contests.Close(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"closing": cl})
}

// publishResults publishes (or, with {republish: true, reason}, publishes
// again); the body may be empty.
func (a *App) publishResults(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in contest.PublishInput
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	p, err := a.contests.Publish(c.Request().Context(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"publication": p})
}

// publicResults is API.md's /rounds/{id}/results: 404 before publication.
// The list changes only when republished, so an ETag spares phones the
// download.
func (a *App) publicResults(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit, offset, err := resultsPaging(c)
	if err != nil {
		return err
	}
	r, err := a.contests.PublishedResults(c.Request().Context(), id, limit, offset)
	if err != nil {
		return err
	}
	etag := fmt.Sprintf(`"r%d-v%d-%d-%d"`, r.RoundID, r.Version, limit, offset)
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, no-cache")
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSON(http.StatusOK, r)
}

// adminResults is the organizer's view of a closed round's results: JSON
// (default) or an export, format=xlsx|csv, of the current results or, with
// list=published (and version=N), of a publication.
func (a *App) adminResults(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	format := c.QueryParam("format")
	if format == "" || format == "json" {
		limit, offset, err := resultsPaging(c)
		if err != nil {
			return err
		}
		r, err := a.contests.Results(ctx, id, limit, offset)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, r)
	}
	opt := contest.ExportOptions{Format: format}
	switch c.QueryParam("list") {
	case "", "current":
	case "published":
		opt.Published = true
		if opt.Version, err = queryInt(c, "version", 0, 0, 1_000_000); err != nil {
			return err
		}
	default:
		return apperr.Field("list", "results.export_list")
	}
	if format != contest.FormatXLSX && format != contest.FormatCSV {
		return apperr.Field("format", "results.export_format")
	}
	name := fmt.Sprintf("ket-qua-dot-thi-%d", id)
	if opt.Published {
		name += "-da-cong-bo"
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType("."+format))
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
	h.Set("Cache-Control", "no-store")
	// Streamed: a round's results may run to a million lines. Everything
	// that can be refused is checked before the first byte is written.
	if err := a.contests.ExportResults(ctx, actorOf(c), id, opt, a.text.T, c.Response()); err != nil {
		if c.Response().Committed {
			a.reqLog(c).Error("results export cut short", "round_id", id, "err", err)
			return nil
		}
		h.Del("Content-Disposition")
		return err
	}
	return nil
}

func (a *App) roundStats(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := a.contests.Stats(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (a *App) roundLive(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	l, err := a.contests.LiveStats(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (a *App) roundPrizes(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.contests.RoundPrizes(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"prizes": p})
}

func (a *App) setRoundPrizes(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p contest.Prizes
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	p, err = a.contests.SetRoundPrizes(c.Request().Context(), actorOf(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"prizes": p})
}

func (a *App) contestPrizeRules(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.contests.ContestPrizeRules(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"prize_rules": r})
}

func (a *App) setContestPrizeRules(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r contest.PrizeRules
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	r, err = a.contests.SetContestPrizeRules(c.Request().Context(), actorOf(c), id, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"prize_rules": r})
}

func (a *App) roundDuplicates(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	g, err := a.contests.Duplicates(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"groups": g})
}

func (a *App) listDisqualifications(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ds, err := a.contests.Disqualifications(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"disqualifications": ds})
}

func (a *App) disqualify(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in contest.DisqualifyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	d, err := a.contests.Disqualify(c.Request().Context(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"disqualification": d})
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (a *App) liftDisqualification(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pid, err := pathID(c, "participant_id")
	if err != nil {
		return err
	}
	var in reasonRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := a.contests.LiftDisqualification(c.Request().Context(), actorOf(c), id, pid, in.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *App) unitRankings(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := a.contests.UnitRankings(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// formatDuration writes a duration the way results show it: "12:05,250"
// (minutes, seconds and milliseconds), exact, since ties break on it.
func formatDuration(ms int64) string {
	return fmt.Sprintf("%d:%02d,%03d", ms/60_000, ms/1000%60, ms%1000)
}

func formatShare(x float64) string { return strconv.FormatFloat(x*100, 'f', 0, 64) + " %" }

// adminBoardEntry is a line of the live board as organizers see it: the
// full name, frozen or not.
type adminBoardEntry struct {
	Rank          int64  `json:"rank"`
	ParticipantID int64  `json:"participant_id,string"`
	FullName      string `json:"full_name"`
	Unit          string `json:"unit"`
	CorrectCount  int    `json:"correct_count"`
	Score         int    `json:"score"`
	DurationMS    int64  `json:"duration_ms"`
}

// adminBoard is the top of a round's live board for the organizer's live
// page: GET /api/v1/admin/rounds/:id/board?limit=. Unlike the public board
// it is shown while the board is frozen, with full names.
func (a *App) adminBoard(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 20, 1, leaderboard.MaxTopLimit)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := a.contests.Round(ctx, id)
	if err != nil {
		return err
	}
	if r.Practice {
		return apperr.New(apperr.NotFound, "leaderboard.round_not_found")
	}
	p, err := a.board.TopPage(ctx, id, 0, limit, 0)
	if err != nil {
		return boardError(err)
	}
	ids := make([]int64, len(p.Entries))
	for i, e := range p.Entries {
		ids[i] = e.ParticipantID
	}
	people, err := a.boardStore.People(ctx, ids)
	if err != nil {
		return err
	}
	out := make([]adminBoardEntry, len(p.Entries))
	for i, e := range p.Entries {
		who := people[e.ParticipantID]
		out[i] = adminBoardEntry{Rank: e.Position, ParticipantID: e.ParticipantID, FullName: who.FullName, Unit: who.Unit,
			CorrectCount: e.CorrectCount, Score: e.CorrectCount * r.PointsPerQuestion, DurationMS: e.DurationMS}
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.JSON(http.StatusOK, map[string]any{"entries": out, "total": p.Total, "as_of": p.AsOf.UTC()})
}
