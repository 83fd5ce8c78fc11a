package contest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/clock"
	"lawcontest/contest/leaderboard"
	"lawcontest/vntext"
)

// person inserts a participant with a name, a birth date and, when given,
// a citizen id, as registration stores them (name_key folded).
func (e *env) person(name, birth, citizenID string) int64 {
	e.t.Helper()
	e.mu.Lock()
	e.users++
	n := e.users
	e.mu.Unlock()
	var cid any
	if citizenID != "" {
		cid = citizenID
	}
	var id int64
	err := e.db.QueryRow(`
		INSERT INTO users (role, phone, password_hash, full_name, display_name, birth_date, citizen_id, email,
			name_key, created_at, updated_at)
		VALUES ('participant', $1, 'x', $2, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
		fmt.Sprintf("08%08d", n), name, birth, cid, fmt.Sprintf("p%d@example.vn", n), vntext.Fold(name), t0).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// done inserts a finished attempt of p with c correct answers (of 4) and a
// duration in seconds; submissions are a second apart in call order.
func (e *env) done(roundID, p int64, c int, seconds int64, prediction *int) *finished {
	e.t.Helper()
	e.mu.Lock()
	e.users++ // a counter for distinct submission times
	k := e.users
	e.mu.Unlock()
	var no int
	if err := e.db.Get(&no, `SELECT count(*) + 1 FROM attempts WHERE round_id = $1 AND participant_id = $2`, roundID, p); err != nil {
		e.t.Fatal(err)
	}
	f := &finished{participant: p, correct: c, durationMS: seconds * 1000,
		submitted: t0.Add(-50 * time.Minute).Add(time.Duration(k) * time.Second), prediction: prediction}
	e.insertFinished(roundID, f, no, 4)
	return f
}

func intp(v int) *int { return &v }

func (e *env) close(roundID int64) Closing {
	e.t.Helper()
	c, err := e.svc.Close(e.ctx, e.org, roundID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) results(roundID int64) RoundResults {
	e.t.Helper()
	r, err := e.svc.Results(e.ctx, roundID, 1000, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func ranking(rs RoundResults) []string {
	var out []string
	for _, e := range rs.Entries {
		out = append(out, fmt.Sprintf("%d:%d:%s", e.Rank, e.ParticipantID, e.Prize))
	}
	return out
}

func TestCloseComputesFinalRankingOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(2)
	in.PredictionQuestion = "Có bao nhiêu người trả lời đúng tất cả các câu hỏi?"
	r := e.round(in)

	a, b, c, d := e.participant(), e.participant(), e.participant(), e.participant()
	e.done(r.ID, a, 4, 300, intp(5)) // all correct: actual answer counts a and b
	e.done(r.ID, a, 2, 100, intp(1)) // a's worse attempt
	e.done(r.ID, b, 4, 200, intp(1))
	e.done(r.ID, c, 3, 100, intp(2)) // |2-2| = 0
	e.done(r.ID, d, 3, 100, intp(9)) // |9-2| = 7: d after c despite equal score and time
	inProgress := e.start(r.ID, e.participant())
	e.save(inProgress, inProgress.Questions[0], e.correct(inProgress.Questions[0]))

	first := e.close(r.ID)
	if first.CorrectPredictionAnswer != 2 || !first.HasPrediction || first.Participants != 5 || first.Finalized != 1 {
		t.Fatalf("closing: %+v", first)
	}
	res := e.results(r.ID)
	// b (|1-2|=1) before a (|5-2|=3): both all correct; then c, d, and the
	// finalized attempt with one correct answer.
	want := []int64{b, a, c, d}
	for i, en := range res.Entries[:4] {
		if en.ParticipantID != want[i] {
			t.Fatalf("rank %d is %d, want %d: %v", i+1, en.ParticipantID, want[i], ranking(res))
		}
	}
	if res.Entries[4].CorrectCount != 1 {
		t.Fatalf("the attempt in progress was not finalized with its saved answer: %+v", res.Entries[4])
	}
	if diff := *res.Entries[2].PredictionDiff; diff != 0 {
		t.Fatalf("c's prediction diff %d, want 0", diff)
	}

	// Closing again, from another instance too, changes nothing.
	other := New(e.db, e.bank, e.board, e.clock, Options{Grace: 5 * time.Second})
	e.clock.Advance(time.Hour)
	again, err := other.Close(e.ctx, e.org, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	first.Finalized = 0
	if again != first {
		t.Fatalf("second close %+v, first %+v", again, first)
	}
	if !reflect.DeepEqual(e.results(r.ID).Entries, res.Entries) {
		t.Fatal("results changed on a second close")
	}
	var audits int
	e.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'results.compute' AND entity_id = $1`, fmt.Sprint(r.ID))
	if audits != 1 {
		t.Fatalf("%d results.compute audit rows, want 1", audits)
	}
}

func TestConcurrentClosesComputeOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	for i := 0; i < 30; i++ {
		e.done(r.ID, e.participant(), i%5, int64(100+i%7), nil)
	}
	e.clock.Set(r.ClosesAt.Add(time.Minute))
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		s := New(e.db, e.bank, e.board, e.clock, Options{Grace: 5 * time.Second})
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.CloseDue(e.ctx)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1]+counts[2]+counts[3] != 1 {
		t.Fatalf("rounds closed per instance: %v, want one in all", counts)
	}
	c, err := e.svc.Closing(e.ctx, r.ID)
	if err != nil || !c.Automatic || c.Participants != 30 {
		t.Fatalf("closing %+v %v", c, err)
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM round_standings WHERE round_id = $1`, r.ID)
	if n != 30 {
		t.Fatalf("%d standings rows", n)
	}
}

func TestCloseDueWaitsForTheGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	v := e.start(r.ID, e.participant())
	e.save(v, v.Questions[0], e.correct(v.Questions[0]))
	// An attempt started late is cut at closes_at; its submit may still
	// arrive within the grace, so the round is not ranked before that.
	e.clock.Set(r.ClosesAt.Add(5 * time.Second))
	if n, err := e.svc.CloseDue(e.ctx); err != nil || n != 0 {
		t.Fatalf("closed within the grace: %d %v", n, err)
	}
	e.clock.Set(r.ClosesAt.Add(5*time.Second + time.Millisecond))
	if n, err := e.svc.CloseDue(e.ctx); err != nil || n != 1 {
		t.Fatalf("closed %d %v, want 1", n, err)
	}
	res := e.results(r.ID)
	if res.Total != 1 || res.Entries[0].CorrectCount != 1 {
		t.Fatalf("results %+v", res.Entries)
	}
	if n, err := e.svc.CloseDue(e.ctx); err != nil || n != 0 {
		t.Fatalf("closed again: %d %v", n, err)
	}
}

func TestCloseRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.OpensAt, in.ClosesAt = t0.Add(time.Hour), t0.Add(2*time.Hour)
	r := e.round(in)
	_, err := e.svc.Close(e.ctx, e.org, r.ID)
	wantCode(t, err, apperr.Conflict)
	_, err = e.svc.Close(e.ctx, e.org, 999999)
	wantCode(t, err, apperr.NotFound)
	_, err = e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{})
	wantCode(t, err, apperr.Conflict)
	_, err = e.svc.Results(e.ctx, r.ID, 10, 0)
	wantCode(t, err, apperr.NotFound)

	// A practice round closes but is never ranked.
	p := e.round(roundInput(0))
	c, err := e.svc.Close(e.ctx, e.org, p.ID)
	if err != nil || !c.Practice {
		t.Fatalf("practice close %+v %v", c, err)
	}
	_, err = e.svc.Publish(e.ctx, e.org, p.ID, PublishInput{})
	wantCode(t, err, apperr.Conflict)
}

func TestAssignPrizes(t *testing.T) {
	one := Prizes{First: 1}
	cases := []struct {
		name   string
		rounds []prizeRound
		one    bool
		want   map[int64]map[int64]string
	}{
		{"in rank order", []prizeRound{{ID: 1, Prizes: Prizes{First: 1, Second: 1, Third: 2, Consolation: 1}, Candidates: []int64{10, 11, 12, 13, 14, 15}}}, false,
			map[int64]map[int64]string{1: {10: PrizeFirst, 11: PrizeSecond, 12: PrizeThird, 13: PrizeThird, 14: PrizeConsolation}}},
		{"fewer people than prizes", []prizeRound{{ID: 1, Prizes: Prizes{First: 1, Second: 2}, Candidates: []int64{10, 11}}}, false,
			map[int64]map[int64]string{1: {10: PrizeFirst, 11: PrizeSecond}}},
		{"without the limit a person wins in both rounds", []prizeRound{
			{ID: 1, Prizes: Prizes{First: 1, Second: 1}, Candidates: []int64{10, 11, 12}},
			{ID: 2, Prizes: Prizes{First: 1, Second: 1}, Candidates: []int64{11, 10, 12}}}, false,
			map[int64]map[int64]string{1: {10: PrizeFirst, 11: PrizeSecond}, 2: {11: PrizeFirst, 10: PrizeSecond}}},
		{"the higher prize stays and the next moves up", []prizeRound{
			{ID: 1, Prizes: Prizes{First: 1, Second: 1}, Candidates: []int64{10, 11, 12}},
			{ID: 2, Prizes: Prizes{First: 1, Second: 1}, Candidates: []int64{11, 10, 13}}}, true,
			map[int64]map[int64]string{1: {10: PrizeFirst, 12: PrizeSecond}, 2: {11: PrizeFirst, 13: PrizeSecond}}},
		{"equal prizes: the earlier round's stays", []prizeRound{
			{ID: 1, Prizes: one, Candidates: []int64{10, 11}},
			{ID: 2, Prizes: one, Candidates: []int64{10, 12}}}, true,
			map[int64]map[int64]string{1: {10: PrizeFirst}, 2: {12: PrizeFirst}}},
		{"a consolation winner elsewhere takes a third prize here", []prizeRound{
			{ID: 1, Prizes: Prizes{Third: 1, Consolation: 1}, Candidates: []int64{20, 21, 22}},
			{ID: 2, Prizes: Prizes{Third: 1}, Candidates: []int64{21, 23}}}, true,
			map[int64]map[int64]string{1: {20: PrizeThird, 22: PrizeConsolation}, 2: {21: PrizeThird}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := assignPrizes(c.rounds, c.one)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestOnePrizePerPersonKeepsTheHigher runs the rule through the database:
// a person who would win a second prize in round 1 and a first prize in
// round 2 keeps the first prize; round 1's second prize goes to the next.
func TestOnePrizePerPersonKeepsTheHigher(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.quizContest()
	mk := func(title string, opens time.Duration) Round {
		in := roundInput(1)
		in.Title, in.OpensAt = title, t0.Add(opens)
		r, err := e.svc.CreateRound(e.ctx, e.org, c.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SetRoundPrizes(e.ctx, e.org, r.ID, Prizes{First: 1, Second: 1}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1, r2 := mk("Đợt 1", -2*time.Hour), mk("Đợt 2", -time.Hour)
	x, y, z, w := e.participant(), e.participant(), e.participant(), e.participant()
	e.done(r1.ID, x, 4, 100, nil)
	e.done(r1.ID, y, 3, 100, nil) // second in round 1 ...
	e.done(r1.ID, z, 2, 100, nil)
	e.done(r2.ID, y, 4, 100, nil) // ... first in round 2
	e.done(r2.ID, w, 3, 100, nil)
	e.close(r1.ID)
	e.close(r2.ID)

	prizesOf := func(r Round) map[int64]string {
		out := map[int64]string{}
		for _, en := range e.results(r.ID).Entries {
			if en.Prize != "" {
				out[en.ParticipantID] = en.Prize
			}
		}
		return out
	}
	if got := prizesOf(r1); !reflect.DeepEqual(got, map[int64]string{x: PrizeFirst, y: PrizeSecond}) {
		t.Fatalf("without the limit, round 1: %v", got)
	}
	if _, err := e.svc.SetContestPrizeRules(e.ctx, e.org, c.ID, PrizeRules{OnePrizePerPerson: true}); err != nil {
		t.Fatal(err)
	}
	if got := prizesOf(r1); !reflect.DeepEqual(got, map[int64]string{x: PrizeFirst, z: PrizeSecond}) {
		t.Fatalf("round 1: %v, want x first and z moved up to second", got)
	}
	if got := prizesOf(r2); !reflect.DeepEqual(got, map[int64]string{y: PrizeFirst, w: PrizeSecond}) {
		t.Fatalf("round 2: %v, want y first", got)
	}
	rules, err := e.svc.ContestPrizeRules(e.ctx, c.ID)
	if err != nil || !rules.OnePrizePerPerson {
		t.Fatalf("rules %+v %v", rules, err)
	}
	es, _ := audit.List(e.ctx, e.db, "contest", fmt.Sprint(c.ID), 10)
	if len(es) == 0 || es[0].Action != "results.prize_rules" {
		t.Fatalf("prize rules not audited: %+v", es)
	}
}

func TestDisqualifiedAccountDisappearsAndTheNextMovesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	if _, err := e.svc.SetRoundPrizes(e.ctx, e.org, r.ID, Prizes{First: 1, Second: 1, Third: 1}); err != nil {
		t.Fatal(err)
	}
	var ps []int64
	for i := 0; i < 5; i++ {
		p := e.participant()
		ps = append(ps, p)
		e.done(r.ID, p, 4-i%5, 100, nil)
	}
	e.close(r.ID)
	if got, want := ranking(e.results(r.ID)), []string{
		fmt.Sprintf("1:%d:first", ps[0]), fmt.Sprintf("2:%d:second", ps[1]), fmt.Sprintf("3:%d:third", ps[2]),
		fmt.Sprintf("4:%d:", ps[3]), fmt.Sprintf("5:%d:", ps[4]),
	}; !reflect.DeepEqual(got, want) {
		t.Fatalf("before: %v, want %v", got, want)
	}
	pub1, err := e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := e.svc.Disqualify(e.ctx, e.org, r.ContestID, DisqualifyInput{ParticipantID: ps[1]}); !apperr.Is(err, apperr.Validation) {
		t.Fatalf("disqualify without a reason: %v", err)
	}
	d, err := e.svc.Disqualify(e.ctx, e.org, r.ContestID, DisqualifyInput{ParticipantID: ps[1], Reason: "Hai tài khoản của cùng một người"})
	if err != nil || d.Reason == "" || d.FullName == "" {
		t.Fatalf("disqualify: %+v %v", d, err)
	}
	// Again: nothing changes, no second audit row.
	if _, err := e.svc.Disqualify(e.ctx, e.org, r.ContestID, DisqualifyInput{ParticipantID: ps[1], Reason: "lần nữa"}); err != nil {
		t.Fatal(err)
	}
	res := e.results(r.ID)
	if got, want := ranking(res), []string{
		fmt.Sprintf("1:%d:first", ps[0]), fmt.Sprintf("2:%d:second", ps[2]), fmt.Sprintf("3:%d:third", ps[3]),
		fmt.Sprintf("4:%d:", ps[4]),
	}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after: %v, want %v", got, want)
	}
	if res.Total != 4 || res.Disqualified != 1 || !res.Differs {
		t.Fatalf("total %d, disqualified %d, differs %v", res.Total, res.Disqualified, res.Differs)
	}
	var audits int
	e.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'results.disqualify'`)
	if audits != 1 {
		t.Fatalf("%d disqualify audit rows", audits)
	}

	// The published list stands until republished with a reason.
	pub, err := e.svc.PublishedResults(e.ctx, r.ID, 100, 0)
	if err != nil || pub.Total != 5 || pub.Entries[1].Prize != PrizeSecond || pub.Version != 1 {
		t.Fatalf("published: %+v %v", pub, err)
	}
	same, err := e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{})
	if err != nil || !reflect.DeepEqual(same, pub1) {
		t.Fatalf("publishing again: %+v, want %+v (%v)", same, pub1, err)
	}
	_, err = e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{Republish: true})
	wantCode(t, err, apperr.Validation)
	pub2, err := e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{Republish: true, Reason: "Loại tài khoản trùng lặp"})
	if err != nil || pub2.Version != 2 || pub2.Entries != 4 {
		t.Fatalf("republish: %+v %v", pub2, err)
	}
	pub, _ = e.svc.PublishedResults(e.ctx, r.ID, 100, 0)
	if pub.Total != 4 || pub.Entries[1].Prize != PrizeSecond || pub.Reason == "" || pub.Version != 2 {
		t.Fatalf("republished: %+v", pub)
	}
	if e.results(r.ID).Differs {
		t.Fatal("still differs after republishing")
	}
	// The old list is kept.
	var old int
	e.db.Get(&old, `SELECT count(*) FROM round_published_results WHERE publication_id = $1`, pub1.ID)
	if old != 5 {
		t.Fatalf("old publication has %d lines, want 5", old)
	}

	// Lifting the disqualification puts the account back.
	if err := e.svc.LiftDisqualification(e.ctx, e.org, r.ContestID, ps[1], "Đã xác minh"); err != nil {
		t.Fatal(err)
	}
	if got := e.results(r.ID).Total; got != 5 {
		t.Fatalf("after lifting: %d", got)
	}
	wantCode(t, e.svc.LiftDisqualification(e.ctx, e.org, r.ContestID, ps[1], "x"), apperr.NotFound)
}

