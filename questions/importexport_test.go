package questions

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lawcontest/apperr"
)

func TestImportValidFiles(t *testing.T) {
	t.Parallel()
	viHeader := []string{"Câu hỏi", "Đáp án A", "Đáp án B", "Đáp án C", "Đáp án D", "Đáp án E", "Đáp án F", "Đáp án đúng", "Chủ đề", "Mức độ", "Giải thích", "Căn cứ pháp lý"}
	rows := genRows(12, "Luật An ninh mạng", "Luật Trẻ em")
	cases := []struct {
		name, file string
		data       func(t *testing.T) []byte
	}{
		{"xlsx, English headers", "q.xlsx", func(t *testing.T) []byte { return xlsxBytes(t, englishHeader, rows) }},
		{"xlsx, Vietnamese headers", "q.xlsx", func(t *testing.T) []byte { return xlsxBytes(t, viHeader, rows) }},
		{"csv, comma", "q.csv", func(t *testing.T) []byte { return csvBytes(t, ',', false, englishHeader, rows) }},
		{"csv, semicolon, BOM, Vietnamese headers", "q.csv", func(t *testing.T) []byte { return csvBytes(t, ';', true, viHeader, rows) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, d, _ := newTestBank(t)
			res, err := importBytes(t, b, tc.file, tc.data(t))
			if err != nil || res.Imported != 12 || res.DuplicatesSkipped != 0 {
				t.Fatalf("import: %+v %v", res, err)
			}
			qs, total, err := b.List(context.Background(), Filter{Query: "câu hỏi số 7 "})
			if err != nil || total != 1 {
				t.Fatalf("list: %v %d", err, total)
			}
			q := qs[0]
			if q.Options[q.Correct].Text != "Phương án ba 6" || q.Category != "Luật An ninh mạng" || q.Difficulty != Easy ||
				q.Explanation != "Giải thích cho: Câu hỏi số 7 về pháp luật?" || q.LegalReference != "Điều 1" {
				t.Fatalf("question 7: %+v", q)
			}
			if n := count(t, d, `SELECT count(*) FROM audit_log WHERE action = 'question.import' AND (details->>'imported')::int = 12`); n != 1 {
				t.Fatalf("%d import audit rows", n)
			}
			// Importing again skips all as duplicates.
			res, err = importBytes(t, b, tc.file, tc.data(t))
			if err != nil || res.Imported != 0 || res.DuplicatesSkipped != 12 {
				t.Fatalf("second import: %+v %v", res, err)
			}
		})
	}
}

