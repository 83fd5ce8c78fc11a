package essay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Texts looks up catalogue texts (server/ passes its i18n catalogue's T), so
// the export's headers come from the one catalogue.
type Texts func(key string, args ...any) string

// vietnam is Hanoi time, fixed at UTC+7 (no daylight saving), so exports
// show the times people know without needing a tz database.
var vietnam = time.FixedZone("ICT", 7*3600)

// exportColumns are the catalogue keys of the export's headers, in order.
func exportColumns() []string {
	return []string{
		"essay.col_rank", "essay.col_prize", "essay.col_mark", "essay.col_code", "essay.col_title",
		"essay.col_full_name", "essay.col_birth_date", "essay.col_phone", "essay.col_email",
		"essay.col_citizen_id", "essay.col_unit", "essay.col_category", "essay.col_word_count",
		"essay.col_submitted_at", "essay.col_updated_at", "essay.col_mark1", "essay.col_mark2",
		"essay.col_scores", "essay.col_disqualified",
	}
}

// ExportXLSX writes every essay of the contest with full details for
// prize-giving: rank and prize (published, or provisional before), marks of
// each stage, every judge's score, and the author's contact details.
func (s *Service) ExportXLSX(ctx context.Context, contestID int64, t Texts, w io.Writer) error {
	c, err := s.essayContest(ctx, s.db, contestID)
	if err != nil {
		return err
	}
	set, err := s.st.settings(ctx, s.db, contestID)
	if err != nil {
		return err
	}
	stage := 1
	if set.TwoStage {
		stage = 2
	}
	rows, err := s.st.exportRows(ctx, s.db, contestID, stage)
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := t("essay.export_sheet")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	title := []any{t("essay.export_title", c.Title)}
	if err := sw.SetRow("A1", title); err != nil {
		return err
	}
	cols := exportColumns()
	header := make([]any, len(cols))
	for i, k := range cols {
		header[i] = t(k)
	}
	if err := sw.SetRow("A2", header); err != nil {
		return err
	}
	for i, r := range rows {
		var rank, mark any = "", ""
		if r.Rank.Valid {
			rank = r.Rank.Int64
		}
		// The mark that ranks: the final stage's in a two-stage contest.
		if m := r.Mark1; !set.TwoStage && m.Valid {
			mark = m.Float64
		} else if m := r.Mark2; set.TwoStage && m.Valid {
			mark = m.Float64
		}
		cells := []any{
			rank, prizeText(t, r.Prize.String), mark,
			r.Code, r.Title, r.FullName, dateText(r.BirthDate.Time, r.BirthDate.Valid),
			r.Phone.String, r.Email.String, r.CitizenID.String, r.Unit.String, r.Category.String,
			r.WordCount, r.SubmittedAt.In(vietnam).Format("2006-01-02 15:04"),
			r.UpdatedAt.In(vietnam).Format("2006-01-02 15:04"),
			floatOrEmpty(r.Mark1.Float64, r.Mark1.Valid), floatOrEmpty(r.Mark2.Float64, r.Mark2.Valid),
			scoresText(t, r.Scores), r.Disqualified,
		}
		cell, err := excelize.CoordinatesToCellName(1, i+3)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}

func floatOrEmpty(x float64, ok bool) any {
	if !ok {
		return ""
	}
	return x
}

func dateText(t time.Time, ok bool) string {
	if !ok {
		return ""
	}
	return t.Format("2006-01-02")
}

func prizeText(t Texts, prize string) string {
	if prize == "" {
		return ""
	}
	return t("essay.prize_" + prize)
}

// scoresText writes each judge's score, e.g. "Vòng 1 · Giám khảo A: 78".
func scoresText(t Texts, raw []byte) string {
	var seats []struct {
		Stage  int      `json:"stage"`
		Judge  string   `json:"judge"`
		Seat   string   `json:"seat"`
		Status string   `json:"status"`
		Total  *float64 `json:"total"`
	}
	if err := json.Unmarshal(raw, &seats); err != nil {
		return ""
	}
	parts := make([]string, 0, len(seats))
	for _, s := range seats {
		score := t("essay.export_unscored")
		if s.Status == "final" && s.Total != nil {
			score = formatPoints(*s.Total)
		}
		line := fmt.Sprintf("%s · %s: %s", t("essay.export_stage", s.Stage), s.Judge, score)
		if s.Seat == "third" {
			line += " " + t("essay.export_third")
		}
		parts = append(parts, line)
	}
	return strings.Join(parts, "; ")
}
