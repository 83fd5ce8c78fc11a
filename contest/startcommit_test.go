package contest

import (
	"testing"
	"time"

	"lawcontest/questions"
)

// One group of starts committed in one transaction gives each its own
// outcome: a new attempt, a resume, a refusal past the limit (after
// finishing an expired attempt), a closed round.
func TestStartGroupOutcomesPerItem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	closedIn := roundInput(1)
	closedIn.ClosesAt = t0.Add(time.Minute)
	closed := e.round(closedIn)
	twice := e.round(roundInput(2))
	fresh, resuming, expiring, late, again := e.participant(), e.participant(), e.participant(), e.participant(), e.participant()
	cur := e.start(r.ID, resuming)
	old := e.start(r.ID, expiring)    // its deadline passes below; the limit is one attempt
	first := e.start(twice.ID, again) // the same, in a round of two attempts

	now := t0.Add(11 * time.Minute) // past old's 10-minute deadline
	item := func(round Round, p int64) *startItem {
		paper, err := e.bank.Draw(e.ctx, round.Blueprint, int64(p))
		if err != nil {
			t.Fatal(err)
		}
		it := &startItem{round: round, participantID: p, paper: paper, now: now, deadline: now.Add(10 * time.Minute)}
		if err := it.encode(); err != nil {
			t.Fatal(err)
		}
		return it
	}
	curItem := item(r, resuming)
	curItem.now = cur.StartedAt.Add(time.Minute) // still within cur's time
	items := []*startItem{item(r, fresh), curItem, item(r, expiring), item(closed, late), item(twice, again)}
	if err := e.svc.st.startGroup(e.ctx, items); err != nil {
		t.Fatal(err)
	}

	if it := items[0]; it.created.ID == 0 || it.created.AttemptNo != 1 || it.closed || it.limited || it.resumeID != 0 {
		t.Fatalf("new start: %+v", it)
	}
	if it := items[1]; it.resumeID != cur.ID || it.created.ID != 0 {
		t.Fatalf("resume: resumeID %d created %+v, want %d", it.resumeID, it.created, cur.ID)
	}
	if it := items[2]; !it.limited || it.created.ID != 0 || len(it.finalized) != 1 || it.finalized[0].ID != old.ID ||
		it.finalized[0].Status != AttemptExpired {
		t.Fatalf("past the limit: limited %v created %+v finalized %+v", it.limited, it.created, it.finalized)
	}
	if it := items[3]; !it.closed || it.created.ID != 0 {
		t.Fatalf("closed round: %+v", it)
	}
	if it := items[4]; it.limited || it.created.ID == 0 || it.created.AttemptNo != 2 || len(it.finalized) != 1 ||
		it.finalized[0].ID != first.ID || it.finalized[0].Status != AttemptExpired {
		t.Fatalf("second attempt after an expired one: limited %v created %+v finalized %+v", it.limited, it.created, it.finalized)
	}

	var got []struct {
		Participant int64  `db:"participant_id"`
		Status      string `db:"status"`
		StartedAt   time.Time
	}
	if err := e.db.Select(&got, `SELECT participant_id, status, started_at AS startedat FROM attempts ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		p      int64
		status string
	}{{resuming, AttemptInProgress}, {expiring, AttemptExpired}, {again, AttemptExpired}, {fresh, AttemptInProgress}, {again, AttemptInProgress}}
	if len(got) != len(want) {
		t.Fatalf("attempts %+v", got)
	}
	for i, w := range want {
		if got[i].Participant != w.p || got[i].Status != w.status {
			t.Fatalf("attempt %d: %+v, want %+v", i, got[i], w)
		}
	}
	if !got[3].StartedAt.Equal(now) {
		t.Fatalf("new attempt started at %v, want %v", got[3].StartedAt, now)
	}
}

// A cached paper answers for its questions and options only.
func TestCachedPaperCheck(t *testing.T) {
	p := newCachedPaper(7, []questions.PaperRef{
		{QuestionID: 11, OptionOrder: []string{"aaaa", "bb", "c"}},
		{QuestionID: 12, OptionOrder: []string{"dd"}},
		{QuestionID: 13, OptionOrder: []string{"e", "f"}},
	})
	for _, c := range []struct {
		q        int64
		o        string
		qOK, oOK bool
	}{
		{11, "aaaa", true, true}, {11, "c", true, true}, {12, "dd", true, true},
		{11, "dd", true, false}, {11, "aa", true, false}, {11, "", true, false}, {11, "bb\x00c", true, false},
		{13, "f", true, true}, {13, "dd", true, false}, {12, "c", true, false}, {12, "e", true, false},
		{14, "aaaa", false, false},
	} {
		if q, o := p.check(c.q, c.o); q != c.qOK || o != c.oOK {
			t.Errorf("check(%d, %q) = %v, %v; want %v, %v", c.q, c.o, q, o, c.qOK, c.oOK)
		}
	}
}
