package contest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"lawcontest/questions"
)

// awkwardStrings are what JSON escaping has to get right: HTML characters,
// quotes, control characters, the two line separators JavaScript refuses,
// invalid UTF-8, and Vietnamese.
var awkwardStrings = []string{
	"", "A", "b7Xq", "Câu hỏi: theo Luật An ninh mạng, hành vi nào bị nghiêm cấm?",
	`<script>alert("x")</script> & 'y'`, "tab\there\nnewline\r\x00\x01\x1f\x7f",
	"back\\slash \"quoted\"", "line\u2028sep\u2029para", "bad \xff\xfe utf8 \xc3", "emoji 🇻🇳 ✓",
	"\b\f", "Điều 8 Luật An ninh mạng 2018 (sửa đổi 2025)",
}

func randomView(r *rand.Rand) AttemptView {
	pick := func() string { return awkwardStrings[r.IntN(len(awkwardStrings))] }
	at := func() time.Time {
		t := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(72 * time.Hour))))
		if r.IntN(3) == 0 {
			t = t.Truncate(time.Second) // no fraction
		}
		if r.IntN(2) == 0 {
			t = t.In(time.FixedZone("ICT", 7*3600))
		}
		return t
	}
	v := AttemptView{
		ID: r.Int64(), RoundID: r.Int64N(1000), RoundTitle: pick(), AttemptNo: r.IntN(5),
		Status: []string{"in_progress", "submitted", "expired"}[r.IntN(3)], Practice: r.IntN(2) == 0,
		StartedAt: at(), DeadlineAt: at(), ServerTime: at(), PredictionQuestion: pick(),
	}
	if r.IntN(8) > 0 {
		v.Questions = []ShownQuestion{}
		for q := range r.IntN(20) {
			sq := ShownQuestion{ID: int64(q + 1), VersionID: int64(100 + q), Text: pick()}
			if r.IntN(10) > 0 {
				sq.Options = []questions.Option{}
				for o := range 2 + r.IntN(5) {
					sq.Options = append(sq.Options, questions.Option{ID: string(rune('A'+o)) + pick(), Text: pick()})
				}
				r.Shuffle(len(sq.Options), func(i, j int) { sq.Options[i], sq.Options[j] = sq.Options[j], sq.Options[i] })
			}
			v.Questions = append(v.Questions, sq)
		}
	}
	if r.IntN(8) > 0 {
		v.Answers = map[string]string{}
		for range r.IntN(6) {
			v.Answers[pick()] = pick()
		}
	}
	if r.IntN(2) == 0 {
		p := r.IntN(10_000_001)
		v.Prediction = &p
	}
	if r.IntN(3) == 0 {
		v.Result = &AttemptResult{ID: v.ID, RoundID: v.RoundID, Status: v.Status, Score: r.IntN(100),
			CorrectCount: r.IntN(20), QuestionCount: 19, DurationMS: r.Int64N(1_000_000), SubmittedAt: at(),
			Prediction: v.Prediction}
	}
	return v
}

// The attempt's JSON is written by hand for speed; it must stay what
// encoding/json writes, for every view, on the first use of a question
// version and on later ones from the cache.
func TestAttemptJSONIsEncodingJSONs(t *testing.T) {
	s := &Service{}
	r := rand.New(rand.NewPCG(7, 28))
	for i := range 3000 {
		v := randomView(r)
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for pass := range 2 {
			got := appendOK(t, s, v)
			if !bytes.Equal(got, want) {
				t.Fatalf("view %d, pass %d:\n got %s\nwant %s", i, pass, got, want)
			}
		}
	}
}

// A cached version never serves another text: the same version id with
// other strings (another database's bank in a test, or a bug) is encoded
// from the strings it comes with.
func TestAttemptJSONCacheFollowsTheStrings(t *testing.T) {
	s := &Service{}
	q := ShownQuestion{ID: 1, VersionID: 9, Text: "Câu một", Options: []questions.Option{{ID: "a", Text: "Một"}, {ID: "b", Text: "Hai"}}}
	v := AttemptView{Questions: []ShownQuestion{q}}
	first := appendOK(t, s, v)

	q2 := q
	q2.Text = "Câu khác"
	q2.Options = []questions.Option{{ID: "b", Text: "Hai"}, {ID: "a", Text: "Một đã sửa"}}
	v2 := AttemptView{Questions: []ShownQuestion{q2}}
	want, _ := json.Marshal(v2)
	if got := appendOK(t, s, v2); !bytes.Equal(got, want) {
		t.Fatalf("same version, other strings:\n got %s\nwant %s", got, want)
	}
	want, _ = json.Marshal(v)
	if got := appendOK(t, s, v); !bytes.Equal(got, want) || !bytes.Equal(got, first) {
		t.Fatalf("back to the first strings:\n got %s\nwant %s", got, want)
	}
}

