package server

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"lawcontest/account"
	"lawcontest/apperr"
	"lawcontest/contest"
	"lawcontest/contest/essay"
	"lawcontest/frontend/i18n"
)

// Fuzz tests of the JSON bodies people send: decodeJSONBytes into the real
// request structs, then the domain's own checks. Whatever the bytes, the
// answer is a refusal the API maps to 400 or 422 with catalogued texts, or
// a value that decodes the same way again. `go test` runs the seeds; run
// one for longer with e.g.
//
//	go test -run '^$' -fuzz '^FuzzRegisterBody$' -fuzztime 5m ./server

// fuzzCatalog is loaded once per fuzz target (a parameter, not a global).
func fuzzCatalog(f *testing.F) *i18n.Catalog {
	cat, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	return cat
}

// checkRefusal fails unless err is a client error the API answers with
// 400 or 422 and texts the catalogue has.
func checkRefusal(t *testing.T, cat *i18n.Catalog, body []byte, err error) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("%q: not an *apperr.Error: %v", body, err)
	}
	if s := statusOf[e.Code]; s != 400 && s != 422 {
		t.Fatalf("%q: %s answers %d", body, e.Code, s)
	}
	if !cat.Has(e.Msg.Key) {
		t.Fatalf("%q: message %q is not in the catalogue", body, e.Msg.Key)
	}
	for field, m := range e.Fields {
		if !cat.Has(m.Key) {
			t.Fatalf("%q: message %q of %s is not in the catalogue", body, m.Key, field)
		}
		if !utf8.ValidString(field) {
			t.Fatalf("%q: field name %q is not UTF-8", body, field)
		}
	}
}

// jsonDepth is the nesting depth of a valid JSON document, by tokens.
func jsonDepth(b []byte) int {
	dec := json.NewDecoder(bytes.NewReader(b))
	depth, most := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return most
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			most = max(most, depth)
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// decodeOrRefuse decodes body into v and checks the decoder's promises:
// a refusal is a client error; an acceptance was valid UTF-8, no deeper
// than maxJSONDepth, and encodes and decodes back to the same value.
func decodeOrRefuse[T any](t *testing.T, cat *i18n.Catalog, body []byte, v *T) bool {
	t.Helper()
	if err := decodeJSONBytes(body, v); err != nil {
		checkRefusal(t, cat, body, err)
		return false
	}
	if !utf8.Valid(body) {
		t.Fatalf("%q: invalid UTF-8 accepted", body)
	}
	if d := jsonDepth(body); d > maxJSONDepth {
		t.Fatalf("%q: depth %d accepted", body, d)
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%q: decoded value does not encode: %v", body, err)
	}
	var w T
	if err := decodeJSONBytes(again, &w); err != nil || !reflect.DeepEqual(*v, w) {
		t.Fatalf("%q: decodes to %+v, which re-encodes to %s and decodes to %+v (%v)", body, *v, again, w, err)
	}
	return true
}

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// Shapes every body must survive.
	for _, s := range []string{``, `null`, `[]`, `{}`, `{"a":1}`, `{} {}`, "\xff", `{"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`,
		`{"` + strings.Repeat("\\u00e1", 50) + `":1}`, `{"a":"\ud800"}`, `{"a":1e999}`, `{"a":-0}`} {
		f.Add([]byte(s))
	}
}

