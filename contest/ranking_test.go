package contest

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"lawcontest/contest/leaderboard"
)

// finished inserts a finished attempt directly, to rank chosen values.
type finished struct {
	participant int64
	correct     int
	durationMS  int64
	submitted   time.Time
	prediction  *int
	id          int64
}

func (e *env) insertFinished(roundID int64, f *finished, attemptNo, questionCount int) {
	e.t.Helper()
	started := f.submitted.Add(-time.Duration(f.durationMS) * time.Millisecond)
	err := e.db.QueryRow(`
		INSERT INTO attempts (round_id, participant_id, attempt_no, status, started_at, deadline_at, seed,
			bank_version, question_count, prediction, submitted_at, duration_ms, correct_count, score, finalized_at)
		VALUES ($1, $2, $3, 'submitted', $4, $5, 0, 0, $6, $7, $8, $9, $10, $10 * 5, $8)
		RETURNING id`,
		roundID, f.participant, attemptNo, started, started.Add(time.Hour), questionCount, f.prediction,
		f.submitted, f.durationMS, f.correct).Scan(&f.id)
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestRankingOrder checks round_ranking against the Go reference on
// random attempts with many ties: the live order against leaderboard.Better
// (what the Redis board encodes), the final order against API.md's rule
// with the prediction.
func TestRankingOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(3)
	in.PredictionQuestion = "Bao nhiêu người đúng hết?"
	r := e.round(in)
	rng := rand.New(rand.NewPCG(4, 2))
	const questionCount = 3

	var people []int64
	for i := 0; i < 40; i++ {
		people = append(people, e.participant())
	}
	var all []*finished
	for _, p := range people {
		n := 1 + rng.IntN(3)
		for k := 0; k < n; k++ {
			f := &finished{participant: p, correct: rng.IntN(questionCount + 1), durationMS: int64(1000 * (1 + rng.IntN(3))),
				submitted: t0.Add(time.Duration(rng.IntN(3)) * time.Second)}
			if rng.IntN(5) > 0 {
				v := rng.IntN(12)
				f.prediction = &v
			}
			e.insertFinished(r.ID, f, k+1, questionCount)
			all = append(all, f)
		}
	}

	entry := func(f *finished) leaderboard.Entry {
		return leaderboard.Entry{AttemptID: f.id, ParticipantID: f.participant, CorrectCount: f.correct, DurationMS: f.durationMS, SubmittedAt: f.submitted}
	}
	allCorrect := map[int64]bool{}
	for _, f := range all {
		if f.correct == questionCount {
			allCorrect[f.participant] = true
		}
	}
	actual := len(allCorrect)
	diff := func(f *finished) int64 {
		if f.prediction == nil {
			return 1 << 62
		}
		d := int64(*f.prediction - actual)
		if d < 0 {
			d = -d
		}
		return d
	}
	finalBetter := func(a, b *finished) bool {
		if a.correct != b.correct {
			return a.correct > b.correct
		}
		if da, db := diff(a), diff(b); da != db {
			return da < db
		}
		return leaderboard.Better(entry(a), entry(b))
	}
	liveBetter := func(a, b *finished) bool { return leaderboard.Better(entry(a), entry(b)) }

	for _, final := range []bool{false, true} {
		better := liveBetter
		if final {
			better = finalBetter
		}
		best := map[int64]*finished{}
		for _, f := range all {
			if b, ok := best[f.participant]; !ok || better(f, b) {
				best[f.participant] = f
			}
		}
		var want []*finished
		for _, f := range best {
			want = append(want, f)
		}
		sort.Slice(want, func(i, j int) bool { return better(want[i], want[j]) })

		got, err := e.svc.Ranking(e.ctx, r.ID, final)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("final=%v: %d ranked, want %d", final, len(got), len(want))
		}
		for i, s := range got {
			if s.Place != int64(i+1) || s.AttemptID != want[i].id {
				t.Fatalf("final=%v place %d: attempt %d, want %d (%+v)", final, i+1, s.AttemptID, want[i].id, *want[i])
			}
			if final && want[i].prediction != nil && (s.PredictionDiff == nil || *s.PredictionDiff != diff(want[i])) {
				t.Fatalf("final place %d: prediction diff %v, want %d", i+1, s.PredictionDiff, diff(want[i]))
			}
		}

		if !final {
			for i, f := range want {
				pos, total, ok, err := e.svc.st.livePlace(e.ctx, r.ID, f.participant)
				if err != nil || !ok || pos != int64(i+1) || total != int64(len(want)) {
					t.Fatalf("live place of %d: %d/%d, want %d/%d", f.participant, pos, total, i+1, len(want))
				}
			}
		}
	}
}

// TestBestAttemptCounts takes attempts through the service: the better of
// two attempts counts, whichever came first.
func TestBestAttemptCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(3))
	a, b := e.participant(), e.participant()

	take := func(p int64, correct int, took time.Duration) int64 {
		v := e.start(r.ID, p)
		for i, q := range v.Questions {
			if i < correct {
				e.save(v, q, e.correct(q))
			} else {
				e.save(v, q, e.wrong(q))
			}
		}
		e.clock.Advance(took)
		if _, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{}); err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	take(a, 3, 2*time.Minute)     // a: 3 in 2 minutes
	a2 := take(a, 3, time.Minute) // a: 3 in 1 minute: better
	take(a, 2, 30*time.Second)    // a: fewer correct, faster: worse
	b1 := take(b, 3, time.Minute) // b: same as a2, submitted later
	take(b, 1, 10*time.Second)    //
	st, _ := e.svc.Ranking(e.ctx, r.ID, false)
	if len(st) != 2 || st[0].AttemptID != a2 || st[1].AttemptID != b1 {
		t.Fatalf("ranking %+v, want attempts %d then %d", st, a2, b1)
	}
	if e.board.entries[[2]int64{r.ID, a}].AttemptID != a2 || e.board.entries[[2]int64{r.ID, b}].AttemptID != b1 {
		t.Fatalf("board holds %+v", e.board.entries)
	}
	if st[0].Score != 15 || st[0].DurationMS != 60_000 {
		t.Fatalf("best of a: %+v", st[0])
	}
}
