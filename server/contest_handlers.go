package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lawcontest/contest"
)

// Contests and quiz rounds: thin handlers over contest.Service. Whose
// attempt it is, is checked by the domain (someone else's is not found).

func (a *App) listContests(c echo.Context) error {
	cs, err := a.contests.Contests(c.Request().Context(), false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"contests": cs, "server_time": a.clock.Now().UTC()})
}

func (a *App) getContest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ct, err := a.contests.Contest(c.Request().Context(), id, false)
	if err != nil {
		return err
	}
	m, err := entity("contest", ct)
	if err != nil {
		return err
	}
	m["server_time"] = a.clock.Now().UTC()
	return c.JSON(http.StatusOK, m)
}

func (a *App) adminListContests(c echo.Context) error {
	cs, err := a.contests.Contests(c.Request().Context(), true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"contests": cs})
}

func (a *App) adminGetContest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ct, err := a.contests.Contest(c.Request().Context(), id, true)
	if err != nil {
		return err
	}
	return jsonEntity(c, http.StatusOK, "contest", ct)
}

// createContestRequest is ContestInput with "published" optional: API.md's
// create body has no such field, so a client that leaves it out gets a
// visible contest; the organizer page sends false to keep a draft.
type createContestRequest struct {
	contest.ContestInput
	Published *bool `json:"published"`
}

func (a *App) createContest(c echo.Context) error {
	var req createContestRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := req.ContestInput
	in.Published = req.Published == nil || *req.Published
	ct, err := a.contests.CreateContest(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return jsonEntity(c, http.StatusCreated, "contest", ct)
}

func (a *App) updateContest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p contest.ContestPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	ct, err := a.contests.UpdateContest(c.Request().Context(), actorOf(c), id, p)
	if err != nil {
		return err
	}
	return jsonEntity(c, http.StatusOK, "contest", ct)
}

func (a *App) createRound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in contest.RoundInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := a.contests.CreateRound(c.Request().Context(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	a.board.RequestRepair(r.ID) // a round opening now has its board before its first reader
	return jsonEntity(c, http.StatusCreated, "round", r)
}

func (a *App) adminGetRound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.contests.Round(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return jsonEntity(c, http.StatusOK, "round", r)
}

func (a *App) updateRound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p contest.RoundPatch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	r, err := a.contests.UpdateRound(c.Request().Context(), actorOf(c), id, p)
	if err != nil {
		return err
	}
	a.board.RequestRepair(r.ID) // a round opening now has its board before its first reader
	return jsonEntity(c, http.StatusOK, "round", r)
}

// startAttempt answers 201 with a new attempt, 200 with the one in progress.
func (a *App) startAttempt(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, created, err := a.contests.Start(c.Request().Context(), id, sessionOf(c).User.ID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return a.attemptJSON(c, status, v)
}

func (a *App) getAttempt(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := a.contests.Attempt(c.Request().Context(), id, sessionOf(c).User.ID)
	if err != nil {
		return err
	}
	// The page's service worker keeps its own copy for offline reloads; no
	// shared cache may keep one.
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return a.attemptJSON(c, http.StatusOK, v)
}

type answerRequest struct {
	OptionID string `json:"option_id"`
}

// saveAnswer is the autosave: 204 only once the answer is committed.
func (a *App) saveAnswer(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	qid, err := pathID(c, "question_id")
	if err != nil {
		return err
	}
	body, err := readJSONBody(c)
	if err != nil {
		return err
	}
	var req answerRequest
	if opt, ok := plainOptionBody(body); ok {
		req.OptionID = opt
	} else if err := decodeJSONBytes(body, &req); err != nil {
		return err
	}
	if err := a.contests.SaveAnswer(c.Request().Context(), id, sessionOf(c).User.ID, qid, req.OptionID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type predictionRequest struct {
	Prediction int `json:"prediction"`
}

func (a *App) savePrediction(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req predictionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.contests.SavePrediction(c.Request().Context(), id, sessionOf(c).User.ID, req.Prediction); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *App) submitAttempt(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in contest.SubmitInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := a.contests.Submit(c.Request().Context(), id, sessionOf(c).User.ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (a *App) reviewAttempt(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rv, err := a.contests.Review(c.Request().Context(), id, sessionOf(c).User.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rv)
}

func (a *App) myAttempts(c echo.Context) error {
	as, err := a.contests.MyAttempts(c.Request().Context(), sessionOf(c).User.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"attempts": as})
}
