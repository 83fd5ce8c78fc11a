package contest

import (
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"lawcontest/questions"
)

// BenchmarkAutosave measures the autosave write path (one statement: lock
// the attempt, check owner, deadline and paper, upsert the answer) against
// a bare upsert of the same row, both committed, from parallel clients:
//
//	go test -run XXX -bench Autosave -benchtime 3s ./contest
func BenchmarkAutosave(b *testing.B) {
	e := newEnv(b)
	r := e.round(roundInput(1))
	const n = 64
	vs := make([]AttemptView, n)
	owners := make([]int64, n)
	for i := range vs {
		owners[i] = e.participant()
		v, _, err := e.svc.Start(e.ctx, r.ID, owners[i])
		if err != nil {
			b.Fatal(err)
		}
		vs[i] = v
	}
	b.Run("SaveAnswer", func(b *testing.B) {
		var next atomic.Int64
		b.SetParallelism(8) // 16 clients on 2 cores: phones wait on the network, not the CPU
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				k := int(next.Add(1)) % n
				v := vs[k]
				q := v.Questions[i%len(v.Questions)]
				if err := e.svc.SaveAnswer(e.ctx, v.ID, owners[k], q.ID, q.Options[i%len(q.Options)].ID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("RawUpsert", func(b *testing.B) {
		var next atomic.Int64
		b.SetParallelism(8) // 16 clients on 2 cores: phones wait on the network, not the CPU
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				k := int(next.Add(1)) % n
				v := vs[k]
				q := v.Questions[i%len(v.Questions)]
				_, err := e.db.Exec(`INSERT INTO attempt_answers (attempt_id, question_id, option_id, saved_at)
					VALUES ($1, $2, $3, now())
					ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id, saved_at = EXCLUDED.saved_at`,
					v.ID, q.ID, q.Options[i%len(q.Options)].ID)
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkSubmitGroup measures what the one submit committer waits for
// per submit: store.submitGroup, committed, over attempts in progress with
// nineteen saved answers each, in groups of LAWCONTEST_BENCH_GROUP (53 by
// default, the mean group of the load test's submit phase on the sixteenth
// pass's machine), the bodies empty as the quiz page sends them once its
// answers are saved. ns/op is per submit.
//
// Each attempt is submitted once, as in a contest. Submitting the same
// attempts again after a rollback looks cheaper to set up but is not the
// same work: the rolled-back updates leave their index entries behind,
// and every later round checks more of them (dropping one index of
// attempts then looked like 15 % of the function, against 2 to 3 % here).
// The answers are written question by question across all attempts, so
// that an attempt's nineteen lie on nineteen pages, as answers saved
// minutes apart among everyone else's do.
//
//	go test -run XXX -bench SubmitGroup -benchtime 20000x ./contest
//	LAWCONTEST_BENCH_GROUP=10 go test -run XXX -bench SubmitGroup -benchtime 20000x ./contest
func BenchmarkSubmitGroup(b *testing.B) {
	group := 53
	if s := os.Getenv("LAWCONTEST_BENCH_GROUP"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > submitGroupMax {
			b.Fatalf("LAWCONTEST_BENCH_GROUP=%q: 1 to %d", s, submitGroupMax)
		}
		group = n
	}
	e := newEnv(b)
	in := roundInput(1)
	in.Blueprint = questions.Blueprint{{Category: "Luật An ninh mạng", Count: 10}, {Category: "Luật Trẻ em", Count: 9}}
	r := e.round(in)
	e.db.MustExec(`
		INSERT INTO users (role, phone, password_hash, full_name, display_name, unit_id, created_at, updated_at)
		SELECT 'participant', 'sg' || g, 'x', 'Thí sinh ' || g, 'Thí sinh ' || g, (SELECT min(id) FROM units), $2, $2
		FROM generate_series(1, $1) g`, b.N, t0)
	var people []int64
	if err := e.db.Select(&people, `SELECT id FROM users WHERE phone LIKE 'sg%' ORDER BY id`); err != nil {
		b.Fatal(err)
	}

	// Started through the service, from many goroutines at once, so that
	// the starts are grouped as in a round's opening.
	attempts := make([]int64, len(people))
	var next atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < 32; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(people); i = int(next.Add(1) - 1) {
				v, _, err := e.svc.Start(e.ctx, r.ID, people[i])
				if err != nil {
					b.Error(err)
					return
				}
				attempts[i] = v.ID
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	// Two answers in three right, question by question across attempts.
	e.db.MustExec(`
		INSERT INTO attempt_answers (attempt_id, question_id, option_id, saved_at)
		SELECT p.attempt_id, k.question::bigint,
			CASE WHEN (p.attempt_id + k.n) % 3 = 0 THEN 'sai' ELSE k.option END, $1
		FROM attempt_papers p
		CROSS JOIN LATERAL jsonb_each_text(p.answer_key) WITH ORDINALITY AS k(question, option, n)
		ORDER BY k.n, p.attempt_id`, t0)
	var answers int
	if err := e.db.Get(&answers, `SELECT count(*) FROM attempt_answers`); err != nil || answers != 19*len(attempts) {
		b.Fatalf("%d answers saved for %d attempts (%v)", answers, len(attempts), err)
	}

	prediction := 42
	now := e.clock.Now()
	b.ResetTimer()
	for i := 0; i < len(attempts); i += group {
		var items []*submitItem
		for k := i; k < min(i+group, len(attempts)); k++ {
			items = append(items, &submitItem{attemptID: attempts[k], participantID: people[k],
				prediction: &prediction, now: now, cutoff: now.Add(-e.svc.grace)})
		}
		slices.SortFunc(items, func(a, b *submitItem) int { return compareInt64(a.attemptID, b.attemptID) })
		if err := e.svc.st.submitGroup(e.ctx, items); err != nil {
			b.Fatal(err)
		}
		for _, it := range items {
			if it.err != nil || it.finalized == nil {
				b.Fatalf("attempt %d: not submitted (%v)", it.attemptID, it.err)
			}
		}
	}
	b.StopTimer()

	// Every attempt scored as the answers were written above: the n-th
	// answer of attempt id is wrong when (id + n) % 3 = 0. Counted from
	// that rule, not with the scoring's own expression.
	var wrong int
	if err := e.db.Get(&wrong, `
		SELECT count(*) FROM attempts a
		WHERE a.round_id = $1 AND (a.status <> 'submitted' OR a.correct_count <> (
			SELECT count(*) FROM generate_series(1, 19) n WHERE (a.id + n) % 3 <> 0))`, r.ID); err != nil {
		b.Fatal(err)
	}
	if wrong > 0 {
		b.Fatalf("%d attempts not submitted or scored wrong", wrong)
	}
}
