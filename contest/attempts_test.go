package contest

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lawcontest/apperr"
)

func TestStartRefusedOutsideWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.OpensAt, in.ClosesAt = t0.Add(time.Hour), t0.Add(2*time.Hour)
	r := e.round(in)
	p := e.participant()

	_, _, err := e.svc.Start(e.ctx, r.ID, p)
	wantCode(t, err, apperr.RoundNotOpen)

	e.clock.Set(in.OpensAt.Add(-time.Millisecond))
	_, _, err = e.svc.Start(e.ctx, r.ID, p)
	wantCode(t, err, apperr.RoundNotOpen)

	e.clock.Set(in.OpensAt)
	if _, created, err := e.svc.Start(e.ctx, r.ID, p); err != nil || !created {
		t.Fatalf("start at opening: created=%v err=%v", created, err)
	}

	e.clock.Set(in.ClosesAt)
	_, _, err = e.svc.Start(e.ctx, r.ID, e.participant())
	wantCode(t, err, apperr.RoundNotOpen)
}

func TestStartHidesDraftContests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, err := e.svc.CreateContest(e.ctx, e.org, ContestInput{Kind: KindQuiz, Title: "Nháp",
		StartsAt: t0.Add(-24 * time.Hour), EndsAt: t0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	in := roundInput(1)
	in.ClosesAt = t0.Add(time.Hour)
	r, err := e.svc.CreateRound(e.ctx, e.org, c.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.Start(e.ctx, r.ID, e.participant())
	wantCode(t, err, apperr.NotFound)
}

func TestStartResumesAndShowsNoAnswerKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.PredictionQuestion = "Có bao nhiêu người trả lời đúng tất cả các câu?"
	r := e.round(in)
	p := e.participant()

	v, created, err := e.svc.Start(e.ctx, r.ID, p)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	if len(v.Questions) != 4 || v.AttemptNo != 1 || v.PredictionQuestion == "" {
		t.Fatalf("view: %+v", v)
	}
	if !v.DeadlineAt.Equal(t0.Add(10*time.Minute)) || !v.ServerTime.Equal(t0) || !v.StartedAt.Equal(t0) {
		t.Fatalf("times: started %v deadline %v server %v", v.StartedAt, v.DeadlineAt, v.ServerTime)
	}
	e.save(v, v.Questions[0], e.wrong(v.Questions[0]))

	e.clock.Advance(time.Minute)
	again, created, err := e.svc.Start(e.ctx, r.ID, p)
	if err != nil || created {
		t.Fatalf("second start: created=%v err=%v", created, err)
	}
	if again.ID != v.ID || !again.ServerTime.Equal(t0.Add(time.Minute)) || !again.DeadlineAt.Equal(v.DeadlineAt) {
		t.Fatalf("resume gave %+v, want attempt %d", again, v.ID)
	}
	for i := range v.Questions {
		a, b := v.Questions[i], again.Questions[i]
		if a.ID != b.ID || len(a.Options) != len(b.Options) {
			t.Fatalf("question %d differs after resume", i)
		}
		for j := range a.Options {
			if a.Options[j] != b.Options[j] {
				t.Fatalf("option order of question %d differs after resume", i)
			}
		}
	}
	if got := again.Answers[strconv.FormatInt(v.Questions[0].ID, 10)]; got != e.wrong(v.Questions[0]) {
		t.Fatalf("resumed answers %v", again.Answers)
	}

	// Nothing in the body a participant gets hints at the correct option.
	b, _ := json.Marshal(again)
	for _, bad := range []string{"correct", "explanation", "legal", "Giải thích", "Điều 1"} {
		if strings.Contains(string(b), bad) {
			t.Fatalf("attempt body contains %q: %s", bad, b)
		}
	}
}

func TestDeadlineCappedByClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.ClosesAt = t0.Add(3 * time.Minute)
	r := e.round(in)
	v := e.start(r.ID, e.participant())
	if !v.DeadlineAt.Equal(in.ClosesAt) {
		t.Fatalf("deadline %v, want the close %v", v.DeadlineAt, in.ClosesAt)
	}
}

