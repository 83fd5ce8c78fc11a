package questions

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// Limits of an import file.
const (
	MaxImportBytes = 10 << 20 // 10 MiB
	MaxImportRows  = 20000
	// Past this many row errors the list stops: a file that wrong needs
	// fixing as a whole, and the answer stays small.
	maxRowErrors = 500
	// An xlsx is a zip: cap what it may unpack to, against zip bombs.
	maxUnzipBytes = 256 << 20
)

// The columns of the import and export format (API.md), in export order.
const (
	colText = iota
	colOptA // option_a .. option_f are colOptA+0 .. colOptA+5
	_
	_
	_
	_
	_
	colCorrect
	colCategory
	colDifficulty
	colExplanation
	colLegalRef
	numColumns
)

// column is one column of the format: its canonical English header, the
// Vietnamese header the export writes, and the header spellings accepted
// (as normHeader returns them).
type column struct {
	key, vi  string
	aliases  []string
	required bool
}

// formatColumns describes the format; it is read-only.
func formatColumns() [numColumns]column {
	cols := [numColumns]column{
		colText:        {key: "text", vi: "Câu hỏi", aliases: []string{"cau hoi", "noi dung cau hoi", "noi dung", "question"}, required: true},
		colCorrect:     {key: "correct", vi: "Đáp án đúng", aliases: []string{"dap an dung", "correct answer"}, required: true},
		colCategory:    {key: "category", vi: "Chủ đề", aliases: []string{"chu de", "linh vuc"}, required: true},
		colDifficulty:  {key: "difficulty", vi: "Mức độ", aliases: []string{"muc do", "do kho", "muc do kho"}, required: true},
		colExplanation: {key: "explanation", vi: "Giải thích", aliases: []string{"giai thich"}},
		colLegalRef:    {key: "legal_reference", vi: "Căn cứ pháp lý", aliases: []string{"can cu phap ly", "can cu", "co so phap ly"}},
	}
	for i := range MaxOptions {
		l := strings.ToLower(Letter(i))
		cols[colOptA+i] = column{
			key: "option_" + l, vi: "Đáp án " + Letter(i),
			aliases:  []string{"dap an " + l, "phuong an " + l},
			required: i < MinOptions,
		}
	}
	for i := range cols {
		cols[i].aliases = append(cols[i].aliases, normHeader(cols[i].key))
	}
	return cols
}

// normHeader folds a header cell so that "Đáp án A", "dap_an_a" and
// "Option A *" all compare equal to their column's aliases.
func normHeader(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', '*', ':':
			return ' '
		}
		return r
	}, s)
	return vntext.Fold(s)
}

// sheet is the cells of an imported file, with the row number a person sees
// in a spreadsheet program for each row (1-based, header included).
type sheet struct {
	rows  [][]string
	rowNo []int
}

// formatError is a validation error about the file as a whole, not a row.
func formatError(key string, args ...any) error {
	return apperr.New(apperr.Validation, key, args...)
}

// readAll reads r up to the import limit.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, "question.import_too_large", MaxImportBytes>>20)
	}
	return data, nil
}

const (
	zipMagic  = "PK\x03\x04"
	ole2Magic = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" // .xls and password-protected .xlsx
	utf8BOM   = "\xef\xbb\xbf"
)

// parseFile reads the cells of an xlsx or csv file, deciding by content
// where it can tell and by the name's extension where it cannot.
func parseFile(name string, data []byte) (sheet, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return sheet{}, formatError("question.import_empty")
	case bytes.HasPrefix(data, []byte(zipMagic)):
		return parseXLSX(data)
	case bytes.HasPrefix(data, []byte(ole2Magic)):
		return sheet{}, formatError("question.import_xls_old")
	case ext == ".xlsx" || ext == ".xlsm" || ext == ".xls":
		return sheet{}, formatError("question.import_not_xlsx")
	case ext == ".csv" || ext == ".txt" || ext == "":
		return parseCSV(data)
	}
	return sheet{}, formatError("question.import_unsupported")
}

