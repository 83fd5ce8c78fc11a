package server

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lawcontest/questions"
)

var qHeaderEN = []string{"text", "option_a", "option_b", "option_c", "option_d", "correct", "category", "difficulty", "explanation", "legal_reference"}
var qHeaderVI = []string{"Câu hỏi", "Đáp án A", "Đáp án B", "Đáp án C", "Đáp án D", "Đáp án đúng", "Chủ đề", "Mức độ", "Giải thích", "Căn cứ pháp lý"}

// qRows makes n distinct valid rows in qHeaderEN's order.
func qRows(n int) [][]string {
	diffs := []string{"easy", "medium", "hard"}
	cats := []string{"Luật An ninh mạng", "Luật Trẻ em"}
	rows := make([][]string, n)
	for i := range n {
		rows[i] = []string{fmt.Sprintf("Câu hỏi thử số %d?", i+1), fmt.Sprintf("Một %d", i), fmt.Sprintf("Hai %d", i), fmt.Sprintf("Ba %d", i), "",
			string(rune('A' + i%3)), cats[i%2], diffs[i%3], "Vì luật quy định như vậy.", "Điều 8"}
	}
	return rows
}

func qCSV(t *testing.T, comma rune, header []string, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	w.Write(header)
	w.WriteAll(rows)
	return b.Bytes()
}

func qXLSX(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range append([][]string{header}, rows...) {
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &vals); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	f.WriteTo(&b)
	return b.Bytes()
}

// multipartFile is a multipart body with one file field.
func multipartFile(t *testing.T, field, name string, data []byte) (body []byte, ctype string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func (e *testEnv) importFile(token, name string, data []byte) *testResponse {
	e.t.Helper()
	body, ctype := multipartFile(e.t, "file", name, data)
	return e.do("POST", "/api/v1/admin/questions/import", nil, request{token: token, raw: body, ctype: ctype})
}

type importAnswer struct {
	Imported          int `json:"imported"`
	DuplicatesSkipped int `json:"duplicates_skipped"`
}

type questionList struct {
	Questions []map[string]any `json:"questions"`
	Total     int              `json:"total"`
}

func (e *testEnv) questionCount(token string) int {
	e.t.Helper()
	var l questionList
	e.expect(e.do("GET", "/api/v1/admin/questions?limit=1", nil, request{token: token}), http.StatusOK).decode(e.t, &l)
	return l.Total
}

func TestQuestionImportValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file string
		data       func(t *testing.T) []byte
	}{
		{"xlsx", "cau-hoi.xlsx", func(t *testing.T) []byte { return qXLSX(t, qHeaderEN, qRows(9)) }},
		{"xlsx with Vietnamese headers", "cau-hoi.xlsx", func(t *testing.T) []byte { return qXLSX(t, qHeaderVI, qRows(9)) }},
		{"semicolon csv with Vietnamese headers and BOM", "cau-hoi.csv", func(t *testing.T) []byte {
			return append([]byte("\xef\xbb\xbf"), qCSV(t, ';', qHeaderVI, qRows(9))...)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			tok := e.staff("organizer", "btc")
			var res importAnswer
			e.expect(e.importFile(tok, tc.file, tc.data(t)), http.StatusOK).decode(t, &res)
			if res.Imported != 9 || res.DuplicatesSkipped != 0 {
				t.Fatalf("import answered %+v", res)
			}
			var l questionList
			e.expect(e.do("GET", "/api/v1/admin/questions?q=cau+hoi+thu+so+5%3F&difficulty=medium", nil, request{token: tok}), http.StatusOK).decode(t, &l)
			if l.Total != 1 || len(l.Questions) != 1 {
				t.Fatalf("search: %+v", l)
			}
			q := l.Questions[0]
			for _, k := range []string{"id", "version", "text", "options", "correct", "category", "difficulty", "explanation", "legal_reference", "status", "created_at", "updated_at"} {
				if _, ok := q[k]; !ok {
					t.Errorf("question has no %q: %v", k, q)
				}
			}
			opts := q["options"].([]any)
			if _, isString := q["id"].(string); !isString || len(opts) != 3 || q["correct"].(float64) != 1 || q["status"] != "active" ||
				opts[1].(map[string]any)["text"] != "Hai 4" || opts[1].(map[string]any)["id"] == "" {
				t.Fatalf("question 5: %v", q)
			}
			// Again: everything is a duplicate.
			e.expect(e.importFile(tok, tc.file, tc.data(t)), http.StatusOK).decode(t, &res)
			if res.Imported != 0 || res.DuplicatesSkipped != 9 {
				t.Fatalf("second import answered %+v", res)
			}
		})
	}
}

