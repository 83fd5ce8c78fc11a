package questions

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"lawcontest/apperr"
)

// memBank builds a snapshot without a database: for each kind, n questions
// with nOpts options each; question ids are numbered from 1 in kind order.
func memBank(rev int64, nOpts int, kinds ...struct {
	cat  string
	diff Difficulty
	n    int
}) *snapshot {
	var vs []*version
	id := int64(0)
	for _, k := range kinds {
		for range k.n {
			id++
			v := &version{QuestionID: id, VersionID: 1000 + id, Text: fmt.Sprintf("Q%d", id),
				Category: k.cat, Difficulty: k.diff}
			for o := range nOpts {
				v.Options = append(v.Options, Option{ID: fmt.Sprintf("q%do%d", id, o), Text: fmt.Sprintf("opt %d", o)})
			}
			v.CorrectOptionID = v.Options[0].ID
			vs = append(vs, v)
		}
	}
	return newSnapshot(rev, vs)
}

type kindN = struct {
	cat  string
	diff Difficulty
	n    int
}

func mustParts(t testing.TB, bp Blueprint) []part {
	t.Helper()
	p, err := parseBlueprint(bp)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseBlueprint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		bp    Blueprint
		field string
		key   string
	}{
		{"empty", Blueprint{}, "blueprint", "question.blueprint_empty"},
		{"no category", Blueprint{{Category: "A", Count: 1}, {Category: " ", Count: 2}}, "blueprint[1]", "question.blueprint_category_required"},
		{"zero count", Blueprint{{Category: "A", Count: 0}}, "blueprint[0]", "question.blueprint_count_invalid"},
		{"negative count", Blueprint{{Category: "A", Count: -3}}, "blueprint[0]", "question.blueprint_count_invalid"},
		{"unknown difficulty", Blueprint{{Category: "A", Difficulty: "very hard", Count: 1}}, "blueprint[0]", "question.blueprint_difficulty_invalid"},
		{"too many", Blueprint{{Category: "A", Count: MaxPaperQuestions}, {Category: "B", Count: 1}}, "blueprint", "question.blueprint_too_many"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseBlueprint(tc.bp)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Validation || e.Fields[tc.field].Key != tc.key {
				t.Fatalf("got %v, want %s: %s", err, tc.field, tc.key)
			}
		})
	}
}

