package contest

import (
	"sync"
	"testing"
	"time"
)

func TestTwoSweepersFinalizeEachAttemptOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	// A second instance: its own Service over the same database and board.
	other := New(e.db, e.bank, e.board, e.clock, Options{Grace: 5 * time.Second})

	const due = 30
	want := map[int64]int{} // attempt -> correct answers saved
	for i := 0; i < due; i++ {
		v := e.start(r.ID, e.participant())
		k := i % 5
		for _, q := range v.Questions[:min(k, len(v.Questions))] {
			e.save(v, q, e.correct(q))
		}
		want[v.ID] = min(k, len(v.Questions))
	}
	e.clock.Advance(time.Minute)
	late := e.start(r.ID, e.participant()) // its deadline is a minute later

	// Not yet: the deadline has passed but not the grace.
	e.clock.Set(t0.Add(10*time.Minute + 5*time.Second))
	if n, err := e.svc.FinalizeExpired(e.ctx, 100); err != nil || n != 0 {
		t.Fatalf("within the grace: %d %v", n, err)
	}

	e.clock.Set(t0.Add(10*time.Minute + 5*time.Second + time.Millisecond))
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, s := range []*Service{e.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := s.FinalizeExpired(e.ctx, 4)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				counts[i] += n
			}
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != due {
		t.Fatalf("sweepers finalized %v, want %d in all", counts, due)
	}
	if e.board.records != due {
		t.Fatalf("board recorded %d, want %d", e.board.records, due)
	}
	rows, err := e.db.Query(`SELECT id, status, correct_count, duration_ms, submitted_at FROM attempts WHERE status <> 'in_progress'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			id, dur int64
			status  string
			correct int
			at      time.Time
		)
		rows.Scan(&id, &status, &correct, &dur, &at)
		n++
		if status != AttemptExpired || correct != want[id] || dur != 600_000 || !at.Equal(t0.Add(10*time.Minute)) {
			t.Errorf("attempt %d: %s correct %d (want %d) duration %d at %v", id, status, correct, want[id], dur, at)
		}
	}
	if n != due {
		t.Fatalf("%d finished attempts, want %d", n, due)
	}
	var status string
	e.db.Get(&status, `SELECT status FROM attempts WHERE id = $1`, late.ID)
	if status != AttemptInProgress {
		t.Fatalf("an attempt not yet due was finalized: %s", status)
	}
}

func TestCloseNowFinalizesAttemptsInProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	v := e.start(r.ID, p)
	e.save(v, v.Questions[0], e.correct(v.Questions[0]))
	e.clock.Advance(2 * time.Minute)

	n, err := e.svc.CloseNow(e.ctx, e.org, r.ID)
	if err != nil || n != 1 {
		t.Fatalf("close: %d %v", n, err)
	}
	got, _ := e.svc.Attempt(e.ctx, v.ID, p)
	if got.Status != AttemptExpired || got.Result.CorrectCount != 1 || got.Result.DurationMS != 120_000 {
		t.Fatalf("attempt after close: %+v %+v", got, got.Result)
	}
	round, _ := e.svc.Round(e.ctx, r.ID)
	if round.Status != RoundClosed || !round.ClosesAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("round after close: %+v", round)
	}
	_, _, err = e.svc.Start(e.ctx, r.ID, e.participant())
	wantCode(t, err, "round_not_open")
	if n, err := e.svc.CloseNow(e.ctx, e.org, r.ID); err != nil || n != 0 {
		t.Fatalf("second close: %d %v", n, err)
	}
	var audits int
	e.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'round.close'`)
	if audits != 1 {
		t.Fatalf("%d close audits", audits)
	}
}