func TestAttemptLimitUnderConcurrentStarts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(2))
	p := e.participant()

	startMany := func() (ids map[int64]int, created int, errs []error) {
		ids = map[int64]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, c, err := e.svc.Start(e.ctx, r.ID, p)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				ids[v.ID]++
				if c {
					created++
				}
			}()
		}
		wg.Wait()
		return
	}

	for round := 1; round <= 2; round++ {
		ids, created, errs := startMany()
		if len(errs) > 0 || len(ids) != 1 || created != 1 {
			t.Fatalf("starts %d: attempts %v, created %d, errors %v", round, ids, created, errs)
		}
		for id := range ids {
			if _, err := e.svc.Submit(e.ctx, id, p, SubmitInput{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids, created, errs := startMany()
	if len(ids) != 0 || created != 0 || len(errs) != 20 {
		t.Fatalf("past the limit: attempts %v, created %d, errors %d", ids, created, len(errs))
	}
	for _, err := range errs {
		wantCode(t, err, apperr.AttemptLimit)
	}
	var n int
	if err := e.db.Get(&n, `SELECT count(*) FROM attempts WHERE round_id = $1 AND participant_id = $2`, r.ID, p); err != nil || n != 2 {
		t.Fatalf("stored attempts %d (%v), want 2", n, err)
	}
}

func TestStartAfterDeadlineFinalizesTheOldAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(2))
	p := e.participant()
	v := e.start(r.ID, p)
	e.save(v, v.Questions[0], e.correct(v.Questions[0]))

	e.clock.Advance(10 * time.Minute)
	v2, created, err := e.svc.Start(e.ctx, r.ID, p)
	if err != nil || !created || v2.AttemptNo != 2 {
		t.Fatalf("start after deadline: %+v created=%v err=%v", v2, created, err)
	}
	old, err := e.svc.Attempt(e.ctx, v.ID, p)
	if err != nil {
		t.Fatal(err)
	}
	if old.Status != AttemptExpired || old.Result.CorrectCount != 1 || old.Result.DurationMS != 600_000 {
		t.Fatalf("old attempt: %+v %+v", old, old.Result)
	}

	// Past the limit, an expired attempt in progress is still finalized.
	e.clock.Advance(10 * time.Minute)
	_, _, err = e.svc.Start(e.ctx, r.ID, p)
	wantCode(t, err, apperr.AttemptLimit)
	var status string
	if err := e.db.Get(&status, `SELECT status FROM attempts WHERE id = $1`, v2.ID); err != nil || status != AttemptExpired {
		t.Fatalf("second attempt status %q (%v)", status, err)
	}
}

func TestAutosave(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	v := e.start(r.ID, p)
	q := v.Questions[1]

	stored := func() string {
		var o string
		e.db.Get(&o, `SELECT option_id FROM attempt_answers WHERE attempt_id = $1 AND question_id = $2`, v.ID, q.ID)
		return o
	}
	if err := e.svc.SaveAnswer(e.ctx, v.ID, p, q.ID, q.Options[2].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SaveAnswer(e.ctx, v.ID, p, q.ID, q.Options[2].ID); err != nil {
		t.Fatal("repeat:", err)
	}
	if err := e.svc.SaveAnswer(e.ctx, v.ID, p, q.ID, q.Options[3].ID); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got != q.Options[3].ID {
		t.Fatalf("stored %q, want the latest choice", got)
	}

	other := v.Questions[0]
	cases := []struct {
		name     string
		pid, qid int64
		opt      string
		code     apperr.Code
	}{
		{"someone else's attempt", e.participant(), q.ID, q.Options[0].ID, apperr.NotFound},
		{"question not in the paper", p, 999999, q.Options[0].ID, apperr.Validation},
		{"option of another question", p, q.ID, other.Options[0].ID, apperr.Validation},
		{"empty option", p, q.ID, "", apperr.Validation},
	}
	for _, c := range cases {
		err := e.svc.SaveAnswer(e.ctx, v.ID, c.pid, c.qid, c.opt)
		if !apperr.Is(err, c.code) {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
	if err := e.svc.SaveAnswer(e.ctx, 987654, p, q.ID, q.Options[0].ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("unknown attempt: %v", err)
	}
	if got := stored(); got != q.Options[3].ID {
		t.Fatalf("a refused autosave changed the answer to %q", got)
	}

	// Accepted up to the deadline plus the grace, refused after.
	e.clock.Set(v.DeadlineAt.Add(5 * time.Second))
	if err := e.svc.SaveAnswer(e.ctx, v.ID, p, q.ID, q.Options[0].ID); err != nil {
		t.Fatalf("within the grace: %v", err)
	}
	e.clock.Advance(time.Millisecond)
	err := e.svc.SaveAnswer(e.ctx, v.ID, p, q.ID, q.Options[1].ID)
	wantCode(t, err, apperr.DeadlinePassed)
	if got := stored(); got != q.Options[0].ID {
		t.Fatalf("stored %q after a refused late autosave", got)
	}
	wantCode(t, e.svc.SavePrediction(e.ctx, v.ID, p, 10), apperr.DeadlinePassed)
}

func TestAutosaveAfterSubmitRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	v := e.start(r.ID, p)
	if _, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{}); err != nil {
		t.Fatal(err)
	}
	err := e.svc.SaveAnswer(e.ctx, v.ID, p, v.Questions[0].ID, v.Questions[0].Options[0].ID)
	wantCode(t, err, apperr.Conflict)
}

func TestSubmitScoresMergesAndIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.PredictionQuestion = "Bao nhiêu người đúng hết?"
	r := e.round(in)
	p := e.participant()
	v := e.start(r.ID, p)
	qs := v.Questions
	// Autosaved: q0 correct, q1 wrong, q2 wrong. The body corrects q2 and
	// answers q3 wrongly: 2 correct in all.
	e.save(v, qs[0], e.correct(qs[0]))
	e.save(v, qs[1], e.wrong(qs[1]))
	e.save(v, qs[2], e.wrong(qs[2]))
	e.clock.Advance(2*time.Minute + 345*time.Millisecond + 678*time.Microsecond)
	pred := 42
	body := SubmitInput{Prediction: &pred, Answers: map[string]string{
		strconv.FormatInt(qs[2].ID, 10): e.correct(qs[2]),
		strconv.FormatInt(qs[3].ID, 10): e.wrong(qs[3]),
	}}

	const n = 50
	results := make([]SubmitResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.svc.Submit(e.ctx, v.ID, p, body)
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("submit %d: %v", i, errs[i])
		}
		a, _ := json.Marshal(results[i].Attempt)
		b, _ := json.Marshal(results[0].Attempt)
		if string(a) != string(b) {
			t.Fatalf("submit %d returned %s, submit 0 %s", i, a, b)
		}
	}
	got := results[0].Attempt
	want := AttemptResult{ID: v.ID, RoundID: r.ID, Status: AttemptSubmitted, Score: 10, CorrectCount: 2, QuestionCount: 4,
		DurationMS: 120_345, SubmittedAt: t0.Add(2*time.Minute + 345*time.Millisecond), Prediction: &pred}
	if got.Status != want.Status || got.Score != want.Score || got.CorrectCount != want.CorrectCount ||
		got.QuestionCount != want.QuestionCount || got.DurationMS != want.DurationMS || !got.SubmittedAt.Equal(want.SubmittedAt) ||
		got.Prediction == nil || *got.Prediction != pred {
		t.Fatalf("result %+v, want %+v", got, want)
	}
	if rk := results[0].Rank; rk == nil || rk.Position != 1 || rk.Total != 1 {
		t.Fatalf("rank %+v", rk)
	}
	var stored map[int64]string = map[int64]string{}
	rows, _ := e.db.Query(`SELECT question_id, option_id FROM attempt_answers WHERE attempt_id = $1`, v.ID)
	for rows.Next() {
		var q int64
		var o string
		rows.Scan(&q, &o)
		stored[q] = o
	}
	rows.Close()
	wantAnswers := map[int64]string{qs[0].ID: e.correct(qs[0]), qs[1].ID: e.wrong(qs[1]), qs[2].ID: e.correct(qs[2]), qs[3].ID: e.wrong(qs[3])}
	for q, o := range wantAnswers {
		if stored[q] != o {
			t.Fatalf("stored answers %v, want %v", stored, wantAnswers)
		}
	}
	if e.board.records != 1 {
		t.Fatalf("board recorded %d times, want once", e.board.records)
	}

	// Later repeats change nothing, whatever their body says.
	e.clock.Advance(time.Hour)
	again, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{Answers: map[string]string{strconv.FormatInt(qs[1].ID, 10): e.correct(qs[1])}})
	if err != nil || again.Attempt.CorrectCount != 2 || !again.Attempt.SubmittedAt.Equal(got.SubmittedAt) {
		t.Fatalf("repeat: %+v %v", again.Attempt, err)
	}
}

func TestSubmitRefusesForeignAnswersAndChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	v := e.start(r.ID, p)
	q := v.Questions[0]
	e.save(v, q, e.wrong(q))
	cases := []map[string]string{
		{"999999": q.Options[0].ID},
		{strconv.FormatInt(q.ID, 10): "nope"},
		{strconv.FormatInt(q.ID, 10): e.correct(q), "abc": "x"},
		{strconv.FormatInt(q.ID, 10): e.correct(q), strconv.FormatInt(v.Questions[1].ID, 10): q.Options[0].ID},
	}
	for i, answers := range cases {
		_, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{Answers: answers})
		if !apperr.Is(err, apperr.Validation) {
			t.Fatalf("case %d: %v", i, err)
		}
	}
	big := 10_000_001
	_, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{Prediction: &big})
	wantCode(t, err, apperr.Validation)
	_, err = e.svc.Submit(e.ctx, v.ID, e.participant(), SubmitInput{})
	wantCode(t, err, apperr.NotFound)
	// Answers outside the paper do not tell a stranger that the attempt
	// exists, nor anyone that an unknown attempt would take them.
	_, err = e.svc.Submit(e.ctx, v.ID, e.participant(), SubmitInput{Answers: cases[0]})
	wantCode(t, err, apperr.NotFound)
	_, err = e.svc.Submit(e.ctx, 987654, p, SubmitInput{Answers: cases[0]})
	wantCode(t, err, apperr.NotFound)

	a, err := e.svc.Attempt(e.ctx, v.ID, p)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != AttemptInProgress || len(a.Answers) != 1 || a.Answers[strconv.FormatInt(q.ID, 10)] != e.wrong(q) {
		t.Fatalf("refused submits changed the attempt: %+v", a)
	}
}

func TestSubmitAfterGraceExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	v := e.start(r.ID, p)
	e.save(v, v.Questions[0], e.correct(v.Questions[0]))

	// In the grace: submitted, but the time counts only to the deadline.
	e.clock.Set(v.DeadlineAt.Add(3 * time.Second))
	res, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{Answers: map[string]string{
		strconv.FormatInt(v.Questions[1].ID, 10): e.correct(v.Questions[1])}})
	if err != nil || res.Attempt.Status != AttemptSubmitted || res.Attempt.DurationMS != 600_000 ||
		!res.Attempt.SubmittedAt.Equal(v.DeadlineAt) || res.Attempt.CorrectCount != 2 {
		t.Fatalf("submit in the grace: %+v %v", res.Attempt, err)
	}

	v2 := e.start(e.round(roundInput(1)).ID, p)
	e.save(v2, v2.Questions[0], e.correct(v2.Questions[0]))
	e.clock.Set(v2.DeadlineAt.Add(6 * time.Second))
	res, err = e.svc.Submit(e.ctx, v2.ID, p, SubmitInput{Answers: map[string]string{
		strconv.FormatInt(v2.Questions[1].ID, 10): e.correct(v2.Questions[1])}})
	if err != nil || res.Attempt.Status != AttemptExpired || res.Attempt.CorrectCount != 1 || res.Attempt.DurationMS != 600_000 {
		t.Fatalf("submit after the grace: %+v %v", res.Attempt, err)
	}
}

func TestReviewOnlyAfterClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.ClosesAt = t0.Add(time.Hour)
	r := e.round(in)
	p := e.participant()
	v := e.start(r.ID, p)
	e.save(v, v.Questions[0], e.correct(v.Questions[0]))

	_, err := e.svc.Review(e.ctx, v.ID, p)
	wantCode(t, err, apperr.Conflict)
	if _, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Review(e.ctx, v.ID, p)
	wantCode(t, err, apperr.Conflict)

	e.clock.Set(in.ClosesAt)
	_, err = e.svc.Review(e.ctx, v.ID, e.participant())
	wantCode(t, err, apperr.NotFound)
	rv, err := e.svc.Review(e.ctx, v.ID, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rv.Questions) != 4 || !rv.Questions[0].Correct || rv.Questions[1].ChosenOptionID != "" ||
		rv.Questions[0].Explanation == "" || rv.Questions[0].LegalReference == "" || rv.Questions[1].CorrectOptionID == "" {
		t.Fatalf("review: %+v", rv.Questions)
	}
}

func TestPracticeRound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(0))
	if !r.Practice || r.MaxAttempts != 0 {
		t.Fatalf("round %+v", r)
	}
	p := e.participant()
	for i := 1; i <= 5; i++ {
		v := e.start(r.ID, p)
		if v.AttemptNo != i || !v.Practice {
			t.Fatalf("practice attempt %d: %+v", i, v)
		}
		e.save(v, v.Questions[0], e.correct(v.Questions[0]))
		res, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rank != nil || len(res.Review) != 4 || !res.Review[0].Correct || res.Review[0].Explanation == "" {
			t.Fatalf("practice result: %+v", res)
		}
	}
	if e.board.records != 0 {
		t.Fatalf("practice attempts reached the board %d times", e.board.records)
	}
	if took, _ := e.svc.HasTakenPart(e.ctx, p); took {
		t.Fatal("practice alone locks registration")
	}
	st, err := e.svc.Ranking(e.ctx, r.ID, false)
	if err != nil || len(st) != 0 {
		t.Fatalf("practice ranking %v %v", st, err)
	}
}

// With the board down, a submit still succeeds but says no rank: ranking the
// whole round in Postgres on every submit would overload it exactly when it
// carries everything.
func TestSubmitWithoutRankWhenBoardDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	a, b := e.participant(), e.participant()
	va := e.start(r.ID, a)
	for _, q := range va.Questions {
		e.save(va, q, e.correct(q))
	}
	if _, err := e.svc.Submit(e.ctx, va.ID, a, SubmitInput{}); err != nil {
		t.Fatal(err)
	}
	e.board.mu.Lock()
	e.board.fail = true
	e.board.mu.Unlock()
	vb := e.start(r.ID, b)
	res, err := e.svc.Submit(e.ctx, vb.ID, b, SubmitInput{})
	if err != nil {
		t.Fatalf("a board failure failed the submit: %v", err)
	}
	if res.Rank != nil || res.Attempt.Status != AttemptSubmitted {
		t.Fatalf("submit with the board down: %+v", res)
	}
}

