package contest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"lawcontest/apperr"
)

// One group of autosaves committed by one statement gives each its own
// result: the valid ones are stored, every refused one is refused for its
// own reason and changes nothing.
func TestAutosaveGroupResultsPerItem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p1, p2, p3 := e.participant(), e.participant(), e.participant()
	v1, v2, v3 := e.start(r.ID, p1), e.start(r.ID, p2), e.start(r.ID, p3)
	if _, err := e.svc.Submit(e.ctx, v3.ID, p3, SubmitInput{}); err != nil {
		t.Fatal(err)
	}
	now := e.svc.now()
	cutoff := now.Add(-e.svc.grace)
	q0, q1 := v1.Questions[0], v1.Questions[1]
	items := []*answerSave{
		{attemptID: v1.ID, participantID: p1, questionID: q0.ID, optionID: q0.Options[1].ID},                           // stored
		{attemptID: v1.ID, participantID: p1, questionID: q1.ID, optionID: q0.Options[0].ID},                           // another question's option
		{attemptID: v1.ID, participantID: p1, questionID: 999_999, optionID: q0.Options[0].ID},                         // not in the paper
		{attemptID: v2.ID, participantID: p1, questionID: v2.Questions[0].ID, optionID: v2.Questions[0].Options[0].ID}, // someone else's
		{attemptID: v2.ID, participantID: p2, questionID: v2.Questions[2].ID, optionID: v2.Questions[2].Options[3].ID}, // stored
		{attemptID: v3.ID, participantID: p3, questionID: v3.Questions[0].ID, optionID: v3.Questions[0].Options[0].ID}, // submitted
		{attemptID: 987_654, participantID: p1, questionID: q0.ID, optionID: q0.Options[0].ID},                         // no such attempt
	}
	late := &answerSave{attemptID: v2.ID, participantID: p2, questionID: v2.Questions[1].ID,
		optionID: v2.Questions[1].Options[0].ID, cutoff: v2.DeadlineAt.Add(time.Millisecond)}
	items = append(items, late) // past its deadline and grace
	for _, it := range items {
		it.now = now
		if it != late {
			it.cutoff = cutoff
		}
		// As SaveAnswer does: the answer checked against the paper first.
		p, err := e.svc.papers.get(e.ctx, it.attemptID)
		if err != nil {
			t.Fatal(err)
		}
		if p != nil {
			it.questionOK, it.optionOK = p.check(it.questionID, it.optionID)
		}
	}
	// The unknown attempt's answer is let through the paper check, so that
	// only the statement's own lookup of the attempt keeps it out: no
	// foreign key does (migration 0620).
	items[6].questionOK, items[6].optionOK = true, true
	if err := e.svc.st.saveAnswerGroup(e.ctx, items); err != nil {
		t.Fatal(err)
	}
	want := []apperr.Code{"", apperr.Validation, apperr.Validation, apperr.NotFound, "", apperr.Conflict, apperr.NotFound, apperr.DeadlinePassed}
	for i, it := range items {
		err := it.res.err()
		if want[i] == "" && err != nil || want[i] != "" && !apperr.Is(err, want[i]) {
			t.Errorf("item %d: got %v, want %q", i, err, want[i])
		}
	}
	var stored []string
	if err := e.db.Select(&stored, `SELECT attempt_id || ':' || question_id || ':' || option_id FROM attempt_answers ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	wantStored := []string{
		fmt.Sprintf("%d:%d:%s", v1.ID, q0.ID, q0.Options[1].ID),
		fmt.Sprintf("%d:%d:%s", v2.ID, v2.Questions[2].ID, v2.Questions[2].Options[3].ID),
	}
	if fmt.Sprint(stored) != fmt.Sprint(sortedStrings(wantStored)) {
		t.Fatalf("stored %v, want %v", stored, sortedStrings(wantStored))
	}
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	slices.Sort(out)
	return out
}

// Many participants autosaving at once, several saves of one question
// racing each other: every acknowledged save is stored, and the last
// acknowledged save of a question that nobody raced is what Postgres holds.
func TestAutosaveConcurrentGroups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	const people = 12
	vs := make([]AttemptView, people)
	owners := make([]int64, people)
	for i := range vs {
		owners[i] = e.participant()
		vs[i] = e.start(r.ID, owners[i])
	}
	var wg sync.WaitGroup
	errs := make(chan error, people*64)
	for i := range vs {
		v, p := vs[i], owners[i]
		// Question 0 is saved by three racing requests; the others once
		// each, in order, by one phone.
		for k := 0; k < 3; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q := v.Questions[0]
				errs <- e.svc.SaveAnswer(e.ctx, v.ID, p, q.ID, q.Options[k].ID)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range v.Questions[1:] {
				errs <- e.svc.SaveAnswer(e.ctx, v.ID, p, q.ID, q.Options[2].ID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range vs {
		var got map[string]string
		a, err := e.svc.st.attempt(e.ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		got = a.Answers
		if len(got) != len(v.Questions) {
			t.Fatalf("attempt %d: %d answers stored, want %d", i, len(got), len(v.Questions))
		}
		for _, q := range v.Questions[1:] {
			if o := got[fmt.Sprint(q.ID)]; o != q.Options[2].ID {
				t.Fatalf("attempt %d question %d: stored %q, want %q", i, q.ID, o, q.Options[2].ID)
			}
		}
		racing := v.Questions[0]
		if o := got[fmt.Sprint(racing.ID)]; o != racing.Options[0].ID && o != racing.Options[1].ID && o != racing.Options[2].ID {
			t.Fatalf("attempt %d: raced question stored %q", i, o)
		}
	}
}

// Groups form while a commit is in flight, never hold two saves of one
// question, never exceed their size, and commit in arrival order with at
// most maxRunning at once.
func TestGroupCommitForming(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan int, 10)
	var (
		mu      sync.Mutex
		groups  [][]saveKey
		running int
		peak    int
	)
	g := newGroupCommit(3, 1, func(ctx context.Context, items []*answerSave) error {
		mu.Lock()
		running++
		peak = max(peak, running)
		var ks []saveKey
		for _, it := range items {
			ks = append(ks, saveKey{it.attemptID, it.questionID})
		}
		groups = append(groups, ks)
		mu.Unlock()
		entered <- len(items)
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return nil
	})
	ctx := context.Background()
	var wg sync.WaitGroup
	save := func(a, q int64) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.save(ctx, &answerSave{attemptID: a, questionID: q}); err != nil {
				t.Error(err)
			}
		}()
	}
	save(1, 1)
	<-entered // the first group is being committed alone
	queued := func() int {
		g.mu.Lock()
		defer g.mu.Unlock()
		n := 0
		for _, grp := range g.queue {
			n += len(grp.items)
		}
		return n
	}
	// Queued one at a time so the order is known.
	for i, k := range []saveKey{{2, 1}, {2, 2}, {2, 1}, {3, 1}, {4, 1}} {
		save(k.attempt, k.question)
		for queued() != i+1 {
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	wg.Wait()
	want := "[[{1 1}] [{2 1} {2 2}] [{2 1} {3 1} {4 1}]]"
	if got := fmt.Sprint(groups); got != want {
		t.Fatalf("groups %s, want %s", got, want)
	}
	if peak != 1 {
		t.Fatalf("%d groups committed at once, want at most 1", peak)
	}
	if st := g.stats.snapshot(); st.Groups != 3 || st.Items != 6 || st.Failed != 0 || st.CommitTime <= 0 {
		t.Fatalf("counters %+v, want 3 groups of 6 items, none failed, some commit time", st)
	}
	// A failed group is counted as failed.
	f := newGroupCommit(3, 1, func(context.Context, []*answerSave) error { return fmt.Errorf("down") })
	if err := f.save(ctx, &answerSave{attemptID: 1, questionID: 1}); err == nil {
		t.Fatal("a failed group's item saw no error")
	}
	if st := f.stats.snapshot(); st.Groups != 1 || st.Items != 1 || st.Failed != 1 {
		t.Fatalf("counters after a failure %+v", st)
	}
}

// TestAfterCommitRunsOutsideTheSlot checks that a group's afterCommit
// runs once its commit is done, while the next group commits (one
// committer here), that its callers are answered only after it, and that
// a failed group skips it.
func TestAfterCommitRunsOutsideTheSlot(t *testing.T) {
	t.Parallel()
	committed := make(chan int64, 4)
	inAfter := make(chan int64, 4)
	releaseAfter := make(chan struct{})
	g := newGroupCommit(1, 1, func(ctx context.Context, items []*answerSave) error {
		if items[0].attemptID == 3 {
			return fmt.Errorf("down")
		}
		committed <- items[0].attemptID
		return nil
	})
	g.afterCommit = func(ctx context.Context, items []*answerSave) {
		inAfter <- items[0].attemptID
		if items[0].attemptID == 1 {
			<-releaseAfter
		}
	}
	ctx := context.Background()
	firstDone := make(chan error, 1)
	go func() { firstDone <- g.save(ctx, &answerSave{attemptID: 1, questionID: 1}) }()
	if id := <-inAfter; id != 1 {
		t.Fatalf("afterCommit of attempt %d first, want 1", id)
	}
	// The first group's afterCommit holds; the second group commits and
	// is answered meanwhile.
	secondDone := make(chan error, 1)
	go func() { secondDone <- g.save(ctx, &answerSave{attemptID: 2, questionID: 1}) }()
	select {
	case err := <-secondDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		close(releaseAfter)
		t.Fatal("the second group waited for the first group's afterCommit")
	}
	if got := []int64{<-committed, <-committed}; got[0] != 1 || got[1] != 2 {
		t.Fatalf("committed %v, want [1 2]", got)
	}
	if id := <-inAfter; id != 2 {
		t.Fatalf("afterCommit of attempt %d, want 2", id)
	}
	select {
	case err := <-firstDone:
		t.Fatalf("the first caller returned (%v) before its afterCommit ended", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(releaseAfter)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if err := g.save(ctx, &answerSave{attemptID: 3, questionID: 1}); err == nil {
		t.Fatal("a failed group's item saw no error")
	}
	select {
	case id := <-inAfter:
		t.Fatalf("afterCommit ran for the failed group of attempt %d", id)
	default:
	}
}