func FuzzRegisterBody(f *testing.F) {
	cat := fuzzCatalog(f)
	addSeeds(f,
		`{"full_name":"Trần Thị Bình","birth_date":"2008-05-31","phone":"0912345678","password":"mat-khau-an-toan","category":"hoc_sinh"}`,
		`{"full_name":"Nguye\u0302\u0303n Văn An","birth_date":"2008-02-29","phone":"+84 912 345 678","password":"12345678","citizen_id":"001099001234","email":"a@b.vn","unit_id":"7"}`,
		`{"full_name":"<script>","birth_date":"31/05/2008","phone":912345678,"password":""}`,
		`{"full_name":"","phone":"","unit_id":"-1","category":"x","email":"@"}`,
		`{"FULL_NAME":"Lê Văn A"}`,
	)
	now := testNow
	f.Fuzz(func(t *testing.T, body []byte) {
		var r account.Registration
		if !decodeOrRefuse(t, cat, body, &r) {
			return
		}
		err := r.Check(now)
		if err == nil {
			if _, ok := account.NormalizePhone(r.Phone); !ok {
				t.Fatalf("%q: accepted with phone %q", body, r.Phone)
			}
			if n := utf8.RuneCountInString(r.Password); n < account.MinPasswordLen || n > account.MaxPasswordLen {
				t.Fatalf("%q: accepted a password of %d characters", body, n)
			}
			if c := strings.TrimSpace(r.CitizenID); c != "" && !account.ValidCitizenID(c) {
				t.Fatalf("%q: accepted citizen id %q", body, c)
			}
			return
		}
		checkRefusal(t, cat, body, err)
		e, _ := apperr.As(err)
		if e.Code != apperr.Validation || len(e.Fields) == 0 {
			t.Fatalf("%q: %v", body, err)
		}
		known := map[string]bool{"full_name": true, "birth_date": true, "phone": true, "password": true,
			"citizen_id": true, "email": true, "unit_id": true, "category": true}
		for field := range e.Fields {
			if !known[field] {
				t.Fatalf("%q: refusal names %q, not a field of the form", body, field)
			}
		}
	})
}

// fuzzMaxOptionIDLen is contest's bound on an option id from outside.
const fuzzMaxOptionIDLen = 64

func FuzzAutosaveBody(f *testing.F) {
	cat := fuzzCatalog(f)
	addSeeds(f, `{"option_id":"q101o2"}`, `{"option_id":""}`, `{"option_id":1}`, `{"option_id":null}`, `{"option_id":"`+strings.Repeat("o", 65)+`"}`,
		`{"prediction":12}`, `{"prediction":1e20}`, `{"prediction":-1}`, `{"prediction":1.5}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		var a answerRequest
		decodeOrRefuse(t, cat, body, &a)
		var p predictionRequest
		decodeOrRefuse(t, cat, body, &p)
	})
}

func FuzzSubmitBody(f *testing.F) {
	cat := fuzzCatalog(f)
	addSeeds(f, `{"answers":{"101":"q101o1","102":"q102o3"},"prediction":7}`, `{"answers":{}}`, `{"answers":null,"prediction":null}`,
		`{"answers":{"abc":"x"}}`, `{"answers":{"-1":"x","007":"y","+3":"z"}}`, `{"answers":{"1":""}}`, `{"prediction":10000001}`,
		`{"answers":{"9223372036854775808":"x"}}`, `{"answers":["a"]}`, `{"answers":{"1":1}}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		var in contest.SubmitInput
		if !decodeOrRefuse(t, cat, body, &in) {
			return
		}
		answers, err := contest.ParseAnswers(in.Answers)
		if err != nil {
			checkRefusal(t, cat, body, err)
			return
		}
		for q, o := range answers {
			if q <= 0 || in.Answers[strconv.FormatInt(q, 10)] != o || o == "" || len(o) > fuzzMaxOptionIDLen {
				t.Fatalf("%q: accepted answer %d -> %q", body, q, o)
			}
		}
	})
}

// FuzzScoreBody: a judge's score sheet, decoded and checked against a
// rubric as Score does before it stores anything.
func FuzzScoreBody(f *testing.F) {
	cat := fuzzCatalog(f)
	addSeeds(f, `{"scores":{"content":40,"message":30,"creativity":20,"language":10},"comment":"Tốt","final":true}`,
		`{"scores":{"content":45},"final":false}`, `{"scores":{"content":-1}}`, `{"scores":{"content":1e308}}`, `{"scores":{"content":0.125}}`,
		`{"scores":{"x":1}}`, `{"scores":{"content":"40"}}`, `{"final":"yes"}`)
	rubric, err := essay.Rubric{
		{Key: "content", Name: "Nội dung", MaxPoints: 40}, {Key: "message", Name: "Thông điệp", MaxPoints: 30},
		{Key: "creativity", Name: "Sáng tạo", MaxPoints: 20}, {Key: "language", Name: "Ngôn ngữ", MaxPoints: 10},
	}.Validate()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var s scoreRequest
		if !decodeOrRefuse(t, cat, body, &s) {
			return
		}
		total, err := rubric.CheckScores(s.Scores, s.Final)
		if err != nil {
			checkRefusal(t, cat, body, err)
			return
		}
		if total < 0 || total > rubric.Total() || total != total {
			t.Fatalf("%q: total %v accepted", body, total)
		}
	})
}