func TestShortfall(t *testing.T) {
	t.Parallel()
	s := memBank(1, 4,
		kindN{"Luật An ninh mạng", Easy, 5},
		kindN{"Luật An ninh mạng", Hard, 2},
		kindN{"Luật Trẻ em", Medium, 3},
	)
	type want struct {
		field string
		key   string
		args  []any
	}
	cases := []struct {
		name string
		bp   Blueprint
		want []want
	}{
		{"fits exactly", Blueprint{{Category: "Luật An ninh mạng", Difficulty: Easy, Count: 5}, {Category: "luat an ninh mang", Difficulty: Hard, Count: 2}}, nil},
		{"any difficulty fits", Blueprint{{Category: "Luật An ninh mạng", Count: 7}}, nil},
		{"specific and any share a category", Blueprint{{Category: "Luật An ninh mạng", Count: 3}, {Category: "Luật An ninh mạng", Difficulty: Hard, Count: 2}, {Category: "Luật An ninh mạng", Difficulty: Easy, Count: 2}}, nil},
		{"kind short", Blueprint{{Category: "Luật Trẻ em", Difficulty: Medium, Count: 2}, {Category: "Luật An ninh mạng", Difficulty: Hard, Count: 4}},
			[]want{{"blueprint[1]", "question.blueprint_short_hard", []any{"Luật An ninh mạng", 4, 2, 2}}}},
		{"same kind twice adds up", Blueprint{{Category: "Luật Trẻ em", Difficulty: Medium, Count: 2}, {Category: "Luật Trẻ em", Difficulty: Medium, Count: 2}},
			[]want{{"blueprint[0]", "question.blueprint_short_medium", []any{"Luật Trẻ em", 4, 3, 1}}}},
		{"unknown category", Blueprint{{Category: "Luật Đất đai", Difficulty: Easy, Count: 1}},
			[]want{{"blueprint[0]", "question.blueprint_short_easy", []any{"Luật Đất đai", 1, 0, 1}}}},
		{"any after specific", Blueprint{{Category: "Luật An ninh mạng", Difficulty: Easy, Count: 4}, {Category: "Luật An ninh mạng", Count: 4}},
			[]want{{"blueprint[1]", "question.blueprint_short_any", []any{"Luật An ninh mạng", 4, 3, 1}}}},
		{"both short", Blueprint{{Category: "Luật Trẻ em", Count: 9}, {Category: "Luật An ninh mạng", Difficulty: Medium, Count: 1}},
			[]want{{"blueprint[0]", "question.blueprint_short_any", []any{"Luật Trẻ em", 9, 3, 6}}, {"blueprint[1]", "question.blueprint_short_medium", []any{"Luật An ninh mạng", 1, 0, 1}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parts := mustParts(t, tc.bp)
			f := s.shortfall(parts)
			if tc.want == nil {
				if f != nil {
					t.Fatalf("want no shortfall, got %v", f.Err())
				}
				// and the draw then succeeds with the right counts
				p := mustDraw(t, s, parts, 7, fisherYates)
				n := 0
				for _, bpp := range tc.bp {
					n += bpp.Count
				}
				if len(p.Questions) != n {
					t.Fatalf("drew %d questions, want %d", len(p.Questions), n)
				}
				return
			}
			if f == nil {
				t.Fatal("want a shortfall")
			}
			e, _ := apperr.As(f.Err())
			if len(e.Fields) != len(tc.want) {
				t.Fatalf("fields %v, want %v", e.Fields, tc.want)
			}
			for _, w := range tc.want {
				m := e.Fields[w.field]
				if m.Key != w.key || fmt.Sprint(m.Args) != fmt.Sprint(w.args) {
					t.Errorf("%s: got %s %v, want %s %v", w.field, m.Key, m.Args, w.key, w.args)
				}
			}
		})
	}
}

func TestDrawPaperProperties(t *testing.T) {
	t.Parallel()
	s := memBank(3, 4, kindN{"A", Easy, 10}, kindN{"A", Medium, 6}, kindN{"B", Hard, 8})
	bp := Blueprint{{Category: "A", Count: 4}, {Category: "A", Difficulty: Easy, Count: 5}, {Category: "b", Difficulty: Hard, Count: 3}}
	parts := mustParts(t, bp)
	for seed := range int64(300) {
		p := mustDraw(t, s, parts, seed, fisherYates)
		if p.Seed != seed || p.BankVersion != 3 || len(p.Questions) != 12 {
			t.Fatalf("seed %d: paper %+v", seed, p)
		}
		seen := map[int64]bool{}
		easyA, hardB := 0, 0
		for _, q := range p.Questions {
			if seen[q.QuestionID] {
				t.Fatalf("seed %d: question %d repeated", seed, q.QuestionID)
			}
			seen[q.QuestionID] = true
			switch {
			case q.QuestionID <= 10:
				easyA++
			case q.QuestionID > 16:
				hardB++
			}
			ids := make([]string, len(q.Options))
			for i, o := range q.Options {
				ids[i] = o.ID
			}
			slices.Sort(ids)
			if len(ids) != 4 || slices.Compact(ids)[3] == "" {
				t.Fatalf("seed %d: options %v", seed, q.Options)
			}
		}
		if easyA < 5 || hardB != 3 {
			t.Fatalf("seed %d: %d easy A (want >= 5), %d hard B (want 3)", seed, easyA, hardB)
		}
	}
}

func TestDrawPaperIsAPureFunctionOfSeed(t *testing.T) {
	t.Parallel()
	s := memBank(1, 4, kindN{"A", Easy, 50})
	parts := mustParts(t, Blueprint{{Category: "A", Count: 10}})
	a := mustDraw(t, s, parts, 12345, fisherYates)
	b := mustDraw(t, s, parts, 12345, fisherYates)
	if fmt.Sprint(a.Refs()) != fmt.Sprint(b.Refs()) {
		t.Fatal("same seed, different papers")
	}
	distinct := map[string]bool{}
	for seed := range int64(50) {
		distinct[fmt.Sprint(mustDraw(t, s, parts, seed, fisherYates).Refs())] = true
	}
	if len(distinct) != 50 {
		t.Fatalf("50 seeds gave %d distinct papers", len(distinct))
	}
	// Loading the same candidates in another order changes nothing.
	all := slices.Clone(s.byCategory["a"])
	slices.Reverse(all)
	s2 := newSnapshot(1, all)
	for _, l := range s2.byKind {
		slices.SortFunc(l, func(x, y *version) int { return int(x.QuestionID - y.QuestionID) })
	}
	slices.SortFunc(s2.byCategory["a"], func(x, y *version) int { return int(x.QuestionID - y.QuestionID) })
	if c := mustDraw(t, s2, parts, 12345, fisherYates); fmt.Sprint(c.Refs()) != fmt.Sprint(a.Refs()) {
		t.Fatal("same candidates sorted the same way gave another paper")
	}
}

// TestDrawPaperPinned pins the papers two seeds give. Stored seeds must
// keep drawing the same papers across releases: if this fails, the draw
// algorithm changed, which it must not.
func TestDrawPaperPinned(t *testing.T) {
	t.Parallel()
	s := memBank(1, 4, kindN{"A", Easy, 20}, kindN{"A", Hard, 5})
	parts := mustParts(t, Blueprint{{Category: "A", Difficulty: Hard, Count: 2}, {Category: "A", Count: 3}})
	got := map[int64]string{}
	for _, seed := range []int64{1, -7} {
		var b strings.Builder
		for _, q := range mustDraw(t, s, parts, seed, fisherYates).Questions {
			fmt.Fprintf(&b, "%d:", q.QuestionID)
			for _, o := range q.Options {
				b.WriteString(o.ID[len(o.ID)-1:])
			}
			b.WriteString(" ")
		}
		got[seed] = b.String()
	}
	want := map[int64]string{
		1:  "23:0123 9:3210 22:0123 11:2013 6:3120 ",
		-7: "21:2130 18:1203 4:3210 22:2130 6:1203 ",
	}
	for seed := range want {
		if got[seed] != want[seed] {
			t.Errorf("seed %d: got %q, want %q", seed, got[seed], want[seed])
		}
	}
}

func TestIntnRange(t *testing.T) {
	t.Parallel()
	r := newRNG(1)
	for _, n := range []int{1, 2, 3, 7, 1000, 1 << 40} {
		for range 1000 {
			if v := r.intn(n); v < 0 || v >= n {
				t.Fatalf("intn(%d) = %d", n, v)
			}
		}
	}
}

// naiveShuffle is the classic biased shuffle (swap each position with any
// position), for showing that TestDrawIsUniform would catch such a bug.
func naiveShuffle(r rng, n, k int, swap func(i, j int)) {
	for i := 0; i < k && i < n; i++ {
		swap(i, r.intn(n))
	}
}

// uniformity draws many papers from fixed seeds and returns the chi-square
// statistics of: how often each eligible question is drawn, the position
// each original option is shown at, and the paper position of one part's
// questions.
func uniformity(perm permuter) (questions, options, order float64) {
	const draws = 20000
	s := memBank(1, 4, kindN{"A", Easy, 10}, kindN{"A", Hard, 5})
	parts, err := parseBlueprint(Blueprint{{Category: "A", Difficulty: Easy, Count: 3}, {Category: "A", Difficulty: Hard, Count: 2}})
	if err != nil {
		panic(err)
	}
	qCount := make([]float64, 15)
	var optPos [4][4]float64 // original option index -> shown position
	hardAt := make([]float64, 5)
	for seed := range int64(draws) {
		p, _ := drawPaper(s, parts, seed, perm)
		for pos, q := range p.Questions {
			qCount[q.QuestionID-1]++
			if q.QuestionID > 10 {
				hardAt[pos]++
			}
			for shown, o := range q.Options {
				orig := int(o.ID[len(o.ID)-1] - '0')
				optPos[orig][shown]++
			}
		}
	}
	chi := func(obs []float64, exp float64) float64 {
		x := 0.0
		for _, o := range obs {
			x += (o - exp) * (o - exp) / exp
		}
		return x
	}
	questions = chi(qCount[:10], draws*3.0/10) + chi(qCount[10:], draws*2.0/5)
	for i := range optPos {
		options += chi(optPos[i][:], draws*5.0/4)
	}
	order = chi(hardAt, draws*2.0/5)
	return questions, options, order
}

// Critical chi-square values at p = 0.001. The draws use fixed seeds, so
// the test is deterministic; the bound is loose enough that a fair draw
// passes by a wide margin and a biased shuffle fails by a wider one.
const (
	chi2Questions = 37.7 // df 13: (10-1) + (5-1)
	chi2Options   = 32.9 // df 12: four rows of four positions with fixed sums
	chi2Order     = 18.5 // df 4
)

func TestDrawIsUniform(t *testing.T) {
	t.Parallel()
	q, o, ord := uniformity(fisherYates)
	t.Logf("chi-square: questions %.1f (bound %.1f), options %.1f (bound %.1f), order %.1f (bound %.1f)",
		q, chi2Questions, o, chi2Options, ord, chi2Order)
	if q > chi2Questions || o > chi2Options || ord > chi2Order {
		t.Fatal("the draw is not uniform")
	}
}

func TestUniformityTestCatchesABiasedShuffle(t *testing.T) {
	t.Parallel()
	q, o, ord := uniformity(naiveShuffle)
	t.Logf("naive shuffle chi-square: questions %.1f, options %.1f, order %.1f", q, o, ord)
	if q <= chi2Questions || o <= chi2Options || ord <= chi2Order {
		t.Fatal("a biased shuffle passed the uniformity test")
	}
}

func TestPublicPayloadHidesTheAnswer(t *testing.T) {
	t.Parallel()
	s := memBank(1, 4, kindN{"A", Easy, 10})
	for i, v := range s.byCategory["a"] {
		v.Explanation, v.LegalReference = fmt.Sprintf("giải thích %d", i), "Điều 1"
	}
	p := mustDraw(t, s, mustParts(t, Blueprint{{Category: "A", Count: 5}}), 99, fisherYates)
	b, err := json.Marshal(p.Public())
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, q := range p.Questions {
		if strings.Contains(js, "giải thích") || strings.Contains(js, "Điều 1") {
			t.Fatalf("payload leaks explanation or reference: %s", js)
		}
		_ = q
	}
	var back []map[string]any
	json.Unmarshal(b, &back)
	for _, q := range back {
		for k := range q {
			if k != "id" && k != "text" && k != "options" {
				t.Fatalf("unexpected field %q in %s", k, js)
			}
		}
		for _, o := range q["options"].([]any) {
			if len(o.(map[string]any)) != 2 {
				t.Fatalf("option has more than id and text: %v", o)
			}
		}
	}
	if !strings.Contains(js, `"id":"`) {
		t.Fatalf("ids must be JSON strings: %s", js)
	}
}

func mustDraw(t testing.TB, s *snapshot, parts []part, seed int64, perm permuter) Paper {
	p, ok := drawPaper(s, parts, seed, perm)
	if !ok {
		t.Fatalf("seed %d: the snapshot cannot fill the blueprint", seed)
	}
	return p
}

// TestDrawFailsExactlyWhenShort checks drawPaper's own failure against
// shortfall over many blueprints, so Draw can skip shortfall when it works.
func TestDrawFailsExactlyWhenShort(t *testing.T) {
	t.Parallel()
	s := memBank(1, 3, kindN{"A", Easy, 4}, kindN{"A", Hard, 3}, kindN{"B", Medium, 2})
	diffs := []Difficulty{"", Easy, Medium, Hard}
	r := newRNG(5)
	for range 3000 {
		var bp Blueprint
		for range 1 + r.intn(4) {
			bp = append(bp, BlueprintPart{Category: []string{"A", "B", "C"}[r.intn(3)], Difficulty: diffs[r.intn(4)], Count: 1 + r.intn(4)})
		}
		parts := mustParts(t, bp)
		_, ok := drawPaper(s, parts, int64(r.intn(100)), fisherYates)
		if short := s.shortfall(parts) != nil; short == ok {
			t.Fatalf("%+v: drew %v, shortfall %v", bp, ok, short)
		}
	}
}
