package contest

import (
	"testing"
	"time"

	"lawcontest/apperr"
)

// One group of submits committed in one transaction gives each its own
// outcome: a refused submit changes nothing and does not stop the others.
func TestSubmitGroupOutcomesPerItem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p1, p2, p3, p4, p5 := e.participant(), e.participant(), e.participant(), e.participant(), e.participant()
	v1, v2, v3, v4, v5 := e.start(r.ID, p1), e.start(r.ID, p2), e.start(r.ID, p3), e.start(r.ID, p4), e.start(r.ID, p5)
	if _, err := e.svc.Submit(e.ctx, v3.ID, p3, SubmitInput{}); err != nil {
		t.Fatal(err)
	}
	now := e.svc.now()
	cutoff := now.Add(-e.svc.grace)
	q := v1.Questions[0]
	pred := 42
	items := []*submitItem{
		{attemptID: v1.ID, participantID: p1, answers: map[int64]string{q.ID: q.Options[2].ID}, prediction: &pred}, // submitted
		{attemptID: v2.ID, participantID: p1},                                                      // someone else's
		{attemptID: v3.ID, participantID: p3},                                                      // already submitted
		{attemptID: v4.ID, participantID: p4, answers: map[int64]string{999_999: q.Options[0].ID}}, // not in the paper
		{attemptID: v5.ID, participantID: p5},                                                      // past its deadline and grace: expires
	}
	for _, it := range items {
		it.now, it.cutoff = now, cutoff
		if err := e.svc.checkSubmitAnswers(e.ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	items[4].cutoff = v5.DeadlineAt.Add(time.Millisecond)
	if err := e.svc.st.submitGroup(e.ctx, items); err != nil {
		t.Fatal(err)
	}

	if it := items[0]; it.err != nil || it.finalized == nil || it.finalized.Status != AttemptSubmitted ||
		it.finalized.Prediction == nil || *it.finalized.Prediction != 42 || !it.finalized.SubmittedAt.Equal(now) {
		t.Fatalf("valid submit: err %v, finalized %+v", it.err, it.finalized)
	}
	if it := items[1]; !apperr.Is(it.err, apperr.NotFound) || it.finalized != nil {
		t.Fatalf("someone else's attempt: err %v, finalized %+v", it.err, it.finalized)
	}
	if it := items[2]; it.err != nil || it.finalized != nil {
		t.Fatalf("repeat: err %v, finalized %+v", it.err, it.finalized)
	}
	if it := items[3]; !apperr.Is(it.err, apperr.Validation) || it.finalized != nil {
		t.Fatalf("foreign question: err %v, finalized %+v", it.err, it.finalized)
	}
	if it := items[4]; it.err != nil || it.finalized == nil || it.finalized.Status != AttemptExpired ||
		!it.finalized.SubmittedAt.Equal(v5.DeadlineAt) {
		t.Fatalf("late submit: err %v, finalized %+v", it.err, it.finalized)
	}

	// In Postgres: the body's answer stored and scored with the submit,
	// the refused attempts untouched.
	var got []struct {
		ID     int64  `db:"id"`
		Status string `db:"status"`
		Answer string `db:"answer"`
	}
	if err := e.db.Select(&got, `
		SELECT a.id, a.status, coalesce((SELECT option_id FROM attempt_answers aa WHERE aa.attempt_id = a.id AND aa.question_id = $2), '') AS answer
		FROM attempts a WHERE a.round_id = $1 ORDER BY a.id`, r.ID, q.ID); err != nil {
		t.Fatal(err)
	}
	want := map[int64][2]string{
		v1.ID: {AttemptSubmitted, q.Options[2].ID}, v2.ID: {AttemptInProgress, ""}, v3.ID: {AttemptSubmitted, ""},
		v4.ID: {AttemptInProgress, ""}, v5.ID: {AttemptExpired, ""},
	}
	for _, g := range got {
		if w := want[g.ID]; g.Status != w[0] || g.Answer != w[1] {
			t.Errorf("attempt %d: %s with answer %q, want %s with %q", g.ID, g.Status, g.Answer, w[0], w[1])
		}
	}
}

// An answer committed while a submit waits for its attempt's row lock is
// counted in the score: each statement of submit_group (PL/pgSQL, volatile)
// takes a fresh snapshot, so the scoring sees what committed before the
// lock was granted. A single statement, or a LANGUAGE sql function, would
// score from a snapshot taken before the wait and miss it.
func TestSubmitCountsAnswerCommittedWhileItWaited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	v := e.start(r.ID, p)
	q := v.Questions[0]

	// An autosave in flight: the attempt share-locked, its answer written,
	// not yet committed.
	tx, err := e.db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1 FROM attempts WHERE id = $1 FOR KEY SHARE`, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO attempt_answers (attempt_id, question_id, option_id, saved_at) VALUES ($1, $2, $3, now())`,
		v.ID, q.ID, e.correct(q)); err != nil {
		t.Fatal(err)
	}

	type outcome struct {
		res SubmitResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{})
		done <- outcome{res, err}
	}()
	// The submit waits for the row lock the autosave holds.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := e.db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the submit never waited for the autosave's lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got.err != nil {
		t.Fatal(got.err)
	}
	if got.res.Attempt.Status != AttemptSubmitted || got.res.Attempt.CorrectCount != 1 {
		t.Fatalf("submit after the autosave committed: %+v, want submitted with 1 correct answer", got.res.Attempt)
	}
}
