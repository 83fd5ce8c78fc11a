package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"lawcontest/apperr"
	"lawcontest/questions"
)

// maxImportBody is the import route's body limit: the file limit plus room
// for the multipart envelope. A bigger file inside it is refused by the
// question bank with its own message; a bigger body by the middleware.
const maxImportBody = questions.MaxImportBytes + 1<<20

// questionRequest is a new question: options as texts, correct as an index.
type questionRequest struct {
	Text           string   `json:"text"`
	Options        []string `json:"options"`
	Correct        *int     `json:"correct"`
	Category       string   `json:"category"`
	Difficulty     string   `json:"difficulty"`
	Explanation    string   `json:"explanation"`
	LegalReference string   `json:"legal_reference"`
}

// questionPatch changes a question; absent fields stay. version, when sent,
// must be the version the organizer edited (409 if someone saved since).
type questionPatch struct {
	Text           *string   `json:"text"`
	Options        *[]string `json:"options"`
	Correct        *int      `json:"correct"`
	Category       *string   `json:"category"`
	Difficulty     *string   `json:"difficulty"`
	Explanation    *string   `json:"explanation"`
	LegalReference *string   `json:"legal_reference"`
	Status         *string   `json:"status"`
	Version        *int      `json:"version"`
}

func (a *App) listQuestions(c echo.Context) error {
	limit, err := queryInt(c, "limit", 50, 1, questions.MaxListLimit)
	if err != nil {
		return err
	}
	offset, err := queryInt(c, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	f := questions.Filter{
		Category:   c.QueryParam("category"),
		Difficulty: questions.Difficulty(c.QueryParam("difficulty")),
		Status:     questions.Status(c.QueryParam("status")),
		Query:      c.QueryParam("q"),
		Limit:      limit,
		Offset:     offset,
	}
	qs, total, err := a.questions.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"questions": qs, "total": total, "limit": limit, "offset": offset})
}

func (a *App) getQuestion(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q, err := a.questions.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return jsonEntity(c, http.StatusOK, "question", q)
}

func (a *App) questionCategories(c echo.Context) error {
	cats, err := a.questions.Categories(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"categories": cats})
}

func (a *App) createQuestion(c echo.Context) error {
	var req questionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := questions.Input{
		Text: req.Text, Options: req.Options, Correct: questions.NoCorrect, Category: req.Category,
		Difficulty: questions.Difficulty(req.Difficulty), Explanation: req.Explanation, LegalReference: req.LegalReference,
	}
	if req.Correct != nil {
		in.Correct = *req.Correct
	}
	q, err := a.questions.Create(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return jsonEntity(c, http.StatusCreated, "question", q)
}

func (a *App) updateQuestion(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req questionPatch
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := questions.Patch{
		Text: req.Text, Options: req.Options, Correct: req.Correct, Category: req.Category,
		Explanation: req.Explanation, LegalReference: req.LegalReference, Version: req.Version,
	}
	if req.Difficulty != nil {
		d := questions.Difficulty(*req.Difficulty)
		p.Difficulty = &d
	}
	if req.Status != nil {
		s := questions.Status(*req.Status)
		p.Status = &s
	}
	q, err := a.questions.Update(c.Request().Context(), actorOf(c), id, p)
	if err != nil {
		return err
	}
	return jsonEntity(c, http.StatusOK, "question", q)
}

// deleteQuestion deletes a question never drawn into a paper and retires
// one that was; the answer says which.
func (a *App) deleteQuestion(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := a.questions.Delete(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"result": res})
}

// importQuestions streams the multipart field "file" to the question bank,
// without a temporary file; the bank enforces the size limit.
func (a *App) importQuestions(c echo.Context) error {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return apperr.Field("file", "qbank.file_required")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return apperr.Field("file", "qbank.file_required")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return apperr.Field("file", "qbank.file_required")
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		res, err := a.questions.ImportFile(c.Request().Context(), actorOf(c), part.FileName(), part)
		part.Close()
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, res)
	}
}

func (a *App) exportQuestions(c echo.Context) error {
	format := c.QueryParam("format")
	if format == "" {
		format = "xlsx"
	}
	var buf bytes.Buffer
	if err := a.questions.Export(c.Request().Context(), format, &buf); err != nil {
		return err
	}
	name := fmt.Sprintf("ngan-hang-cau-hoi-%s.%s", a.clock.Now().Format("2006-01-02"), format)
	return sendFile(c, name, format, buf.Bytes())
}

func (a *App) questionTemplate(c echo.Context) error {
	format := c.QueryParam("format")
	if format == "" {
		format = "xlsx"
	}
	var buf bytes.Buffer
	if err := questions.Template(format, &buf); err != nil {
		return err
	}
	return sendFile(c, "mau-nhap-cau-hoi."+format, format, buf.Bytes())
}

// sendFile answers with a download; the whole file is built first, so an
// error can still be answered in the API's shape.
func sendFile(c echo.Context, name, format string, b []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, contentType("x."+format), b)
}

// Organizer pages of the question bank. They load their data through the
// JSON API above.

func (a *App) questionsPage(c echo.Context) error {
	return a.render(c, http.StatusOK, "questions", nil)
}

// optionSlot is one option input of the question form.
type optionSlot struct {
	Index  int
	Letter string
}

func optionSlots() []optionSlot {
	s := make([]optionSlot, questions.MaxOptions)
	for i := range s {
		s[i] = optionSlot{i, questions.Letter(i)}
	}
	return s
}

func (a *App) questionNewPage(c echo.Context) error {
	return a.render(c, http.StatusOK, "question_form", map[string]any{"ID": "", "Slots": optionSlots()})
}

func (a *App) questionEditPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, "question_form", map[string]any{"ID": idString(id), "Slots": optionSlots()})
}

func (a *App) questionImportPage(c echo.Context) error {
	return a.render(c, http.StatusOK, "question_import", map[string]any{
		"MaxMB": questions.MaxImportBytes >> 20, "MaxBytes": questions.MaxImportBytes,
	})
}