func parseXLSX(data []byte) (sheet, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    maxUnzipBytes,
		UnzipXMLSizeLimit: 32 << 20,
	})
	if err != nil {
		// excelize has no sentinel for this one; its message is stable.
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return sheet{}, apperr.New(apperr.TooLarge, "question.import_too_large", MaxImportBytes>>20)
		}
		return sheet{}, formatError("question.import_broken_xlsx")
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) == 0 {
		return sheet{}, formatError("question.import_broken_xlsx")
	}
	rows, err := f.Rows(names[0])
	if err != nil {
		return sheet{}, formatError("question.import_broken_xlsx")
	}
	defer rows.Close()
	var sh sheet
	n := 0
	for rows.Next() {
		n++
		cells, err := rows.Columns()
		if err != nil {
			return sheet{}, formatError("question.import_broken_xlsx")
		}
		if n > MaxImportRows+1000 && !blank(cells) {
			return sheet{}, formatError("question.import_too_many_rows", MaxImportRows)
		}
		sh.rows = append(sh.rows, cells)
		sh.rowNo = append(sh.rowNo, n)
	}
	if rows.Error() != nil {
		return sheet{}, formatError("question.import_broken_xlsx")
	}
	return sh, nil
}

func parseCSV(data []byte) (sheet, error) {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	if !utf8.Valid(data) {
		bad := 0
		for bad < len(data) {
			r, size := utf8.DecodeRune(data[bad:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			bad += size
		}
		return sheet{}, formatError("question.import_not_utf8", bytes.Count(data[:bad], []byte("\n"))+1)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = detectDelimiter(data)
	cr.FieldsPerRecord = -1
	var sh sheet
	// A spreadsheet shows a record with line breaks inside quotes as one
	// row, and a blank line as an empty row: row = start line - the extra
	// lines of earlier multi-line records.
	extra := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			row := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row = pe.StartLine - extra
			}
			return sheet{}, apperr.Rows([]apperr.RowError{{Row: row, Message: apperr.Message{Key: "question.import_csv_syntax"}}})
		}
		line, _ := cr.FieldPos(0)
		sh.rows = append(sh.rows, rec)
		sh.rowNo = append(sh.rowNo, line-extra)
		for _, field := range rec {
			extra += strings.Count(field, "\n")
		}
		if len(sh.rows) > MaxImportRows+1000 {
			return sheet{}, formatError("question.import_too_many_rows", MaxImportRows)
		}
	}
	return sh, nil
}