func TestPublishedResultsAreFrozen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()
	e.done(r.ID, p, 4, 100, nil)
	e.close(r.ID)
	_, err := e.svc.PublishedResults(e.ctx, r.ID, 10, 0)
	wantCode(t, err, apperr.NotFound)
	if _, err := e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{}); err != nil {
		t.Fatal(err)
	}
	before, err := e.svc.PublishedResults(e.ctx, r.ID, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	// An organizer corrects the name: the published list keeps the old one.
	e.db.MustExec(`UPDATE users SET full_name = 'Lê Thị Hoa' WHERE id = $1`, p)
	after, _ := e.svc.PublishedResults(e.ctx, r.ID, 10, 0)
	if !reflect.DeepEqual(before, after) || after.Entries[0].DisplayName != "Nguyễn V. A." {
		t.Fatalf("published list changed: %+v -> %+v", before, after)
	}
	es, _ := audit.List(e.ctx, e.db, "round", fmt.Sprint(r.ID), 10)
	if es[0].Action != "results.publish" || es[0].ActorID == nil || *es[0].ActorID != e.org.ID {
		t.Fatalf("publish not audited: %+v", es[0])
	}
}

func TestDuplicateReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	if _, err := e.svc.SetRoundPrizes(e.ctx, e.org, r.ID, Prizes{First: 1, Second: 1}); err != nil {
		t.Fatal(err)
	}
	winner := e.person("Nguyễn Văn Minh", "2008-03-04", "001208000001")
	twin := e.person("NGUYỄN  VĂN MINH", "2008-03-04", "")    // same folded name and birth date
	namesake := e.person("Nguyễn Văn Minh", "2009-03-04", "") // another birth date: not a match
	second := e.person("Trần Thị Lan", "2007-01-01", "")
	e.done(r.ID, winner, 4, 100, nil)
	e.done(r.ID, second, 3, 100, nil)
	e.done(r.ID, twin, 2, 100, nil)
	e.done(r.ID, namesake, 1, 100, nil)
	e.close(r.ID)

	groups, err := e.svc.Duplicates(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Winner.ParticipantID != winner || len(groups[0].Matches) != 1 {
		t.Fatalf("groups %+v", groups)
	}
	m := groups[0].Matches[0]
	if m.ParticipantID != twin || !m.SameNameAndBirth || m.SameCitizenID || m.Place != 3 || !m.TookPart {
		t.Fatalf("match %+v", m)
	}
	if groups[0].Winner.Prize != PrizeFirst || groups[0].Winner.CitizenID == "" || groups[0].Winner.Phone == "" {
		t.Fatalf("winner %+v", groups[0].Winner)
	}

	// The organizer disqualifies the winner's account; the twin was third
	// and is now second, a would-be winner with a duplicate of their own.
	if _, err := e.svc.Disqualify(e.ctx, e.org, r.ContestID, DisqualifyInput{ParticipantID: winner, Reason: "Trùng tài khoản"}); err != nil {
		t.Fatal(err)
	}
	groups, err = e.svc.Duplicates(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Winner.ParticipantID != twin || !groups[0].Matches[0].Disqualified {
		t.Fatalf("after disqualifying: %+v", groups)
	}
}

func TestSetRoundPrizesChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	if p, err := e.svc.RoundPrizes(e.ctx, r.ID); err != nil || p != DefaultPrizes() {
		t.Fatalf("defaults %+v %v", p, err)
	}
	_, err := e.svc.SetRoundPrizes(e.ctx, e.org, r.ID, Prizes{First: -1})
	wantCode(t, err, apperr.Validation)
	want := Prizes{First: 1, Second: 3, Third: 5, Consolation: 20}
	if _, err := e.svc.SetRoundPrizes(e.ctx, e.org, r.ID, want); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.svc.RoundPrizes(e.ctx, r.ID); p != want {
		t.Fatalf("prizes %+v", p)
	}
	p := e.round(roundInput(0))
	_, err = e.svc.SetRoundPrizes(e.ctx, e.org, p.ID, want)
	wantCode(t, err, apperr.Conflict)
}

