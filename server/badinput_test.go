package server

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Bad input of every kind on the endpoints that write: each is answered
// in the API's error shape, with a status that says whose fault it is,
// a message in words (no Go error text) and no change to the database.

type badCase struct {
	name   string
	body   []byte
	ctype  string // default application/json; "-" for none
	status int    // 0: 400 or 422 are both fine
	// chunked sends the body without a Content-Length, so only reading
	// it finds out that it is too large.
	chunked bool
}

// badBodies are refused by every JSON endpoint, whatever its fields.
func badBodies(limit int) []badCase {
	big := func(n int) []byte { return []byte(`{"x": "` + strings.Repeat("a", n) + `"}`) }
	return []badCase{
		{name: "oversized", body: big(limit + 1), status: 413},
		{name: "oversized, chunked", body: big(limit + 1), status: 413, chunked: true},
		{name: "huge", body: big(8 << 20), status: 413, chunked: true},
		{name: "deep", body: []byte(strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)), status: 400},
		{name: "deep arrays", body: []byte(`{"answers":` + strings.Repeat("[", 10_000) + `}`), status: 400},
		{name: "invalid utf-8", body: []byte("{\"title\": \"\xc3\x28\xa0\xa1\"}"), status: 400},
		{name: "overlong utf-8 slash", body: []byte("{\"title\": \"\xc0\xaf\"}"), status: 400},
		{name: "utf-16 surrogate half", body: []byte("{\"title\": \"\xed\xa0\x80\"}"), status: 400},
		{name: "unknown field", body: []byte(`{"is_admin": true}`), status: 422},
		{name: "malformed", body: []byte(`{"title": `), status: 400},
		{name: "trailing data", body: []byte(`{} {}`), status: 400},
		{name: "empty", body: []byte(``), status: 400},
		{name: "array", body: []byte(`[]`)},
		{name: "string", body: []byte(`"x"`)},
		{name: "nul bytes", body: []byte("{\"title\": \"a\x00b\"}"), status: 400},
		{name: "text/plain", body: []byte(`{}`), ctype: "text/plain", status: 415},
		{name: "form", body: []byte(`title=x`), ctype: "application/x-www-form-urlencoded", status: 415},
		{name: "multipart", body: []byte("--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--b--\r\n"), ctype: "multipart/form-data; boundary=b", status: 415},
		{name: "no content type", body: []byte(`{}`), ctype: "-", status: 415},
		{name: "json with a bad parameter", body: []byte(`{}`), ctype: "application/json; charset", status: 415},
		{name: "xml", body: []byte(`<a/>`), ctype: "application/xml", status: 415},
	}
}

// goErrorText is what Go error strings look like; a message a person
// reads never contains them.
var goErrorText = []string{"json:", "strconv", "http:", "invalid character", "unexpected EOF", "pq:", "runtime", "goroutine", "cannot unmarshal", "sql:", "<nil>", "%!"}

