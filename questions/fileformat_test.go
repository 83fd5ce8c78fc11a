package questions

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"lawcontest/apperr"
)

func TestParseCSV(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		data  string
		rows  [][]string
		rowNo []int
	}{
		{"comma", "a,b\n1,2\n", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"bom and crlf", "\xef\xbb\xbfa,b\r\n1,2\r\n", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"semicolon", "a;b;c\n1,5;2;\"x;y\"\n", [][]string{{"a", "b", "c"}, {"1,5", "2", "x;y"}}, []int{1, 2}},
		{"semicolon header with a comma in a quoted name", "\"a,1\";b;c\n1;2;3\n", [][]string{{"a,1", "b", "c"}, {"1", "2", "3"}}, []int{1, 2}},
		{"tab", "a\tb\n1\t2\n", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
		{"quotes and line breaks", "a,b\n\"x, \"\"y\"\"\nz\",2\n3,4\n", [][]string{{"a", "b"}, {"x, \"y\"\nz", "2"}, {"3", "4"}}, []int{1, 2, 3}},
		{"blank line counts as a row", "a,b\n\n1,2\n", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 3}},
		{"ragged rows", "a,b,c\n1\n1,2,3,4\n", [][]string{{"a", "b", "c"}, {"1"}, {"1", "2", "3", "4"}}, []int{1, 2, 3}},
		{"no final newline", "a,b\n1,2", [][]string{{"a", "b"}, {"1", "2"}}, []int{1, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := parseCSV([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%q", sh.rows) != fmt.Sprintf("%q", tc.rows) || fmt.Sprint(sh.rowNo) != fmt.Sprint(tc.rowNo) {
				t.Fatalf("got %q %v, want %q %v", sh.rows, sh.rowNo, tc.rows, tc.rowNo)
			}
		})
	}
}

func wantFormatError(t *testing.T, err error, code apperr.Code, key string) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || e.Msg.Key != key {
		t.Fatalf("got %v, want %s %s", err, code, key)
	}
	return e
}

func TestParseFileRefusals(t *testing.T) {
	t.Parallel()
	good := xlsxBytes(t, englishHeader, genRows(3, "A"))
	var otherZip bytes.Buffer
	zw := zip.NewWriter(&otherZip)
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte("<doc/>"))
	zw.Close()
	cases := []struct {
		name, file string
		data       []byte
		key        string
	}{
		{"empty", "a.csv", nil, "question.import_empty"},
		{"only spaces", "a.xlsx", []byte(" \n "), "question.import_empty"},
		{"text renamed .xlsx", "cau-hoi.xlsx", []byte("text,option_a\nx,y\n"), "question.import_not_xlsx"},
		{"pdf renamed .xlsx", "cau-hoi.xlsx", []byte("%PDF-1.7 ..."), "question.import_not_xlsx"},
		{"broken zip", "cau-hoi.xlsx", good[:len(good)/2], "question.import_broken_xlsx"},
		{"zip but not a workbook", "cau-hoi.xlsx", otherZip.Bytes(), "question.import_broken_xlsx"},
		{"old xls", "cau-hoi.xls", []byte(ole2Magic + "rest of an old workbook"), "question.import_xls_old"},
		{"other extension", "cau-hoi.pdf", []byte("%PDF-1.7"), "question.import_unsupported"},
		{"csv in latin-1", "a.csv", []byte("text,option_a\nC\xe2u h\xf4i,x\n"), "question.import_not_utf8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFile(tc.file, tc.data)
			e := wantFormatError(t, err, apperr.Validation, tc.key)
			if len(e.Rows) != 0 {
				t.Fatalf("a file-level error has no rows: %v", e.Rows)
			}
		})
	}
	_, err := parseFile("a.csv", []byte("text,option_a\nC\xe2u h\xf4i,x\n"))
	if e, _ := apperr.As(err); fmt.Sprint(e.Msg.Args) != "[2]" {
		t.Fatalf("not-UTF-8 error should name line 2: %v", e.Msg.Args)
	}
	// An xlsx is recognised by its content whatever its name says.
	if sh, err := parseFile("cau-hoi.csv", good); err != nil || len(sh.rows) != 4 {
		t.Fatalf("xlsx named .csv: %v %d rows", err, len(sh.rows))
	}
}