func TestQuestionImportBadRows(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok := e.staff("organizer", "btc")
	rows := qRows(6)
	rows[1][5] = ""        // row 3: no correct answer
	rows[2][5] = "D"       // row 4: correct letter points at an empty option
	rows[4][7] = "rất khó" // row 6: unknown difficulty
	for _, f := range []struct {
		name string
		data []byte
	}{{"bad.xlsx", qXLSX(t, qHeaderVI, rows)}, {"bad.csv", qCSV(t, ',', qHeaderEN, rows)}} {
		res := e.expect(e.importFile(tok, f.name, f.data), http.StatusUnprocessableEntity)
		ae := res.apiError(t)
		if ae.Code != "validation" || len(ae.Rows) != 3 {
			t.Fatalf("%s: %s", f.name, res.Body)
		}
		want := []struct {
			row      int
			col, msg string
		}{{3, "correct", "chọn đáp án đúng"}, {4, "correct", "Đáp án D đang trống"}, {6, "difficulty", "dễ, trung bình hoặc khó"}}
		for i, w := range want {
			r := ae.Rows[i]
			col := w.col
			if strings.HasSuffix(f.name, ".xlsx") {
				col = map[string]string{"correct": "Đáp án đúng", "difficulty": "Mức độ"}[w.col]
			}
			if r.Row != w.row || r.Column != col || !strings.Contains(r.Message, w.msg) {
				t.Errorf("%s row error %d: %+v, want row %d column %s message with %q", f.name, i, r, w.row, col, w.msg)
			}
		}
	}
	if n := e.questionCount(tok); n != 0 {
		t.Fatalf("%d questions stored from bad files", n)
	}
}

func TestQuestionImportRefusals(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok := e.staff("organizer", "btc")
	good := qXLSX(t, qHeaderEN, qRows(3))
	cases := []struct {
		name, file string
		data       []byte
		status     int
		msg        string
	}{
		{"broken xlsx", "cau-hoi.xlsx", good[:len(good)/2], http.StatusUnprocessableEntity, "bị hỏng"},
		{"csv renamed .xlsx", "cau-hoi.xlsx", qCSV(t, ',', qHeaderEN, qRows(3)), http.StatusUnprocessableEntity, "không phải bảng tính Excel"},
		{"file over 10 MiB", "cau-hoi.csv", bytes.Repeat([]byte("a"), questions.MaxImportBytes+1), http.StatusRequestEntityTooLarge, "10 MB"},
		{"body over the route's limit", "cau-hoi.csv", bytes.Repeat([]byte("a"), maxImportBody+1), http.StatusRequestEntityTooLarge, "quá lớn"},
	}
	for _, tc := range cases {
		res := e.expect(e.importFile(tok, tc.file, tc.data), tc.status)
		ae := res.apiError(t)
		if !strings.Contains(ae.Message, tc.msg) || len(ae.Rows) != 0 {
			t.Errorf("%s: %s", tc.name, res.Body)
		}
	}
	// No file field at all.
	body, ctype := multipartFile(t, "other", "x.csv", []byte("a"))
	res := e.expect(e.do("POST", "/api/v1/admin/questions/import", nil, request{token: tok, raw: body, ctype: ctype}), http.StatusUnprocessableEntity)
	if ae := res.apiError(t); ae.Fields["file"] == "" {
		t.Fatalf("no file: %s", res.Body)
	}
	e.expect(e.do("POST", "/api/v1/admin/questions/import", map[string]string{"file": "x"}, request{token: tok}), http.StatusUnprocessableEntity)
	if n := e.questionCount(tok); n != 0 {
		t.Fatalf("%d questions stored", n)
	}
}

func TestQuestionExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	src := newTestEnv(t)
	tok := src.staff("organizer", "btc")
	src.expect(src.importFile(tok, "q.csv", qCSV(t, ',', qHeaderEN, qRows(12))), http.StatusOK)
	for _, format := range []string{"xlsx", "csv"} {
		res := src.expect(src.do("GET", "/api/v1/admin/questions/export?format="+format, nil, request{token: tok}), http.StatusOK)
		if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.HasSuffix(strings.TrimSuffix(cd, `"`), "."+format) {
			t.Fatalf("%s Content-Disposition %q", format, cd)
		}
		dst := newTestEnv(t)
		dtok := dst.staff("organizer", "btc")
		var ans importAnswer
		dst.expect(dst.importFile(dtok, "export."+format, res.Body), http.StatusOK).decode(t, &ans)
		if ans.Imported != 12 {
			t.Fatalf("%s: %+v", format, ans)
		}
		a := src.expect(src.do("GET", "/api/v1/admin/questions/export?format=csv", nil, request{token: tok}), http.StatusOK).Body
		b := dst.expect(dst.do("GET", "/api/v1/admin/questions/export?format=csv", nil, request{token: dtok}), http.StatusOK).Body
		if !bytes.Equal(a, b) {
			t.Fatalf("%s round trip changed the bank:\n%s\n---\n%s", format, a, b)
		}
	}
	src.expect(src.do("GET", "/api/v1/admin/questions/export?format=pdf", nil, request{token: tok}), http.StatusUnprocessableEntity)
	for _, format := range []string{"xlsx", "csv"} {
		res := src.expect(src.do("GET", "/api/v1/admin/questions/template?format="+format, nil, request{token: tok}), http.StatusOK)
		dst := newTestEnv(t)
		var ans importAnswer
		dst.expect(dst.importFile(dst.staff("organizer", "btc"), "mau."+format, res.Body), http.StatusOK).decode(t, &ans)
		if ans.Imported != 1 {
			t.Fatalf("template %s: %+v", format, ans)
		}
	}
}

func TestQuestionRoles(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	participant, _ := e.participant()
	judge := e.staff("judge", "giamkhao")
	admin := e.staff("admin", "quantri")
	data := qCSV(t, ',', qHeaderEN, qRows(2))
	calls := []func(tok string) *testResponse{
		func(tok string) *testResponse {
			return e.do("GET", "/api/v1/admin/questions", nil, request{token: tok})
		},
		func(tok string) *testResponse {
			return e.do("POST", "/api/v1/admin/questions", map[string]any{"text": "x"}, request{token: tok})
		},
		func(tok string) *testResponse { return e.importFile(tok, "q.csv", data) },
		func(tok string) *testResponse {
			return e.do("GET", "/api/v1/admin/questions/export?format=csv", nil, request{token: tok})
		},
		func(tok string) *testResponse {
			return e.do("DELETE", "/api/v1/admin/questions/1", nil, request{token: tok})
		},
	}
	for i, call := range calls {
		e.expect(call(participant), http.StatusForbidden)
		e.expect(call(judge), http.StatusForbidden)
		e.expect(call(""), http.StatusUnauthorized)
		if i == 0 {
			e.expect(call(admin), http.StatusOK) // admin can do all an organizer can
		}
	}
	e.expect(e.importFile(admin, "q.csv", data), http.StatusOK)
	if n := e.questionCount(admin); n != 2 {
		t.Fatalf("%d questions after the admin's import", n)
	}
}

