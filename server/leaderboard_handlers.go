package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"lawcontest/apperr"
	"lawcontest/contest/leaderboard"
)

// Live leaderboards: thin handlers over leaderboard.Public. A board that
// Redis cannot serve answers 503 with Retry-After while the repairer
// rebuilds it from Postgres.

// boardRetryAfter is what a client is told to wait when the board is down.
const boardRetryAfter = 5 * time.Second

// boardError adds Retry-After to the board's unavailable error.
func boardError(err error) error {
	if errors.Is(err, leaderboard.ErrUnavailable) {
		return &retryAfterError{err: leaderboard.ErrUnavailable, after: boardRetryAfter}
	}
	return err
}

type boardEntryJSON struct {
	Rank        int64  `json:"rank"`
	DisplayName string `json:"display_name"`
	Unit        string `json:"unit"`
	Score       int    `json:"score"`
	DurationMS  int64  `json:"duration_ms"`
}

type boardJSON struct {
	Entries  []boardEntryJSON `json:"entries"`
	Total    int64            `json:"total"`
	AsOf     time.Time        `json:"as_of"`
	Frozen   bool             `json:"frozen"`
	FreezeAt *time.Time       `json:"freeze_at"`
}

// roundLeaderboard is the public live board: GET
// /api/v1/rounds/:id/leaderboard?limit=&offset=&unit_id=. It answers 304
// to a poll whose If-None-Match is the board's current ETag.
func (a *App) roundLeaderboard(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 50, 1, leaderboard.MaxTopLimit)
	if err != nil {
		return err
	}
	offset, err := queryInt(c, "offset", 0, 0, 10_000_000)
	if err != nil {
		return err
	}
	var unit int64
	if s := c.QueryParam("unit_id"); s != "" {
		if unit, err = strconv.ParseInt(s, 10, 64); err != nil || unit <= 0 {
			return apperr.Field("unit_id", "error.bad_id")
		}
	}
	p, err := a.boards.Page(c.Request().Context(), id, unit, limit, offset)
	if err != nil {
		return boardError(err)
	}
	h := c.Response().Header()
	h.Set("ETag", p.ETag)
	h.Set("Cache-Control", "public, no-cache")
	if match := c.Request().Header.Get("If-None-Match"); match != "" && match == p.ETag {
		return c.NoContent(http.StatusNotModified)
	}
	// The page and the moment it was read name its encoding (built by hand:
	// Sprintf was 5 % of a hot board's CPU).
	freeze := int64(-1)
	if p.FreezeAt != nil {
		freeze = p.FreezeAt.UnixNano()
	}
	var kb [128]byte
	k := kb[:0]
	for _, n := range []int64{id, unit, int64(limit), int64(offset), p.AsOf.UnixNano(), freeze} {
		k = strconv.AppendInt(k, n, 10)
		k = append(k, '/')
	}
	key := string(append(k, p.ETag...))
	body, err := a.boardBodies.get(key, func() ([]byte, error) {
		out := boardJSON{Entries: make([]boardEntryJSON, len(p.Lines)), Total: p.Total, AsOf: p.AsOf.UTC(),
			Frozen: p.Frozen, FreezeAt: p.FreezeAt}
		for i, l := range p.Lines {
			out.Entries[i] = boardEntryJSON{Rank: l.Position, DisplayName: l.DisplayName, Unit: l.Unit,
				Score: l.Score, DurationMS: l.DurationMS}
		}
		return json.Marshal(out)
	})
	if err != nil {
		return err
	}
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	b := body.plain
	if acceptsGzip(c.Request()) {
		h.Set(echo.HeaderContentEncoding, "gzip")
		b = body.gzipped
	}
	// Known, so said: the page goes out in one write, not chunked.
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

// myLeaderboard is a participant's own line: GET
// /api/v1/rounds/:id/leaderboard/me; rank and total are null while the
// board is frozen, 404 before a first finished attempt.
func (a *App) myLeaderboard(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := a.boards.Mine(c.Request().Context(), id, sessionOf(c).User.ID)
	if err != nil {
		return boardError(err)
	}
	out := map[string]any{"rank": nil, "total": nil, "score": m.Score, "correct_count": m.CorrectCount,
		"duration_ms": m.DurationMS, "frozen": m.Frozen}
	if !m.Frozen {
		out["rank"], out["total"] = m.Position, m.Total
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.JSON(http.StatusOK, out)
}

// adminBoardSettings reads a round's board settings: GET
// /api/v1/admin/rounds/:id/leaderboard.
func (a *App) adminBoardSettings(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	at, err := a.boards.FreezeAt(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"freeze_at": at})
}

// setBoardSettings sets from when a round's public board is frozen: PUT
// /api/v1/admin/rounds/:id/leaderboard {"freeze_at": time or null}.
func (a *App) setBoardSettings(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		FreezeAt *string `json:"freeze_at"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var at *time.Time
	if in.FreezeAt != nil {
		t, err := time.Parse(time.RFC3339, *in.FreezeAt)
		if err != nil {
			return apperr.Field("freeze_at", "leaderboard.freeze_time_invalid")
		}
		at = &t
	}
	if err := a.boards.SetFreeze(c.Request().Context(), actorOf(c), id, at); err != nil {
		return err
	}
	if at != nil {
		t := at.UTC()
		at = &t
	}
	return c.JSON(http.StatusOK, map[string]any{"freeze_at": at})
}

// leaderboardPage is the public board page of a round; its script polls
// the API with If-None-Match.
func (a *App) leaderboardPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.contests.Round(c.Request().Context(), id)
	if err != nil {
		return err
	}
	ct, err := a.contests.Contest(c.Request().Context(), r.ContestID, false)
	if err != nil || r.Practice {
		return apperr.New(apperr.NotFound, "leaderboard.round_not_found")
	}
	s := sessionOf(c)
	return a.render(c, http.StatusOK, "leaderboard", map[string]any{
		"Round": r, "Contest": ct, "Participant": s != nil && s.User.Role == "participant",
		"PollMS": boardPollEvery.Milliseconds(),
	})
}

// boardPollEvery is how often the board page asks for news.
const boardPollEvery = 5 * time.Second