func TestParseCSVSyntaxError(t *testing.T) {
	t.Parallel()
	_, err := parseCSV([]byte("a,b\n\"x\ny\",1\n3,\"unclosed\n"))
	e := wantFormatError(t, err, apperr.Validation, "error.import_rows")
	if len(e.Rows) != 1 || e.Rows[0].Row != 3 || e.Rows[0].Message.Key != "question.import_csv_syntax" {
		t.Fatalf("rows = %+v, want row 3 csv_syntax", e.Rows)
	}
}

func TestParseXLSXRowNumbers(t *testing.T) {
	t.Parallel()
	data := xlsxBytes(t, englishHeader, [][]string{genRows(1, "A")[0], {}, genRows(2, "A")[1]})
	sh, err := parseFile("x.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sh.rowNo) != "[1 2 3 4]" {
		t.Fatalf("row numbers %v", sh.rowNo)
	}
}

func TestReadQuestionsHeaders(t *testing.T) {
	t.Parallel()
	viHeader := []string{"STT", "Câu hỏi", "Đáp án A", "Đáp án B", "Đáp án C", "Đáp án đúng", "Chủ đề", "Mức độ", "Giải thích", "Căn cứ pháp lý"}
	sh := sheet{rows: [][]string{viHeader, {"1", "Hỏi?", "Có", "Không", "", "b", "Luật Trẻ em", "Trung bình", "Vì.", "Điều 54"}}, rowNo: []int{1, 2}}
	rows, err := readQuestions(sh)
	if err != nil {
		t.Fatal(err)
	}
	c := rows[0].c
	if c.text != "Hỏi?" || len(c.options) != 2 || c.correct != 1 || c.difficulty != Medium || c.category != "Luật Trẻ em" || c.legalRef != "Điều 54" {
		t.Fatalf("got %+v", c)
	}

	cases := []struct {
		name   string
		header []string
		want   []string // "row column key"
	}{
		{"missing columns", []string{"Câu hỏi", "Đáp án A", "Chủ đề", "Mức độ"},
			[]string{"1 option_b question.import_column_missing", "1 correct question.import_column_missing"}},
		{"duplicate column", []string{"text", "Câu hỏi", "option_a", "option_b", "correct", "category", "difficulty"},
			[]string{"1 Câu hỏi question.import_column_duplicate"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readQuestions(sheet{rows: [][]string{tc.header}, rowNo: []int{1}})
			e := wantFormatError(t, err, apperr.Validation, "error.import_rows")
			var got []string
			for _, r := range e.Rows {
				got = append(got, fmt.Sprintf("%d %s %s", r.Row, r.Column, r.Message.Key))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReadQuestionsRowErrors(t *testing.T) {
	t.Parallel()
	ok := func() []string {
		return row("Câu hỏi hợp lệ?", []string{"Một", "Hai", "Ba"}, "A", "Luật An ninh mạng", "dễ")
	}
	edit := func(f func(r []string)) []string { r := ok(); f(r); return r }
	cases := []struct {
		name string
		row  []string
		want []string // "column key", in column order
	}{
		{"missing correct", edit(func(r []string) { r[7] = "" }), []string{"correct question.correct_required"}},
		{"correct not a letter", edit(func(r []string) { r[7] = "1" }), []string{"correct question.import_correct_letter"}},
		{"correct letter G", edit(func(r []string) { r[7] = "G" }), []string{"correct question.import_correct_letter"}},
		{"correct points at an empty option", edit(func(r []string) { r[7] = "d" }), []string{"correct question.import_correct_empty_option"}},
		{"unknown difficulty", edit(func(r []string) { r[9] = "rất khó" }), []string{"difficulty question.import_difficulty_invalid"}},
		{"missing difficulty", edit(func(r []string) { r[9] = " " }), []string{"difficulty question.difficulty_required"}},
		{"text too long", edit(func(r []string) { r[0] = strings.Repeat("a", MaxTextLen+1) }), []string{"text question.text_too_long"}},
		{"missing text", edit(func(r []string) { r[0] = "" }), []string{"text question.text_required"}},
		{"gap in options", edit(func(r []string) { r[2] = "" }), []string{"option_b question.option_gap"}},
		{"one option", edit(func(r []string) { r[2], r[3] = "", "" }), []string{"option_b question.import_options_min"}},
		{"no options", edit(func(r []string) { r[1], r[2], r[3] = "", "", "" }), []string{"option_b question.import_options_min", "correct question.import_correct_empty_option"}},
		{"duplicate options", edit(func(r []string) { r[3] = "một" }), []string{"option_c question.option_duplicate"}},
		{"missing category", edit(func(r []string) { r[8] = "" }), []string{"category question.category_required"}},
		{"several problems", edit(func(r []string) { r[0], r[7], r[9] = "", "Z", "x" }), []string{"text question.text_required", "correct question.import_correct_letter", "difficulty question.import_difficulty_invalid"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sh := sheet{rows: [][]string{englishHeader, ok(), tc.row}, rowNo: []int{1, 2, 3}}
			_, err := readQuestions(sh)
			e := wantFormatError(t, err, apperr.Validation, "error.import_rows")
			var got []string
			for _, r := range e.Rows {
				if r.Row != 3 {
					t.Fatalf("error on row %d, want 3: %+v", r.Row, r)
				}
				got = append(got, r.Column+" "+r.Message.Key)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReadQuestionsEdges(t *testing.T) {
	t.Parallel()
	_, err := readQuestions(sheet{rows: [][]string{englishHeader, {}, {" "}}, rowNo: []int{1, 2, 3}})
	wantFormatError(t, err, apperr.Validation, "question.import_no_rows")

	// Blank rows are skipped, a header may follow blank rows, and formula
	// escapes written by the export are undone.
	r := row("'=1+1 là bao nhiêu?", []string{"'-2", "2"}, "b", "Toán", "easy")
	rows, err := readQuestions(sheet{rows: [][]string{{}, englishHeader, {}, r}, rowNo: []int{1, 2, 3, 4}})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].row != 4 || rows[0].c.text != "=1+1 là bao nhiêu?" || rows[0].c.options[0] != "-2" {
		t.Fatalf("got %+v", rows[0])
	}

	// A file full of bad rows reports a bounded list.
	bad := [][]string{englishHeader}
	for range maxRowErrors + 50 {
		bad = append(bad, row("", []string{"a", "b"}, "A", "c", "easy"))
	}
	nos := make([]int, len(bad))
	for i := range nos {
		nos[i] = i + 1
	}
	_, err = readQuestions(sheet{rows: bad, rowNo: nos})
	e := wantFormatError(t, err, apperr.Validation, "error.import_rows")
	if len(e.Rows) != maxRowErrors+1 || e.Rows[maxRowErrors].Message.Key != "question.import_more_errors" {
		t.Fatalf("%d row errors, last %+v", len(e.Rows), e.Rows[len(e.Rows)-1])
	}
}

func TestEscapeCell(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "=SUM(A1)", "+1", "-5 điểm", "@x", "'quoted'", "'=already", "bình thường", "\ttab"} {
		if got := unescapeCell(escapeCell(s)); got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
		if e := escapeCell(s); e != "" && strings.ContainsRune("=+-@\t", rune(e[0])) {
			t.Errorf("escapeCell(%q) = %q still starts with a formula character", s, e)
		}
	}
}

// FuzzParseFile feeds arbitrary bytes to the import parser: it must never
// panic, must answer with a domain error or questions, and every question
// it accepts must be valid.
func FuzzParseFile(f *testing.F) {
	f.Add("a.csv", []byte("text,option_a,option_b,correct,category,difficulty\nHỏi?,Có,Không,A,Luật,dễ\n"))
	f.Add("a.csv", []byte("\xef\xbb\xbfCâu hỏi;Đáp án A;Đáp án B;Đáp án đúng;Chủ đề;Mức độ\n\"x;\"\"y\"\"\";1;2;b;C;khó\n"))
	f.Add("a.csv", []byte("text,option_a\n\"unclosed\n"))
	f.Add("a.csv", []byte("text,option_a,option_b,correct,category,difficulty\n,,,,,\n'=x,'-1,2,C,c,hard\n"))
	f.Add("a.xlsx", []byte("PK\x03\x04garbage"))
	f.Add("a.xlsx", xlsxBytes(f, englishHeader, genRows(2, "A")))
	f.Add("b.txt", []byte("\x00\x01;;;\r\r\n\""))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		sh, err := parseFile(name, data)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("non-domain error %v", err)
			}
			return
		}
		if len(sh.rows) != len(sh.rowNo) {
			t.Fatalf("%d rows, %d row numbers", len(sh.rows), len(sh.rowNo))
		}
		rows, err := readQuestions(sh)
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Validation {
				t.Fatalf("bad error %v", err)
			}
			for _, r := range e.Rows {
				if r.Row < 1 || r.Message.Key == "" {
					t.Fatalf("bad row error %+v", r)
				}
			}
			return
		}
		for _, r := range rows {
			var f apperr.Fields
			in := Input{Text: r.c.text, Options: r.c.options, Correct: r.c.correct, Category: r.c.category,
				Difficulty: r.c.difficulty, Explanation: r.c.explanation, LegalReference: r.c.legalRef}
			if c := normalize(in, &f); f.Err() != nil || !c.equal(r.c) {
				t.Fatalf("accepted row %d is not valid and normalized: %v %+v", r.row, f.Err(), r.c)
			}
		}
	})
}

// FuzzImportCSV fuzzes CSV text through the whole import check (faster
// than FuzzParseFile, which also mutates xlsx bytes): never a panic, only
// domain errors with sane row numbers, and rows in order.
func FuzzImportCSV(f *testing.F) {
	f.Add("text,option_a,option_b,correct,category,difficulty\nHỏi?,Có,Không,A,Luật,dễ\n")
	f.Add("Câu hỏi;Đáp án A;Đáp án B;Đáp án C;Đáp án đúng;Chủ đề;Mức độ\n\"a\nb\";x;y;;c;C;khó\n;;;;;;\nq;1;1;;a;C;easy\n")
	f.Add("text,option_a,option_b,correct,category,difficulty,text\n")
	f.Add("\ufefftext\toption_a\toption_b\tcorrect\tcategory\tdifficulty\nQ\t'=1\t'+2\tB\tC\tTrung bình\n")
	f.Fuzz(func(t *testing.T, data string) {
		sh, err := parseCSV([]byte(data))
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("non-domain error %v", err)
			}
			return
		}
		for i := 1; i < len(sh.rowNo); i++ {
			if sh.rowNo[i] <= sh.rowNo[i-1] {
				t.Fatalf("row numbers not increasing: %v", sh.rowNo)
			}
		}
		rows, err := readQuestions(sh)
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Validation {
				t.Fatalf("bad error %v", err)
			}
			for _, r := range e.Rows {
				if r.Row < 1 || r.Message.Key == "" {
					t.Fatalf("bad row error %+v", r)
				}
			}
			return
		}
		for _, r := range rows {
			if r.c.text == "" || len(r.c.options) < MinOptions || r.c.correct < 0 || r.c.correct >= len(r.c.options) {
				t.Fatalf("invalid question accepted: %+v", r)
			}
		}
	})
}
