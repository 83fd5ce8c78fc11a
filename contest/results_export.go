package contest

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"lawcontest/apperr"
)

// Texts looks up catalogue texts (server/ passes its catalogue's T), so an
// export's headers and prize names come from the one catalogue.
type Texts func(key string, args ...any) string

// Export formats.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// ExportOptions choose what an export holds.
type ExportOptions struct {
	Format string `json:"format"`
	// Published exports a publication (the newest, or Version) instead of
	// the current results.
	Published bool `json:"published"`
	Version   int  `json:"version,omitempty"`
}

// exportRow is one line of an export: the result and everything needed
// to reach the person for prize-giving.
type exportRow struct {
	Rank           *int64
	Place          int64
	ParticipantID  int64
	AttemptID      int64
	FullName       string
	BirthDate      *time.Time
	Phone          string
	Email          string
	CitizenID      string
	Unit           string
	Category       string
	CorrectCount   int
	Score          int
	Prediction     *int
	PredictionDiff *int64
	DurationMS     int64
	SubmittedAt    time.Time
	Prize          string
	Disqualified   string // the reason, when disqualified
}

// exportColumns are the catalogue keys of the headers, in order.
func exportColumns() []string {
	return []string{
		"results.col_rank", "results.col_prize", "results.col_full_name", "results.col_birth_date",
		"results.col_phone", "results.col_email", "results.col_citizen_id", "results.col_unit",
		"results.col_category", "results.col_correct", "results.col_score", "results.col_prediction",
		"results.col_prediction_diff", "results.col_duration", "results.col_submitted_at",
		"results.col_place", "results.col_participant_id", "results.col_attempt_id", "results.col_disqualified",
	}
}

func (r exportRow) cells(t Texts) []any {
	var rank, prediction, diff, birth any = "", "", "", ""
	if r.Rank != nil {
		rank = *r.Rank
	}
	if r.Prediction != nil {
		prediction = *r.Prediction
	}
	if r.PredictionDiff != nil {
		diff = *r.PredictionDiff
	}
	if r.BirthDate != nil {
		birth = r.BirthDate.Format("02/01/2006")
	}
	prize, category := "", ""
	if r.Prize != "" {
		prize = t("results.prize_" + r.Prize)
	}
	if r.Category != "" {
		category = t("category." + r.Category)
	}
	return []any{
		rank, prize, r.FullName, birth, r.Phone, r.Email, r.CitizenID, r.Unit, category,
		r.CorrectCount, r.Score, prediction, diff, float64(r.DurationMS) / 1000,
		r.SubmittedAt.In(Hanoi()).Format("02/01/2006 15:04:05.000"),
		r.Place, strconv.FormatInt(r.ParticipantID, 10), strconv.FormatInt(r.AttemptID, 10), r.Disqualified,
	}
}

// ExportResults writes a closed round's full results with contact details
// (organizers only): by default the current results, ranked, then the
// disqualified accounts with their reasons; with opt.Published a
// publication as it was announced. Vietnamese headers.
//
// Exports hold people's contact details, so each is written to the audit
// log with who asked for it.
func (s *Service) ExportResults(ctx context.Context, actor Actor, roundID int64, opt ExportOptions, t Texts, w io.Writer) error {
	if opt.Format != FormatXLSX && opt.Format != FormatCSV {
		return apperr.Field("format", "results.export_format")
	}
	r, err := s.st.round(ctx, roundID)
	if err != nil {
		return err
	}
	if _, err := s.Closing(ctx, roundID); err != nil {
		return err
	}
	var (
		title string
		each  func(func(exportRow) error) error
	)
	if opt.Published {
		var pub Publication
		if opt.Version > 0 {
			pub, err = s.st.publication(ctx, roundID, opt.Version)
		} else {
			var ok bool
			pub, ok, err = s.st.lastPublicationOf(ctx, roundID)
			if err == nil && !ok {
				err = apperr.New(apperr.NotFound, "results.not_published")
			}
		}
		if err != nil {
			return err
		}
		title = t("results.export_title_published", r.Title, pub.Version, DisplayLocal(pub.PublishedAt))
		each = func(fn func(exportRow) error) error { return s.st.publishedExportRows(ctx, pub.ID, fn) }
	} else {
		prizes, err := s.prizesOf(ctx, s.st.db, r.ContestID)
		if err != nil {
			return err
		}
		given := prizes[roundID]
		title = t("results.export_title", r.Title, DisplayLocal(s.now()))
		each = func(fn func(exportRow) error) error {
			return s.st.exportRows(ctx, r.ContestID, roundID, func(row exportRow) error {
				row.Prize = given[row.ParticipantID]
				return fn(row)
			})
		}
	}
	if err := s.st.auditExport(ctx, actor, s.now(), roundID, opt); err != nil {
		return err
	}
	cols := exportColumns()
	header := make([]any, len(cols))
	for i, k := range cols {
		header[i] = t(k)
	}
	if opt.Format == FormatCSV {
		return writeCSV(w, header, each, t)
	}
	return writeXLSX(w, t("results.export_sheet"), title, header, each, t)
}

func writeXLSX(w io.Writer, sheet, title string, header []any, each func(func(exportRow) error) error, t Texts) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{title}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", header); err != nil {
		return err
	}
	line := 3
	err = each(func(r exportRow) error {
		cell, err := excelize.CoordinatesToCellName(1, line)
		if err != nil {
			return err
		}
		line++
		return sw.SetRow(cell, r.cells(t))
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}

// writeCSV writes UTF-8 with a byte order mark, so that spreadsheet
// programs read the Vietnamese letters right.
func writeCSV(w io.Writer, header []any, each func(func(exportRow) error) error, t Texts) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	record := func(cells []any) error {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = csvCell(c)
		}
		return cw.Write(out)
	}
	if err := record(header); err != nil {
		return err
	}
	if err := each(func(r exportRow) error { return record(r.cells(t)) }); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// csvCell formats a cell. Text that a spreadsheet would run as a formula
// (a name typed as "=HYPERLINK(...)") is prefixed with an apostrophe.
func csvCell(c any) string {
	switch v := c.(type) {
	case string:
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', 3, 64)
	default:
		return fmt.Sprint(v)
	}
}
