package questions

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"lawcontest/apperr"
)

// ImportResult counts what an import did.
type ImportResult struct {
	Imported          int `json:"imported"`
	DuplicatesSkipped int `json:"duplicates_skipped"`
}

// ImportFile imports the questions of an .xlsx or .csv file (API.md's
// columns), all or nothing: any bad row and nothing is stored, and the
// error lists every bad row. Questions already in the bank, or repeated in
// the file, are skipped and counted, which makes importing the same file
// twice harmless (the demo seed relies on it). The file name only decides
// the format where the content cannot.
func (b *Bank) ImportFile(ctx context.Context, actor Actor, filename string, r io.Reader) (ImportResult, error) {
	data, err := readAll(r)
	if err != nil {
		return ImportResult{}, err
	}
	sh, err := parseFile(filename, data)
	if err != nil {
		return ImportResult{}, err
	}
	rows, err := readQuestions(sh)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	seen := make(map[string]bool, len(rows))
	vs := make([]newVersion, 0, len(rows))
	for _, row := range rows {
		k := row.c.dupKey()
		if seen[k] {
			res.DuplicatesSkipped++
			continue
		}
		seen[k] = true
		opts, correctID := row.c.withIDs()
		vs = append(vs, newVersion{content: row.c, options: opts, correctID: correctID})
	}
	now := b.clk.Now()
	err = b.inTx(ctx, func(tx *sqlx.Tx) error {
		ids, err := b.st.insertQuestions(ctx, tx, actor, now, vs)
		if err != nil {
			return err
		}
		res.Imported = len(ids)
		res.DuplicatesSkipped += len(vs) - len(ids)
		return b.st.writeAudit(ctx, tx, now, actor, "question.import", 0, map[string]any{
			"file": filename, "bytes": len(data), "imported": res.Imported,
			"duplicates_skipped": res.DuplicatesSkipped, "question_ids": ids,
		})
	})
	if err != nil {
		return ImportResult{}, err
	}
	if res.Imported > 0 {
		b.changed()
	}
	return res, nil
}

// Export writes every active question in the import format, with the
// Vietnamese headers, so that importing the file into an empty bank gives
// the same bank. format is "xlsx" or "csv".
func (b *Bank) Export(ctx context.Context, format string, w io.Writer) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	qs, err := b.st.exportRows(ctx)
	if err != nil {
		return err
	}
	rows := make([][]string, len(qs))
	for i, q := range qs {
		rows[i] = exportRow(q)
	}
	return writeTable(format, w, rows)
}

// Template writes an empty file in the import format: the headers and one
// example row.
func Template(format string, w io.Writer) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	return writeTable(format, w, [][]string{templateExample()})
}

// templateExample is the template's example row. Its content is checked
// against the law it cites (Law on Cybersecurity 24/2018/QH14, Article 43).
func templateExample() []string {
	r := make([]string, numColumns)
	r[colText] = "Luật An ninh mạng năm 2018 có hiệu lực thi hành từ ngày nào?"
	r[colOptA+0] = "01/01/2019"
	r[colOptA+1] = "12/6/2018"
	r[colOptA+2] = "01/7/2019"
	r[colOptA+3] = "01/01/2020"
	r[colCorrect] = "A"
	r[colCategory] = "Luật An ninh mạng"
	r[colDifficulty] = difficultyVI(Easy)
	r[colExplanation] = "Luật An ninh mạng được Quốc hội thông qua ngày 12/6/2018 và có hiệu lực thi hành từ ngày 01/01/2019."
	r[colLegalRef] = "Khoản 1 Điều 43 Luật An ninh mạng năm 2018"
	return r
}

func checkFormat(format string) error {
	if format != "xlsx" && format != "csv" {
		return apperr.Field("format", "question.export_format_invalid")
	}
	return nil
}

func exportRow(q Question) []string {
	r := make([]string, numColumns)
	r[colText] = q.Text
	for i, o := range q.Options {
		r[colOptA+i] = o.Text
	}
	r[colCorrect] = Letter(q.Correct)
	r[colCategory] = q.Category
	r[colDifficulty] = difficultyVI(q.Difficulty)
	r[colExplanation] = q.Explanation
	r[colLegalRef] = q.LegalReference
	return r
}

// difficultyVI is the word the export writes; the import reads it back.
func difficultyVI(d Difficulty) string {
	switch d {
	case Easy:
		return "dễ"
	case Medium:
		return "trung bình"
	case Hard:
		return "khó"
	}
	return string(d)
}

func headerVI() []string {
	cols := formatColumns()
	h := make([]string, numColumns)
	for i, c := range cols {
		h[i] = c.vi
	}
	return h
}

func writeTable(format string, w io.Writer, rows [][]string) error {
	if format == "csv" {
		return writeCSV(w, rows)
	}
	return writeXLSX(w, rows)
}

// writeCSV writes what Excel opens correctly by double click: UTF-8 with a
// BOM, comma separated, CRLF line ends, formula-like cells escaped.
func writeCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(headerVI()); err != nil {
		return err
	}
	rec := make([]string, numColumns)
	for _, r := range rows {
		for i, v := range r {
			rec[i] = escapeCell(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeXLSX(w io.Writer, rows [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	const name = "Câu hỏi"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	widths := [numColumns]float64{60, 25, 25, 25, 25, 25, 25, 12, 25, 12, 50, 35}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	header := make([]any, numColumns)
	for i, h := range headerVI() {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	vals := make([]any, numColumns)
	for i, r := range rows {
		for j, v := range r {
			// A Cell with a string Value is always stored as text, never
			// as a formula, whatever it starts with.
			vals[j] = excelize.Cell{StyleID: wrap, Value: v}
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
