package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"lawcontest/apperr"
	"lawcontest/contest/essay"
)

// essayMaxBody fits an essay of the longest allowed length (200,000
// characters of up to 3 UTF-8 bytes each, escaped in JSON) with room.
const essayMaxBody = 1 << 20

func essayActor(c echo.Context) essay.Actor {
	s := sessionOf(c)
	if s == nil {
		return essay.Actor{}
	}
	return essay.Actor{ID: s.User.ID, Role: s.User.Role}
}

// Participants.

type essayDraftRequest struct {
	Title       string `json:"title"`
	Body        string `json:"body"`
	Declaration bool   `json:"declaration"`
}

func (a *App) submitEssay(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r essayDraftRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	e, err := a.essays.Submit(c.Request().Context(), essayActor(c), id, essay.Draft(r))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"essay": e})
}

func (a *App) editEssay(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r essayDraftRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	e, err := a.essays.Edit(c.Request().Context(), essayActor(c), id, essay.Draft(r))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"essay": e})
}

func (a *App) myEssays(c echo.Context) error {
	es, err := a.essays.MyEssays(c.Request().Context(), essayActor(c))
	if err != nil {
		return err
	}
	if es == nil {
		es = []essay.Essay{}
	}
	return c.JSON(http.StatusOK, map[string]any{"essays": es})
}

// essayContestInfo is what the participant's essay page needs of a contest.
func (a *App) myContestEssay(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := a.essays.MyEssay(c.Request().Context(), essayActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"essay": e})
}

// Organizers: settings, rubric, assignment, judging, shortlist, publication.

func (a *App) essaySettings(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := a.essays.Settings(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"settings": st})
}

func (a *App) setEssaySettings(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var st essay.Settings
	if err := decodeJSON(c, &st); err != nil {
		return err
	}
	st, err = a.essays.SetSettings(c.Request().Context(), essayActor(c), id, st)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"settings": st})
}

func (a *App) essayRubric(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	stage, err := queryInt(c, "stage", 1, 1, 2)
	if err != nil {
		return err
	}
	r, err := a.essays.Rubric(c.Request().Context(), id, stage)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"stage": stage, "criteria": r, "total": r.Total()})
}

type rubricRequest struct {
	Criteria essay.Rubric `json:"criteria"`
	Stage    int          `json:"stage"`
}

func (a *App) setEssayRubric(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r rubricRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	if r.Stage == 0 {
		r.Stage = 1
	}
	rub, err := a.essays.SetRubric(c.Request().Context(), essayActor(c), id, r.Stage, r.Criteria)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"stage": r.Stage, "criteria": rub, "total": rub.Total()})
}

type assignRequest struct {
	JudgesPerEssay int      `json:"judges_per_essay"`
	Stage          int      `json:"stage"`
	JudgeIDs       []string `json:"judge_ids"`
}

func (a *App) assignJudges(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r assignRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	req := essay.AssignRequest{JudgesPerEssay: r.JudgesPerEssay, Stage: r.Stage}
	for _, s := range r.JudgeIDs {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return apperr.Field("judge_ids", "essay.judge_unknown")
		}
		req.JudgeIDs = append(req.JudgeIDs, n)
	}
	rep, err := a.essays.Assign(c.Request().Context(), essayActor(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"assignment": rep})
}

func (a *App) essayJudging(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	stage, err := queryInt(c, "stage", 0, 0, 2)
	if err != nil {
		return err
	}
	rep, err := a.essays.Judging(c.Request().Context(), id, stage)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

func (a *App) essayDuplicates(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pairs, err := a.essays.Duplicates(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"pairs": pairs})
}

func (a *App) shortlistEssays(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r essay.ShortlistRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	n, err := a.essays.Shortlist(c.Request().Context(), essayActor(c), id, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"finalists": n})
}

type disqualifyRequest struct {
	Reason       string `json:"reason"`
	Disqualified bool   `json:"disqualified"`
}

func (a *App) disqualifyEssay(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r disqualifyRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	if err := a.essays.Disqualify(c.Request().Context(), essayActor(c), id, r.Reason, r.Disqualified); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *App) publishEssayResults(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pub, err := a.essays.Publish(c.Request().Context(), essayActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"publication": pub})
}

func (a *App) essayResults(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := a.essays.Results(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (a *App) exportEssayResults(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if f := c.QueryParam("format"); f != "" && f != "xlsx" {
		return apperr.Field("format", "essay.export_format")
	}
	var buf bytes.Buffer
	if err := a.essays.ExportXLSX(c.Request().Context(), id, a.text.T, &buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ket-qua-bai-viet-%d.xlsx"`, id))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, contentType(".xlsx"), buf.Bytes())
}

// Judges.

func (a *App) judgeAssignments(c echo.Context) error {
	contestID := int64(0)
	if s := c.QueryParam("contest_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return apperr.Field("contest_id", "error.bad_id")
		}
		contestID = n
	}
	as, err := a.essays.JudgeAssignments(c.Request().Context(), essayActor(c), contestID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"assignments": as})
}

func (a *App) judgeAssignment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	as, err := a.essays.JudgeAssignment(c.Request().Context(), essayActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"assignment": as})
}

type scoreRequest struct {
	Scores  map[string]float64 `json:"scores"`
	Comment string             `json:"comment"`
	Final   bool               `json:"final"`
}

func (a *App) scoreAssignment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var r scoreRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	as, err := a.essays.Score(c.Request().Context(), essayActor(c), id, essay.ScoreInput(r))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"assignment": as})
}

// Pages.

type essayPageData struct {
	ContestID int64
}

func (a *App) essayPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "essay", essayPageData{ContestID: id})
}

func (a *App) essayResultsPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "essay_results", essayPageData{ContestID: id})
}

func (a *App) essayAdminPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "essay_admin", essayPageData{ContestID: id})
}

func (a *App) judgePage(c echo.Context) error {
	return a.render(c, http.StatusOK, "judge", nil)
}

func (a *App) judgeSheetPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "judge_sheet", map[string]int64{"AssignmentID": id})
}

func (a *App) essayInfo(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	info, err := a.essays.Info(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"contest": info})
}