func TestImportDuplicates(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBank(t)
	rows := genRows(3, "A")
	twin := append([]string(nil), rows[1]...)
	twin[0] = strings.ToUpper(twin[0])
	twin[1], twin[2] = twin[2], twin[1]
	rows = append(rows, twin)
	res, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, rows))
	if err != nil || res.Imported != 3 || res.DuplicatesSkipped != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	more := append(genRows(5, "A"), genRows(3, "A")...)
	res, err = importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, more))
	if err != nil || res.Imported != 2 || res.DuplicatesSkipped != 6 {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestImportBadRowsStoresNothing(t *testing.T) {
	t.Parallel()
	b, d, _ := newTestBank(t)
	rows := genRows(6, "A")
	rows[1][7] = ""                                // row 3: missing correct answer
	rows[3][7] = "F"                               // row 5: correct letter points at an empty option
	rows[4][9] = "siêu khó"                        // row 6: unknown difficulty
	rows[5][0] = strings.Repeat("x", MaxTextLen+1) // row 7: text too long
	for _, format := range []string{"csv", "xlsx"} {
		data := csvBytes(t, ',', false, englishHeader, rows)
		if format == "xlsx" {
			data = xlsxBytes(t, englishHeader, rows)
		}
		_, err := importBytes(t, b, "q."+format, data)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Validation {
			t.Fatalf("%s: %v", format, err)
		}
		var got []string
		for _, r := range e.Rows {
			got = append(got, fmt.Sprintf("%d %s %s", r.Row, r.Column, r.Message.Key))
		}
		want := []string{
			"3 correct question.correct_required",
			"5 correct question.import_correct_empty_option",
			"6 difficulty question.import_difficulty_invalid",
			"7 text question.text_too_long",
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%s: rows\n%s\nwant\n%s", format, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if n := count(t, d, `SELECT count(*) FROM questions`); n != 0 {
		t.Fatalf("%d questions stored from a bad file", n)
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	t.Parallel()
	b, d, _ := newTestBank(t)
	good := xlsxBytes(t, englishHeader, genRows(3, "A"))
	big := bytes.Repeat([]byte("x"), MaxImportBytes+1)
	cases := []struct {
		name, file string
		data       []byte
		code       apperr.Code
		key        string
	}{
		{"broken xlsx", "q.xlsx", good[:len(good)-100], apperr.Validation, "question.import_broken_xlsx"},
		{"csv renamed .xlsx", "q.xlsx", csvBytes(t, ',', false, englishHeader, genRows(3, "A")), apperr.Validation, "question.import_not_xlsx"},
		{"too large", "q.csv", big, apperr.TooLarge, "question.import_too_large"},
	}
	for _, tc := range cases {
		_, err := importBytes(t, b, tc.file, tc.data)
		e, ok := apperr.As(err)
		if !ok || e.Code != tc.code || e.Msg.Key != tc.key || len(e.Rows) != 0 {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// The size limit stops reading: a reader that never ends is refused.
	_, err := b.ImportFile(context.Background(), organizer, "q.csv", endless{})
	if !apperr.Is(err, apperr.TooLarge) {
		t.Fatalf("endless upload: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM questions`); n != 0 {
		t.Fatalf("%d questions stored", n)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, _, _ := newTestBank(t)
	rows := genRows(30, "Luật An ninh mạng", "Bộ Quy tắc ứng xử trên mạng xã hội")
	rows = append(rows,
		row("=1+1 bằng mấy? Có \"ngoặc\", dấu phẩy; chấm phẩy\nvà xuống dòng", []string{"-2", "+2", "@2", "'=2", "2", "hai"}, "E", "Toán", "khó"),
		row("Hai đáp án?", []string{"Có", "Không"}, "B", "Luật Trẻ em", "trung bình"))
	if _, err := importBytes(t, src, "q.csv", csvBytes(t, ',', false, englishHeader, rows)); err != nil {
		t.Fatal(err)
	}
	// A retired question is not exported.
	qs, _, _ := src.List(ctx, Filter{Query: "cau hoi so 1 "})
	if _, err := src.Delete(ctx, organizer, qs[0].ID); err != nil {
		t.Fatal(err)
	}
	// An edited one is exported as its current version.
	qs, _, _ = src.List(ctx, Filter{Query: "cau hoi so 2 "})
	if _, err := src.Update(ctx, organizer, qs[0].ID, Patch{Text: ptr("Câu hỏi số 2 đã sửa?"), Correct: ptr(3)}); err != nil {
		t.Fatal(err)
	}
	want := bankContent(t, src)
	if n := strings.Count(want, "\n") + 1; n != 31 {
		t.Fatalf("%d questions in the source bank", n)
	}
	for _, format := range []string{"xlsx", "csv"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := src.Export(ctx, format, &buf); err != nil {
				t.Fatal(err)
			}
			if format == "csv" && !bytes.HasPrefix(buf.Bytes(), []byte(utf8BOM+"Câu hỏi,Đáp án A")) {
				t.Fatalf("csv export starts %q", buf.String()[:40])
			}
			dst, _, _ := newTestBank(t)
			res, err := importBytes(t, dst, "export."+format, buf.Bytes())
			if err != nil || res.Imported != 31 {
				t.Fatalf("import of export: %+v %v", res, err)
			}
			if got := bankContent(t, dst); got != want {
				t.Fatalf("round trip changed the bank:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// bankContent describes the active bank without ids, in text order.
func bankContent(t *testing.T, b *Bank) string {
	t.Helper()
	qs, err := b.st.exportRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, q := range qs {
		var opts []string
		for _, o := range q.Options {
			opts = append(opts, o.Text)
		}
		lines = append(lines, fmt.Sprintf("%q %q %d %q %s %q %q", q.Text, opts, q.Correct, q.Category, q.Difficulty, q.Explanation, q.LegalReference))
	}
	return strings.Join(lines, "\n")
}

func TestExportFormats(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBank(t)
	ctx := context.Background()
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, genRows(3, "A"))); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.Export(ctx, "xlsx", &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 4 || rows[0][0] != "Câu hỏi" || rows[0][11] != "Căn cứ pháp lý" || rows[1][9] != "dễ" || rows[1][7] != "A" {
		t.Fatalf("xlsx export %q", rows)
	}
	if err := b.Export(ctx, "pdf", io.Discard); !apperr.Is(err, apperr.Validation) {
		t.Fatalf("bad format: %v", err)
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBank(t)
	for _, format := range []string{"xlsx", "csv"} {
		var buf bytes.Buffer
		if err := Template(format, &buf); err != nil {
			t.Fatal(err)
		}
		// The template's example row is itself a valid import.
		res, err := importBytes(t, b, "template."+format, buf.Bytes())
		if err != nil || res.Imported+res.DuplicatesSkipped != 1 {
			t.Fatalf("%s template: %+v %v", format, res, err)
		}
	}
}

// TestImportLargeFile imports 5,000 questions (the benchmark file)
// and logs how long it took; the assertion is only that it works.
func TestImportLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	t.Parallel()
	b, d, _ := newTestBank(t)
	data := xlsxBytes(t, englishHeader, genRows(5000, "Luật An ninh mạng", "Luật Trẻ em", "Bộ Quy tắc ứng xử", "Luật Tiếp cận thông tin", "Xử phạt vi phạm hành chính"))
	start := time.Now()
	res, err := importBytes(t, b, "big.xlsx", data)
	if err != nil || res.Imported != 5000 {
		t.Fatalf("%+v %v", res, err)
	}
	t.Logf("imported 5,000 questions from a %d KiB xlsx in %v", len(data)>>10, time.Since(start))
	if n := count(t, d, `SELECT count(*) FROM question_versions`); n != 5000 {
		t.Fatalf("%d versions", n)
	}
	start = time.Now()
	qs, total, err := b.List(context.Background(), Filter{Query: "cau hoi so 4321"})
	if err != nil || total != 1 || len(qs) != 1 {
		t.Fatalf("search: %v %d", err, total)
	}
	t.Logf("search over 5,000 questions: %v", time.Since(start))
}

// TestImportDemoFormat reads the demo bank's file format: English headers
// of the import format, as server/demodata/questions.csv uses.
func TestImportDemoFormat(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBank(t)
	demo := "text,option_a,option_b,option_c,option_d,correct,category,difficulty,explanation,legal_reference\r\n" +
		"\"Theo Luật An ninh mạng, hành vi nào bị nghiêm cấm?\",\"Đăng tải thông tin sai sự thật\",\"Chia sẻ kiến thức pháp luật\",\"Học trực tuyến\",\"Đọc báo điện tử\",A,Luật An ninh mạng 2018,easy,\"Giải thích, có dấu phẩy.\",Điều 8 Luật An ninh mạng 2018\r\n"
	res, err := importBytes(t, b, "questions.csv", []byte(demo))
	if err != nil || res.Imported != 1 {
		t.Fatalf("%+v %v", res, err)
	}
}

// TestImportDemoBank imports the demo bank the seed loads, if this tree
// has it: it must be valid as a whole.
func TestImportDemoBank(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../server/demodata/questions.csv")
	if err != nil {
		t.Skip("no demo bank in this tree")
	}
	b, _, _ := newTestBank(t)
	res, err := importBytes(t, b, "questions.csv", data)
	if e, ok := apperr.As(err); ok {
		for _, r := range e.Rows {
			t.Errorf("row %d %s: %s %v", r.Row, r.Column, r.Message.Key, r.Message.Args)
		}
	}
	if err != nil || res.Imported < 120 {
		t.Fatalf("demo bank: %+v %v", res, err)
	}
	t.Logf("demo bank: %+v", res)
	cats, _ := b.Categories(context.Background())
	for _, c := range cats {
		t.Logf("%s: %d easy, %d medium, %d hard", c.Category, c.Easy, c.Medium, c.Hard)
	}
}

// TestConcurrentOverlappingImports: two organizers importing files that
// share questions in another order both succeed, and each question is
// stored once.
func TestConcurrentOverlappingImports(t *testing.T) {
	t.Parallel()
	b, d, _ := newTestBank(t)
	rows := genRows(80, "A", "B")
	rev := append([][]string(nil), rows[:60]...)
	slices.Reverse(rev)
	files := [][]byte{
		csvBytes(t, ',', false, englishHeader, rows[:60]),
		csvBytes(t, ',', false, englishHeader, append(rev, rows[60:]...)),
	}
	results := make([]ImportResult, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { results[i], errs[i] = importBytes(t, b, "q.csv", files[i]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := results[0].Imported + results[1].Imported; got != 80 {
		t.Fatalf("imported %d in all, want 80: %+v", got, results)
	}
	if n := count(t, d, `SELECT count(*) FROM questions`); n != 80 {
		t.Fatalf("%d questions", n)
	}
}