func TestHasTakenPartAndMyAttempts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.ClosesAt = t0.Add(time.Hour)
	r := e.round(in)
	p := e.participant()
	if took, err := e.svc.HasTakenPart(e.ctx, p); err != nil || took {
		t.Fatalf("before: %v %v", took, err)
	}
	v := e.start(r.ID, p)
	if took, err := e.svc.HasTakenPart(e.ctx, p); err != nil || !took {
		t.Fatalf("after: %v %v", took, err)
	}
	mine, err := e.svc.MyAttempts(e.ctx, p)
	if err != nil || len(mine) != 1 || mine[0].ID != v.ID || mine[0].Status != AttemptInProgress || mine[0].Score != nil {
		t.Fatalf("my attempts: %+v %v", mine, err)
	}
	e.svc.Submit(e.ctx, v.ID, p, SubmitInput{})
	e.clock.Set(in.ClosesAt)
	mine, _ = e.svc.MyAttempts(e.ctx, p)
	if mine[0].Score == nil || !mine[0].RoundClosed || !mine[0].ReviewAvailable || mine[0].ContestTitle == "" {
		t.Fatalf("my attempts after close: %+v", mine[0])
	}
}

func TestAttemptFinalizedOnReloadAfterTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	v := e.start(r.ID, p)
	e.save(v, v.Questions[0], e.correct(v.Questions[0]))
	e.clock.Set(v.DeadlineAt.Add(time.Minute))
	got, err := e.svc.Attempt(e.ctx, v.ID, p)
	if err != nil || got.Status != AttemptExpired || got.Result == nil || got.Result.Score != 5 {
		t.Fatalf("reload after time-out: %+v %v", got, err)
	}
}

// TestUnchangedAnswerNotRewritten: an answer sent again with the same
// option, by an autosave or in a submit's body, is acknowledged and left as
// it is (the same row version, its first saved_at); a changed one is
// rewritten, in a submit's body too.
func TestUnchangedAnswerNotRewritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	v := e.start(r.ID, p)
	qs := v.Questions
	type version struct {
		Xmin    string    `db:"xmin"`
		Option  string    `db:"option_id"`
		SavedAt time.Time `db:"saved_at"`
	}
	row := func(q ShownQuestion) version {
		t.Helper()
		var got version
		if err := e.db.Get(&got, `SELECT xmin::text AS xmin, option_id, saved_at FROM attempt_answers
			WHERE attempt_id = $1 AND question_id = $2`, v.ID, q.ID); err != nil {
			t.Fatal(err)
		}
		return got
	}
	e.save(v, qs[0], e.correct(qs[0]))
	e.save(v, qs[1], e.wrong(qs[1]))
	first0, first1 := row(qs[0]), row(qs[1])

	e.clock.Advance(time.Minute)
	e.save(v, qs[0], e.correct(qs[0]))
	if got := row(qs[0]); got != first0 {
		t.Fatalf("an autosave sent again unchanged rewrote the answer: %+v, was %+v", got, first0)
	}

	e.clock.Advance(time.Minute)
	res, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{Answers: map[string]string{
		strconv.FormatInt(qs[0].ID, 10): e.correct(qs[0]), // unchanged
		strconv.FormatInt(qs[1].ID, 10): e.correct(qs[1]), // changed
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempt.CorrectCount != 2 {
		t.Fatalf("scored %d correct, want 2", res.Attempt.CorrectCount)
	}
	if got := row(qs[0]); got != first0 {
		t.Fatalf("a submit's unchanged answer rewrote the row: %+v, was %+v", got, first0)
	}
	got1 := row(qs[1])
	if got1.Option != e.correct(qs[1]) || got1.Xmin == first1.Xmin || !got1.SavedAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("a submit's changed answer: %+v, was %+v", got1, first1)
	}
}