// TestStartWaitsForAClose: a start that read the round while it was open
// but reaches the database while an organizer's close holds the round is
// refused once the close commits, so no attempt escapes the final ranking.
func TestStartWaitsForAClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	p := e.participant()

	tx := e.db.MustBegin()
	tx.MustExec(`SELECT id FROM rounds WHERE id = $1 FOR UPDATE`, r.ID)
	errc := make(chan error, 1)
	go func() {
		_, _, err := e.svc.Start(e.ctx, r.ID, p)
		errc <- err
	}()
	// Wait until the start is blocked on the round's row lock.
	for {
		var waiting bool
		if err := e.db.Get(&waiting, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock')`); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("start did not wait: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	tx.MustExec(`UPDATE rounds SET closes_at = $2 WHERE id = $1`, r.ID, t0)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, <-errc, apperr.RoundNotOpen)
	var n int
	e.db.Get(&n, `SELECT count(*) FROM attempts WHERE round_id = $1`, r.ID)
	if n != 0 {
		t.Fatalf("%d attempts started in a closed round", n)
	}
}

// TestPredictionTieBreakOrdersByCloseness: two people with the same score;
// the one whose prediction is closer to the true number ranks first in
// the final results even though the other was faster and submitted
// earlier (who ranks first on the live board, which has no prediction).
func TestPredictionTieBreakOrdersByCloseness(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.PredictionQuestion = "Có bao nhiêu người trả lời đúng tất cả các câu hỏi?"
	r := e.round(in)
	fast, near := e.participant(), e.participant()
	e.done(r.ID, fast, 3, 100, intp(10)) // |10-3| = 7, faster, earlier
	e.done(r.ID, near, 3, 500, intp(2))  // |2-3| = 1
	for i := 0; i < 3; i++ {
		e.done(r.ID, e.participant(), 4, 600, nil) // the true answer is 3; no prediction ranks last among equals
	}
	live, err := e.svc.Ranking(e.ctx, r.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if live[3].ParticipantID != fast || live[4].ParticipantID != near {
		t.Fatalf("live order %+v", live)
	}
	c := e.close(r.ID)
	if c.CorrectPredictionAnswer != 3 {
		t.Fatalf("true answer %d, want 3", c.CorrectPredictionAnswer)
	}
	res := e.results(r.ID)
	if res.Entries[3].ParticipantID != near || *res.Entries[3].PredictionDiff != 1 ||
		res.Entries[4].ParticipantID != fast || *res.Entries[4].PredictionDiff != 7 {
		t.Fatalf("final order %v", ranking(res))
	}
}

// A disqualified account leaves the live board at once (not only the
// results at close), stays off it when it submits again or the board is
// rebuilt from Postgres, and comes back once reinstated.
func TestDisqualifiedAccountLeavesTheLiveBoard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(3))
	cheat, other := e.participant(), e.participant()
	submit := func(p int64) {
		t.Helper()
		v := e.start(r.ID, p)
		if _, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{}); err != nil {
			t.Fatal(err)
		}
	}
	position := func(p int64) int64 {
		t.Helper()
		pos, _, err := e.board.Rank(e.ctx, r.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		return pos
	}
	submit(cheat)
	submit(other)
	if position(cheat) == 0 || position(other) == 0 {
		t.Fatal("submits not on the board")
	}
	if _, err := e.svc.Disqualify(e.ctx, e.org, r.ContestID, DisqualifyInput{ParticipantID: cheat, Reason: "Trùng tài khoản"}); err != nil {
		t.Fatal(err)
	}
	if position(cheat) != 0 || position(other) != 1 {
		t.Fatalf("after the disqualification: cheat at %d, other at %d", position(cheat), position(other))
	}
	submit(cheat) // a second attempt, finished while disqualified
	if position(cheat) != 0 {
		t.Fatal("a disqualified account's new attempt went on the live board")
	}
	// A rebuild from Postgres leaves them out too.
	var inRebuild []int64
	if err := leaderboard.NewStore(e.db, clock.NewFake(t0)).BestEntries(e.ctx, r.ID, func(en leaderboard.Entry) bool {
		inRebuild = append(inRebuild, en.ParticipantID)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inRebuild, []int64{other}) {
		t.Fatalf("a rebuilt board would hold %v, want only %d", inRebuild, other)
	}
	if err := e.svc.LiftDisqualification(e.ctx, e.org, r.ContestID, cheat, "Đã xác minh là hai người khác nhau"); err != nil {
		t.Fatal(err)
	}
	if position(cheat) == 0 {
		t.Fatal("the reinstated account is not back on the live board")
	}
	// With the board down, a disqualification is still stored (the board
	// is rebuilt from Postgres, without the account, when it comes back).
	e.board.mu.Lock()
	e.board.fail = true
	e.board.mu.Unlock()
	if _, err := e.svc.Disqualify(e.ctx, e.org, r.ContestID, DisqualifyInput{ParticipantID: cheat, Reason: "Trùng tài khoản"}); err != nil {
		t.Fatalf("disqualify with the board down: %v", err)
	}
	if _, err := e.svc.disqualification(e.ctx, r.ContestID, cheat); err != nil {
		t.Fatalf("the disqualification was not stored with the board down: %v", err)
	}
}