// detectDelimiter picks comma, semicolon (Excel's CSV where the decimal
// separator is a comma, as in Vietnamese settings) or tab, whichever occurs
// most outside quotes in the header line.
func detectDelimiter(data []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range data {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		counts[c]++
	}
	best, n := byte(','), counts[',']
	for _, c := range []byte{';', '\t'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return rune(best)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// importRow is one valid question of a file and the row it came from.
type importRow struct {
	row int
	c   content
}

// readQuestions maps the header, then checks every row, and returns either
// all the questions or every bad row.
func readQuestions(sh sheet) ([]importRow, error) {
	cols := formatColumns()
	start := 0
	for start < len(sh.rows) && blank(sh.rows[start]) {
		start++
	}
	if start == len(sh.rows) {
		return nil, formatError("question.import_empty")
	}
	headerRow := sh.rowNo[start]
	pos := [numColumns]int{} // cell index of each column, -1 when absent
	names := [numColumns]string{}
	for i := range pos {
		pos[i] = -1
		names[i] = cols[i].key
	}
	var errs []apperr.RowError
	for ci, cell := range sh.rows[start] {
		h := normHeader(cell)
		if h == "" {
			continue
		}
		for k := range cols {
			if !containsString(cols[k].aliases, h) {
				continue
			}
			if pos[k] >= 0 {
				errs = append(errs, rowError(headerRow, vntext.Clean(cell), "question.import_column_duplicate", cols[k].vi))
				break
			}
			pos[k] = ci
			names[k] = vntext.Clean(cell)
			break
		}
	}
	for k := range cols {
		if cols[k].required && pos[k] < 0 {
			errs = append(errs, rowError(headerRow, cols[k].key, "question.import_column_missing", cols[k].vi, cols[k].key))
		}
	}
	if len(errs) > 0 {
		return nil, apperr.Rows(errs)
	}

	var out []importRow
	for i := start + 1; i < len(sh.rows); i++ {
		cells := sh.rows[i]
		if blank(cells) {
			continue
		}
		if len(out) >= MaxImportRows {
			return nil, formatError("question.import_too_many_rows", MaxImportRows)
		}
		var vals [numColumns]string
		for k := range cols {
			if pos[k] >= 0 && pos[k] < len(cells) {
				vals[k] = unescapeCell(cells[pos[k]])
			}
		}
		var f apperr.Fields
		c := checkRow(vals, &f)
		if fe := f.Err(); fe != nil {
			if len(errs) >= maxRowErrors {
				errs = append(errs, rowError(sh.rowNo[i], "", "question.import_more_errors"))
				break
			}
			errs = append(errs, fieldRowErrors(fe.(*apperr.Error), sh.rowNo[i], names)...)
			continue
		}
		out = append(out, importRow{row: sh.rowNo[i], c: c})
	}
	if len(errs) > 0 {
		return nil, apperr.Rows(errs)
	}
	if len(out) == 0 {
		return nil, formatError("question.import_no_rows")
	}
	return out, nil
}

// checkRow validates one row's cells: first what only the file format can
// get wrong (letters, gaps, difficulty words), then the rules every
// question obeys.
func checkRow(vals [numColumns]string, f *apperr.Fields) content {
	opts := vals[colOptA : colOptA+MaxOptions]
	last := -1
	for i, o := range opts {
		if vntext.Clean(o) != "" {
			last = i
		}
	}
	for i := 0; i < last; i++ {
		if vntext.Clean(opts[i]) == "" {
			f.Add(optionField(i), "question.option_gap")
		}
	}
	if last+1 < MinOptions {
		f.Add("options", "question.import_options_min", MinOptions)
	}
	in := Input{
		Text: vals[colText], Options: append([]string(nil), opts[:max(last+1, 0)]...), Correct: NoCorrect,
		Category: vals[colCategory], Explanation: vals[colExplanation], LegalReference: vals[colLegalRef],
	}
	letter := vntext.Fold(vals[colCorrect])
	switch {
	case letter == "":
		f.Add("correct", "question.correct_required")
	case len(letter) != 1 || letter[0] < 'a' || letter[0] >= 'a'+MaxOptions:
		f.Add("correct", "question.import_correct_letter")
	default:
		idx := int(letter[0] - 'a')
		if idx > last || vntext.Clean(opts[idx]) == "" {
			f.Add("correct", "question.import_correct_empty_option", Letter(idx))
		} else {
			in.Correct = idx
		}
	}
	if d := strings.TrimSpace(vals[colDifficulty]); d != "" {
		var ok bool
		if in.Difficulty, ok = ParseDifficulty(d); !ok {
			f.Add("difficulty", "question.import_difficulty_invalid")
		}
	}
	return normalize(in, f)
}

func optionField(i int) string { return "options[" + string(rune('0'+i)) + "]" }

// fieldRowErrors turns the field messages of one row into row errors named
// by the file's own column headers, in column order.
func fieldRowErrors(e *apperr.Error, row int, names [numColumns]string) []apperr.RowError {
	fieldCol := map[string]int{
		"text": colText, "options": colOptA + 1, "correct": colCorrect, "category": colCategory,
		"difficulty": colDifficulty, "explanation": colExplanation, "legal_reference": colLegalRef,
	}
	for i := range MaxOptions {
		fieldCol[optionField(i)] = colOptA + i
	}
	type cellErr struct {
		col int
		msg apperr.Message
	}
	var ces []cellErr
	for field, msg := range e.Fields {
		ces = append(ces, cellErr{fieldCol[field], msg})
	}
	sort.Slice(ces, func(i, j int) bool { return ces[i].col < ces[j].col })
	out := make([]apperr.RowError, len(ces))
	for i, ce := range ces {
		out[i] = apperr.RowError{Row: row, Column: names[ce.col], Message: ce.msg}
	}
	return out
}

func rowError(row int, column, key string, args ...any) apperr.RowError {
	return apperr.RowError{Row: row, Column: column, Message: apperr.Message{Key: key, Args: args}}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// escapeCell protects a CSV cell that a spreadsheet would run as a formula
// (OWASP's CSV injection advice) with a leading apostrophe; unescapeCell
// removes exactly one, so export then import gives the text back. Cells
// that are already apostrophes before a formula character get one more.
func escapeCell(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

func unescapeCell(s string) string {
	if strings.HasPrefix(s, "'") && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}

func formulaLike(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}