func TestQuestionCRUD(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok := e.staff("organizer", "btc")
	var created struct{ Question map[string]any }
	body := map[string]any{
		"text": "Trẻ em dưới bao nhiêu tuổi được Luật Trẻ em bảo vệ?", "options": []string{"Dưới 16 tuổi", "Dưới 18 tuổi"},
		"correct": 0, "category": "Luật Trẻ em", "difficulty": "easy", "legal_reference": "Điều 1 Luật Trẻ em 2016",
	}
	e.expect(e.do("POST", "/api/v1/admin/questions", body, request{token: tok}), http.StatusCreated).decode(t, &created)
	id := created.Question["id"].(string)
	if created.Question["version"].(float64) != 1 {
		t.Fatalf("created %v", created.Question)
	}
	e.expect(e.do("POST", "/api/v1/admin/questions", body, request{token: tok}), http.StatusConflict)

	bad := map[string]any{"text": "", "options": []string{"a"}, "category": "", "difficulty": "very"}
	res := e.expect(e.do("POST", "/api/v1/admin/questions", bad, request{token: tok}), http.StatusUnprocessableEntity)
	ae := res.apiError(t)
	for _, f := range []string{"text", "options", "correct", "category", "difficulty"} {
		if ae.Fields[f] == "" {
			t.Errorf("no message for %s: %s", f, res.Body)
		}
	}
	e.expect(e.do("POST", "/api/v1/admin/questions", map[string]any{"text": "x", "bogus": 1}, request{token: tok}), http.StatusUnprocessableEntity)

	var updated struct{ Question map[string]any }
	e.expect(e.do("PATCH", "/api/v1/admin/questions/"+id, map[string]any{"difficulty": "hard", "version": 1}, request{token: tok}), http.StatusOK).decode(t, &updated)
	if updated.Question["version"].(float64) != 2 || updated.Question["difficulty"] != "hard" {
		t.Fatalf("updated %v", updated.Question)
	}
	e.expect(e.do("PATCH", "/api/v1/admin/questions/"+id, map[string]any{"text": "Khác?", "version": 1}, request{token: tok}), http.StatusConflict)
	e.expect(e.do("PATCH", "/api/v1/admin/questions/999999", map[string]any{"text": "Khác?"}, request{token: tok}), http.StatusNotFound)
	e.expect(e.do("GET", "/api/v1/admin/questions/"+id, nil, request{token: tok}), http.StatusOK)

	var cats struct{ Categories []questions.CategoryCount }
	e.expect(e.do("GET", "/api/v1/admin/questions/categories", nil, request{token: tok}), http.StatusOK).decode(t, &cats)
	if len(cats.Categories) != 1 || cats.Categories[0].Hard != 1 {
		t.Fatalf("categories %+v", cats)
	}

	// Drawn into a paper, a delete retires it; never drawn, it is deleted.
	if _, err := e.app.questions.Draw(t.Context(), questions.Blueprint{{Category: "Luật Trẻ em", Count: 1}}, 1); err != nil {
		t.Fatal(err)
	}
	var del struct{ Result string }
	e.expect(e.do("DELETE", "/api/v1/admin/questions/"+id, nil, request{token: tok}), http.StatusOK).decode(t, &del)
	if del.Result != "retired" {
		t.Fatalf("delete of a drawn question: %q", del.Result)
	}
	body["text"] = "Câu hỏi khác?"
	e.expect(e.do("POST", "/api/v1/admin/questions", body, request{token: tok}), http.StatusCreated).decode(t, &created)
	e.expect(e.do("DELETE", "/api/v1/admin/questions/"+created.Question["id"].(string), nil, request{token: tok}), http.StatusOK).decode(t, &del)
	if del.Result != "deleted" {
		t.Fatalf("delete of an undrawn question: %q", del.Result)
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'question' AND actor_role = 'organizer'`)
	if n != 5 { // create, update, retire, create, delete
		t.Fatalf("%d audit rows", n)
	}
}

func TestQuestionPages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok := e.staff("organizer", "btc")
	for _, p := range []string{"/admin/questions", "/admin/questions/new", "/admin/questions/import", "/admin/questions/7/edit"} {
		res := e.expect(e.do("GET", p, nil, request{token: tok}), http.StatusOK)
		if !strings.Contains(string(res.Body), "<h1>") {
			t.Errorf("%s: %s", p, res.Body)
		}
		// Light on first load, like every page (see TestPagesAreLight).
		total := len(res.Body) + len(e.expect(e.do("GET", "/static/js/api.js", nil, request{}), http.StatusOK).Body)
		for _, m := range assetRef.FindAllStringSubmatch(string(res.Body), -1) {
			total += len(e.expect(e.do("GET", m[1], nil, request{}), http.StatusOK).Body)
		}
		if total > 100<<10 {
			t.Errorf("%s weighs %d bytes on first load", p, total)
		}
	}
	form := string(e.expect(e.do("GET", "/admin/questions/new", nil, request{token: tok}), http.StatusOK).Body)
	if !strings.Contains(form, `aria-label="Đáp án đúng là F"`) || !strings.Contains(form, `name="options[5]"`) {
		t.Fatalf("the form lacks its six option slots")
	}
	participant, _ := e.participant()
	e.expect(e.do("GET", "/admin/questions", nil, request{token: participant}), http.StatusForbidden)
}

// TestSeedDemoQuestions: the demo seed loads the demo bank, and loading it
// again adds nothing.
func TestSeedDemoQuestions(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for range 2 {
		if _, err := SeedDemo(t.Context(), e.db, e.clock, io.Discard); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := e.db.Get(&n, `SELECT count(*) FROM questions WHERE status = 'active'`); err != nil || n < 120 {
			t.Fatalf("%d demo questions (%v)", n, err)
		}
	}
	// A round's typical blueprint fits the demo bank.
	var cats []string
	e.db.Select(&cats, `SELECT DISTINCT category FROM questions ORDER BY 1`)
	var bp questions.Blueprint
	for _, c := range cats[:4] {
		bp = append(bp, questions.BlueprintPart{Category: c, Difficulty: questions.Easy, Count: 2},
			questions.BlueprintPart{Category: c, Difficulty: questions.Medium, Count: 2},
			questions.BlueprintPart{Category: c, Difficulty: questions.Hard, Count: 1})
	}
	if err := e.app.questions.CheckBlueprint(t.Context(), bp); err != nil {
		t.Fatal(err)
	}
}

// TestQuizDrawsFromTheRealBank: with the App's own question bank, the demo
// seed's open round hands a participant a paper of real bank questions,
// options in their shown order, with nothing that tells the correct one.
func TestQuizDrawsFromTheRealBank(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	if _, err := SeedDemo(t.Context(), e.db, e.clock, io.Discard); err != nil {
		t.Fatal(err)
	}
	var contests struct {
		Contests []struct{ ID string } `json:"contests"`
	}
	e.expect(e.do("GET", "/api/v1/contests", nil, request{}), http.StatusOK).decode(t, &contests)
	if len(contests.Contests) == 0 {
		t.Fatal("the demo seed made no contest")
	}
	var ct struct {
		Contest struct {
			Rounds []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"rounds"`
		} `json:"contest"`
	}
	e.expect(e.do("GET", "/api/v1/contests/"+contests.Contests[0].ID, nil, request{}), http.StatusOK).decode(t, &ct)
	roundID := ""
	for _, r := range ct.Contest.Rounds {
		if r.Status == "open" {
			roundID = r.ID
			break
		}
	}
	if roundID == "" {
		t.Fatalf("no open demo round: %+v", ct)
	}
	tok := e.login(demoParticipant.Login, demoParticipant.Password)
	res := e.expect(e.do("POST", "/api/v1/rounds/"+roundID+"/attempts", nil, request{token: tok}), http.StatusCreated)
	var out struct {
		Attempt struct {
			Questions []struct {
				ID      string             `json:"id"`
				Text    string             `json:"text"`
				Options []questions.Option `json:"options"`
			} `json:"questions"`
		} `json:"attempt"`
	}
	res.decode(t, &out)
	if len(out.Attempt.Questions) == 0 {
		t.Fatalf("empty paper: %s", res.Body)
	}
	body := string(res.Body)
	for _, q := range out.Attempt.Questions {
		var correctID, explanation string
		var nOpts int
		if err := e.db.QueryRow(`SELECT v.correct_option_id, v.explanation, jsonb_array_length(v.options)
			FROM questions q JOIN question_versions v ON v.id = q.current_version_id WHERE q.id = $1 AND v.text = $2`,
			q.ID, q.Text).Scan(&correctID, &explanation, &nOpts); err != nil {
			t.Fatalf("question %s is not in the bank: %v", q.ID, err)
		}
		if len(q.Options) != nOpts {
			t.Fatalf("question %s: %d options shown, %d in the bank", q.ID, len(q.Options), nOpts)
		}
		if explanation != "" && strings.Contains(body, explanation) {
			t.Fatalf("the paper leaks the explanation of question %s", q.ID)
		}
	}
	for _, leak := range []string{"correct", "explanation", "legal_reference"} {
		if strings.Contains(body, `"`+leak) {
			t.Fatalf("the paper has a %q field: %s", leak, body)
		}
	}
	var drawn int
	e.db.Get(&drawn, `SELECT count(*) FROM question_version_usage`)
	if drawn < len(out.Attempt.Questions) {
		t.Fatalf("%d versions recorded as drawn for %d questions", drawn, len(out.Attempt.Questions))
	}
}