// sendBad makes one request with a raw body and returns the response.
func (f *authzFixture) sendBad(method, path, token string, c badCase) *testResponse {
	f.t.Helper()
	var rd io.Reader = bytes.NewReader(c.body)
	if c.chunked {
		rd = io.MultiReader(bytes.NewReader(c.body)) // no Len(): sent chunked
	}
	req, err := http.NewRequest(method, f.q.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	switch c.ctype {
	case "":
		req.Header.Set("Content-Type", "application/json")
	case "-":
	default:
		req.Header.Set("Content-Type", c.ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := f.q.srv.Client().Do(req)
	if err != nil {
		// The server may stop reading a huge body and close; that is a
		// refusal too, but then it must have said 413 first.
		f.t.Fatalf("%s %s (%s): %v", method, path, c.name, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &testResponse{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (f *authzFixture) expectRefused(t *testing.T, what string, c badCase, res *testResponse) {
	t.Helper()
	if c.status != 0 && res.Status != c.status {
		t.Errorf("%s, %s: status %d, want %d: %.200s", what, c.name, res.Status, c.status, res.Body)
		return
	}
	if c.status == 0 && res.Status != 400 && res.Status != 422 {
		t.Errorf("%s, %s: status %d, want 400 or 422: %.200s", what, c.name, res.Status, res.Body)
		return
	}
	er := res.apiError(t)
	want := map[int]string{400: "bad_request", 413: "too_large", 415: "unsupported_media_type", 422: "validation", 404: "not_found"}[res.Status]
	if er.Code != want {
		t.Errorf("%s, %s: code %q, want %q", what, c.name, er.Code, want)
	}
	texts := er.Message
	for _, m := range er.Fields {
		texts += " " + m
	}
	for _, g := range goErrorText {
		if strings.Contains(texts, g) {
			t.Errorf("%s, %s: a Go error reached the client: %s", what, c.name, res.Body)
		}
	}
}

func TestBadInputIsRefusedInTheErrorShapeAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := newAuthzFixture(t)
	type endpoint struct {
		name, method, path string
		as                 who
		limit              int
		cases              []badCase // refused by this endpoint only
	}
	tooMany := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"answers": {`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"` + itoa(int64(i+1)) + `": "a"`)
		}
		b.WriteString("}}")
		return []byte(b.String())
	}
	round := func(change string) []byte {
		return []byte(`{"title": "Đợt", "opens_at": "2026-11-23T00:00:00Z", "closes_at": "2026-11-24T00:00:00Z", "duration_ms": 600000,
			"max_attempts": 1, "points_per_question": 5, "blueprint": [{"category": "Luật Trẻ em", "count": 2}], ` + change + `}`)
	}
	endpoints := []endpoint{
		{"register", "POST", "/api/v1/participants", anonymous, defaultMaxBody, []badCase{
			{name: "phone as a number", body: []byte(`{"full_name": "Lê Văn A", "phone": 912345678}`), status: 422},
			{name: "birth date out of range", body: []byte(`{"full_name": "Lê Văn A", "birth_date": "99999-01-01", "phone": "0912345678", "password": "mat-khau-an-toan"}`), status: 422},
			{name: "unit id out of range", body: []byte(`{"full_name": "Lê Văn A", "birth_date": "2000-01-01", "phone": "0912345678", "password": "mat-khau-an-toan", "unit_id": "99999999999999999999"}`), status: 422},
			{name: "password of 10,000 characters", body: []byte(`{"full_name": "Lê Văn A", "birth_date": "2000-01-01", "phone": "0912345678", "password": "` + strings.Repeat("p", 10_000) + `"}`), status: 422},
			{name: "name of 5,000 characters", body: []byte(`{"full_name": "` + strings.Repeat("Lê ", 5000) + `", "birth_date": "2000-01-01", "phone": "0912345678", "password": "mat-khau-an-toan"}`), status: 422},
		}},
		{"login", "POST", "/api/v1/sessions", anonymous, defaultMaxBody, []badCase{
			{name: "login as an object", body: []byte(`{"login": {"$ne": ""}, "password": "x"}`), status: 422},
		}},
		{"autosave", "PUT", "/api/v1/attempts/{attempt}/answers/{question}", owner, defaultMaxBody, []badCase{
			{name: "option as a number", body: []byte(`{"option_id": 1e20}`), status: 422},
			{name: "option of 10,000 bytes", body: []byte(`{"option_id": "` + strings.Repeat("o", 10_000) + `"}`), status: 422},
			{name: "empty option", body: []byte(`{"option_id": ""}`), status: 422},
			{name: "option with SQL", body: []byte(`{"option_id": "x' OR '1'='1"}`), status: 422},
		}},
		{"prediction", "PUT", "/api/v1/attempts/{attempt}/prediction", owner, defaultMaxBody, []badCase{
			{name: "1e20", body: []byte(`{"prediction": 1e20}`), status: 422},
			{name: "2^63", body: []byte(`{"prediction": 9223372036854775808}`), status: 422},
			{name: "negative", body: []byte(`{"prediction": -1}`), status: 422},
			{name: "above the maximum", body: []byte(`{"prediction": 10000001}`), status: 422},
			{name: "a fraction", body: []byte(`{"prediction": 1.5}`), status: 422},
			{name: "a string", body: []byte(`{"prediction": "12"}`), status: 422},
		}},
		{"submit", "POST", "/api/v1/attempts/{attempt}/submit", owner, defaultMaxBody, []badCase{
			{name: "prediction 1e20", body: []byte(`{"answers": {}, "prediction": 1e20}`), status: 422},
			{name: "prediction -1", body: []byte(`{"answers": {}, "prediction": -1}`), status: 422},
			{name: "question id not a number", body: []byte(`{"answers": {"abc": "x"}}`), status: 422},
			{name: "question id -1", body: []byte(`{"answers": {"-1": "x"}}`), status: 422},
			{name: "question id 2^64", body: []byte(`{"answers": {"18446744073709551616": "x"}}`), status: 422},
			{name: "question not in the paper", body: []byte(`{"answers": {"999999": "x"}}`), status: 422},
			{name: "option of 10,000 bytes", body: []byte(`{"answers": {"{question}": "` + strings.Repeat("o", 10_000) + `"}}`), status: 422},
			{name: "5,000 answers", body: tooMany(5000), status: 422},
			{name: "answers as a list", body: []byte(`{"answers": ["a", "b"]}`), status: 422},
		}},
		{"round creation", "POST", "/api/v1/admin/contests/{contest}/rounds", organizerCaller, defaultMaxBody, []badCase{
			{name: "duration -1", body: bytes.Replace(round(`"practice": false`), []byte(`600000`), []byte(`-1`), 1), status: 422},
			{name: "duration 1e20", body: bytes.Replace(round(`"practice": false`), []byte(`600000`), []byte(`1e20`), 1), status: 422},
			{name: "max_attempts 2^31", body: bytes.Replace(round(`"practice": false`), []byte(`"max_attempts": 1`), []byte(`"max_attempts": 2147483648`), 1), status: 422},
			{name: "count 1e9", body: bytes.Replace(round(`"practice": false`), []byte(`"count": 2`), []byte(`"count": 1000000000`), 1), status: 422},
			{name: "1,000 blueprint parts", body: bytes.Replace(round(`"practice": false`), []byte(`[{"category": "Luật Trẻ em", "count": 2}]`),
				[]byte(`[`+strings.Repeat(`{"category": "Luật Trẻ em", "count": 1},`, 999)+`{"category": "Luật Trẻ em", "count": 1}]`), 1), status: 422},
			{name: "opens_at not a time", body: bytes.Replace(round(`"practice": false`), []byte(`"2026-11-23T00:00:00Z"`), []byte(`"thứ hai"`), 1)},
			{name: "year 99999", body: bytes.Replace(round(`"practice": false`), []byte(`"2026-11-23T00:00:00Z"`), []byte(`"99999-11-23T00:00:00Z"`), 1)},
			{name: "points 0", body: bytes.Replace(round(`"practice": false`), []byte(`"points_per_question": 5`), []byte(`"points_per_question": 0`), 1), status: 422},
		}},
		{"essay", "POST", "/api/v1/contests/{essay_contest}/essays", otherParticipant, essayMaxBody, []badCase{
			{name: "declaration as a string", body: []byte(`{"title": "a", "body": "b", "declaration": "true"}`), status: 422},
			{name: "title of 10,000 characters", body: []byte(`{"title": "` + strings.Repeat("t", 10_000) + `", "body": "b", "declaration": true}`), status: 422},
		}},
	}
	tokens := map[who]string{}
	for _, w := range everyone {
		tokens[w] = f.token(w)
	}
	before := f.fingerprint()
	for _, ep := range endpoints {
		path := f.pathFor(authzCase{path: ep.path}, nil)
		for _, c := range append(badBodies(ep.limit), ep.cases...) {
			c.body = bytes.ReplaceAll(c.body, []byte("{question}"), []byte(f.vars["question"]))
			res := f.sendBad(ep.method, path, tokens[ep.as], c)
			f.expectRefused(t, ep.name, c, res)
		}
	}
	// The question import: all or nothing, whatever the file.
	good := qRows(3)
	badRow := qRows(3)
	badRow[1][5] = "Z" // no such option
	huge, hugeType := multipartFile(t, "file", "cau-hoi.csv", bytes.Repeat([]byte("a,"), maxImportBody/2+1))
	for _, c := range []badCase{
		{name: "one bad row among good ones", status: 422},
		{name: "invalid UTF-8", status: 422},
		{name: "a zip that is not a workbook", status: 422},
		{name: "huge, chunked", status: 413, chunked: true, body: huge, ctype: hugeType},
		{name: "no multipart", status: 415},
	} {
		switch c.name {
		case "one bad row among good ones":
			c.body, c.ctype = multipartFile(t, "file", "cau-hoi.csv", qCSV(t, ',', qHeaderEN, append(good, badRow...)))
		case "invalid UTF-8":
			c.body, c.ctype = multipartFile(t, "file", "cau-hoi.csv", append(qCSV(t, ',', qHeaderEN, good), "\xff\xfe,\xc3\x28\n"...))
		case "a zip that is not a workbook":
			c.body, c.ctype = multipartFile(t, "file", "cau-hoi.xlsx", []byte("PK\x03\x04 not really a zip"))
		case "no multipart":
			c.body, c.ctype = qCSV(t, ',', qHeaderEN, good), "text/csv"
		}
		res := f.sendBad("POST", "/api/v1/admin/questions/import", tokens[organizerCaller], c)
		if c.name == "no multipart" && res.Status == 422 {
			c.status = 422 // refused as "no file", also fine
		}
		f.expectRefused(t, "question import", c, res)
	}

	// Ids and query parameters out of range.
	for _, p := range []struct {
		path   string
		as     who
		status int
	}{
		{"/api/v1/attempts/99999999999999999999", owner, 404},
		{"/api/v1/attempts/-1", owner, 404},
		{"/api/v1/attempts/1e3", owner, 404},
		{"/api/v1/attempts/0x10", owner, 404},
		{"/api/v1/attempts/%00", owner, 404},
		{"/api/v1/contests/1%27%20OR%201=1", anonymous, 404},
		{"/api/v1/units?limit=999999999", anonymous, 422},
		{"/api/v1/units?limit=-1", anonymous, 422},
		{"/api/v1/units?limit=1e3", anonymous, 422},
		{"/api/v1/units?q=" + strings.Repeat("%C3%A1", 3000), anonymous, 200},
		{"/api/v1/units?q=%ff%fe", anonymous, 200},
		{"/api/v1/admin/participants?limit=999999999", organizerCaller, 422},
		{"/api/v1/admin/participants?offset=-5", organizerCaller, 422},
		{"/api/v1/admin/audit?limit=999999999", organizerCaller, 422},
		{"/api/v1/admin/contests/{essay_contest}/rubric?stage=9", organizerCaller, 422},
		{"/api/v1/rounds/{closed_round}/leaderboard?limit=999999999", anonymous, 422},
		{"/api/v1/rounds/{closed_round}/leaderboard?offset=-1", anonymous, 422},
		{"/api/v1/rounds/{closed_round}/leaderboard?unit_id=1%27%20OR%20%271%27=%271", anonymous, 422},
		{"/api/v1/rounds/99999999999999999999/leaderboard", anonymous, 404},
		{"/api/v1/admin/questions?limit=999999999", organizerCaller, 422},
		{"/api/v1/admin/questions?difficulty=%27%3B%20DROP%20TABLE%20questions%3B--", organizerCaller, 422},
	} {
		path := f.pathFor(authzCase{path: p.path}, nil)
		res := f.q.do("GET", path, nil, request{token: tokens[p.as]})
		if res.Status != p.status {
			t.Errorf("GET %s: %d, want %d: %.200s", p.path, res.Status, p.status, res.Body)
			continue
		}
		if p.status >= 400 {
			f.expectRefused(t, "GET "+p.path, badCase{name: "query", status: p.status}, res)
		}
	}
	if ch := changed(before, f.fingerprint()); len(ch) > 0 {
		t.Errorf("refused requests changed %v", ch)
	}
}