func BenchmarkAttemptJSON(b *testing.B) {
	s := &Service{}
	now := time.Date(2026, 11, 28, 9, 0, 0, 123456789, time.UTC)
	p := 1200
	v := AttemptView{ID: 123456, RoundID: 7, RoundTitle: "Vòng 1: Tìm hiểu pháp luật về an ninh mạng", AttemptNo: 1,
		Status: "in_progress", StartedAt: now, DeadlineAt: now.Add(15 * time.Minute), ServerTime: now,
		Answers: map[string]string{"3": "b", "5": "c"}, Prediction: &p,
		PredictionQuestion: "Theo bạn, có bao nhiêu người trả lời đúng tất cả các câu hỏi?"}
	for q := range 19 {
		sq := ShownQuestion{ID: int64(q + 1), VersionID: int64(q + 1),
			Text: "Theo Luật An ninh mạng năm 2018, hành vi nào sau đây bị nghiêm cấm khi sử dụng mạng xã hội?"}
		for o := range 4 {
			sq.Options = append(sq.Options, questions.Option{ID: string(rune('a' + o)), Text: "Đăng tải thông tin sai sự thật, xuyên tạc, vu khống tổ chức, cá nhân"})
		}
		v.Questions = append(v.Questions, sq)
	}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(map[string]any{"attempt": v}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendAttemptJSON", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = s.AppendAttemptJSON(buf[:0], v)
		}
	})
}

// A field added to the attempt's JSON must be added to AppendAttemptJSON
// too: the comparison above would miss one that is omitted when empty and
// that randomView does not fill.
func TestAttemptJSONKnowsEveryField(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[AttemptView](), "id round_id round_title attempt_no status practice started_at deadline_at " +
			"server_time questions answers prediction_question prediction result"},
		{reflect.TypeFor[ShownQuestion](), "id - text options"},
		{reflect.TypeFor[questions.Option](), "id text"},
	} {
		var got []string
		for f := range c.typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			got = append(got, name)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s has the JSON fields %q; AppendAttemptJSON writes %q: change both", c.typ, got, c.want)
		}
	}
}

// The cache stays bounded however many versions it has seen, and what it
// writes stays right across its emptying.
func TestAttemptJSONCacheIsBounded(t *testing.T) {
	s := &Service{}
	for id := range int64(shownCacheMax + 5) {
		v := AttemptView{Questions: []ShownQuestion{{ID: id, VersionID: id, Text: "Câu " + strconv.FormatInt(id, 10),
			Options: []questions.Option{{ID: "a", Text: "Một"}}}}}
		got := appendOK(t, s, v)
		if want, _ := json.Marshal(v); !bytes.Equal(got, want) {
			t.Fatalf("version %d:\n got %s\nwant %s", id, got, want)
		}
		if n := len(s.shown.byVersion); n > shownCacheMax {
			t.Fatalf("%d versions cached, more than %d", n, shownCacheMax)
		}
	}
}

func appendOK(t *testing.T, s *Service, v AttemptView) []byte {
	t.Helper()
	b, err := s.AppendAttemptJSON(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Where encoding/json refuses a view (a time past year 9999), so does
// AppendAttemptJSON, and the handler answers an error instead of a body.
func TestAttemptJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
	s := &Service{}
	ok := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, v := range map[string]AttemptView{
		"deadline": {StartedAt: ok, DeadlineAt: far, ServerTime: ok},
		"result":   {StartedAt: ok, DeadlineAt: ok, ServerTime: ok, Result: &AttemptResult{SubmittedAt: far}},
	} {
		if _, err := json.Marshal(v); err == nil {
			t.Fatalf("%s: encoding/json took it; the test needs a view it refuses", name)
		}
		if b, err := s.AppendAttemptJSON(nil, v); err == nil {
			t.Errorf("%s: written as %s", name, b)
		}
	}
}
