package essay

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lawcontest/apperr"
)

func TestSubmitOnePerPersonAndEditUntilDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	p := f.participant(f.unit("Trường THCS Nguyễn Du"))

	e := f.submit(p, c, "  Một lời  tử tế ", essayOne)
	if !strings.HasPrefix(e.Code, "BV-") || len(e.Code) != 9 || e.Status != StatusSubmitted || e.WordCount != CountWords(essayOne) {
		t.Fatalf("essay %+v", e)
	}
	if e.Title != "Một lời tử tế" {
		t.Fatalf("title not cleaned: %q", e.Title)
	}

	_, err := f.svc.Submit(f.ctx, p.Actor, c, Draft{Title: "Bài thứ hai", Body: essayTwo, Declaration: true})
	wantCode(t, err, apperr.Conflict)

	edited, err := f.svc.Edit(f.ctx, p.Actor, e.ID, Draft{Title: "Một lời tử tế (sửa)", Body: essayTwo})
	if err != nil || edited.Code != e.Code || edited.Title != "Một lời tử tế (sửa)" || !edited.SubmittedAt.Equal(e.SubmittedAt) {
		t.Fatalf("edit: %+v, %v", edited, err)
	}

	// Someone else's essay is not found for them.
	other := f.participant(0)
	_, err = f.svc.Edit(f.ctx, other.Actor, e.ID, Draft{Title: "x", Body: "y"})
	wantCode(t, err, apperr.NotFound)

	f.clock.Set(closeAt)
	_, err = f.svc.Edit(f.ctx, p.Actor, e.ID, Draft{Title: "Muộn", Body: essayOne})
	wantCode(t, err, apperr.DeadlinePassed)
	_, err = f.svc.Submit(f.ctx, other.Actor, c, Draft{Title: "Muộn", Body: essayOne, Declaration: true})
	wantCode(t, err, apperr.DeadlinePassed)

	mine, err := f.svc.MyEssays(f.ctx, p.Actor)
	if err != nil || len(mine) != 1 || mine[0].Title != "Một lời tử tế (sửa)" || mine[0].Status != StatusJudging || mine[0].Result != nil {
		t.Fatalf("my essays: %+v, %v", mine, err)
	}
}

func TestSubmitRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	quiz := f.contest("quiz")
	org := f.organizer()
	if _, err := f.svc.SetSettings(f.ctx, org.Actor, c, Settings{WordLimit: 50, JudgesPerEssay: 2, DiscrepancyThreshold: 20, FinalRule: RuleMean}); err != nil {
		t.Fatal(err)
	}
	p := f.participant(0)
	judge := f.user(RoleJudge, "Giám khảo", 0)

	cases := []struct {
		name  string
		by    Actor
		id    int64
		d     Draft
		code  apperr.Code
		field string
	}{
		{"staff", judge.Actor, c, Draft{Title: "t", Body: "b", Declaration: true}, apperr.Forbidden, ""},
		{"organizer", org.Actor, c, Draft{Title: "t", Body: "b", Declaration: true}, apperr.Forbidden, ""},
		{"quiz contest", p.Actor, quiz, Draft{Title: "t", Body: "b", Declaration: true}, apperr.NotFound, ""},
		{"no title", p.Actor, c, Draft{Title: " ", Body: "b", Declaration: true}, apperr.Validation, "title"},
		{"no body", p.Actor, c, Draft{Title: "t", Body: " — ", Declaration: true}, apperr.Validation, "body"},
		{"too long", p.Actor, c, Draft{Title: "t", Body: strings.Repeat("chữ ", 51), Declaration: true}, apperr.Validation, "body"},
		{"no declaration", p.Actor, c, Draft{Title: "t", Body: "b"}, apperr.Validation, "declaration"},
	}
	for _, tc := range cases {
		_, err := f.svc.Submit(f.ctx, tc.by, tc.id, tc.d)
		e := wantCode(t, err, tc.code)
		if tc.field != "" {
			if _, ok := e.Fields[tc.field]; !ok {
				t.Errorf("%s: fields %v lack %s", tc.name, e.Fields, tc.field)
			}
		}
	}
	// Exactly at the limit is fine.
	if _, err := f.svc.Submit(f.ctx, p.Actor, c, Draft{Title: "t", Body: strings.Repeat("chữ ", 50), Declaration: true}); err != nil {
		t.Fatal(err)
	}
	// Before the contest starts.
	f.clock.Set(t0)
	_, err := f.svc.Submit(f.ctx, f.participant(0).Actor, c, Draft{Title: "t", Body: "b", Declaration: true})
	wantCode(t, err, apperr.RoundNotOpen)
	var n int
	f.db.Get(&n, `SELECT count(*) FROM essays`)
	if n != 1 {
		t.Fatalf("%d essays stored, want 1", n)
	}
}

func TestJudgeSeesNoAuthorDataAndMaskedText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	org := f.organizer()
	school := f.unit("Trường THPT Việt Đức")
	p := f.user(RoleParticipant, "Trần Thị Minh Châu", school)
	body := "Em là Trần Thị Minh Châu, học sinh Trường THPT Việt Đức. Ai cần giúp đỡ hãy gọi em: 0912 345 678 hoặc viết thư tới chau.tran@gmail.com.\n\nCCCD của em là 001208012345."
	e := f.submit(p, c, "Bài của Trần Thị Minh Châu", body)
	f.setRubric(org, c, 1)
	j1 := f.user(RoleJudge, "Giám khảo Một", 0)
	f.user(RoleJudge, "Giám khảo Hai", 0)
	f.clock.Set(closeAt)
	if _, err := f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{}); err != nil {
		t.Fatal(err)
	}
	a := f.seatOf(j1, e.Code)
	b, _ := json.Marshal(a)
	view := string(b)
	var phone, citizen, email string
	f.db.QueryRow(`SELECT phone, citizen_id, email FROM users WHERE id = $1`, p.ID).Scan(&phone, &citizen, &email)
	for _, secret := range []string{"Trần Thị Minh Châu", "Minh Châu", "Việt Đức", "0912 345 678", "0912345678", "chau.tran", "001208012345", phone, citizen, email, `"author`, "unit"} {
		if strings.Contains(view, secret) {
			t.Errorf("judge's view contains %q: %s", secret, view)
		}
	}
	if !strings.Contains(a.Essay.Body, "gọi em: [***] hoặc") || a.Essay.Code != e.Code || a.Essay.WordCount != e.WordCount {
		t.Fatalf("judge's essay: %+v", a.Essay)
	}
	if len(a.Criteria) != 4 || a.MaxTotal != 100 {
		t.Fatalf("criteria %+v", a.Criteria)
	}
}

func TestScoringRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	org := f.organizer()
	e := f.submit(f.participant(0), c, "Tiêu đề", essayOne)
	f.setRubric(org, c, 1)
	j1 := f.user(RoleJudge, "Giám khảo Một", 0)
	j2 := f.user(RoleJudge, "Giám khảo Hai", 0)
	j3 := f.user(RoleJudge, "Giám khảo Ba", 0)
	f.clock.Set(closeAt)
	if _, err := f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{JudgeIDs: []int64{j1.ID, j2.ID}}); err != nil {
		t.Fatal(err)
	}
	seat := f.seatOf(j1, e.Code)

	// Out of range, unknown or missing criteria: 422 and nothing stored.
	bad := []ScoreInput{
		{Scores: map[string]float64{"content": 41}},
		{Scores: map[string]float64{"content": -1}},
		{Scores: map[string]float64{"style": 5}},
		{Scores: map[string]float64{"content": 30}, Final: true},
		{Scores: sheet(70), Comment: strings.Repeat("x", 2001)},
	}
	for i, in := range bad {
		_, err := f.svc.Score(f.ctx, j1.Actor, seat.ID, in)
		wantCode(t, err, apperr.Validation)
		if got := f.seatOf(j1, e.Code); got.Status != "assigned" || len(got.Scores) != 0 {
			t.Fatalf("case %d stored something: %+v", i, got)
		}
	}
	// Someone else's seat: 403, and organizers don't score.
	_, err := f.svc.Score(f.ctx, j3.Actor, seat.ID, ScoreInput{Scores: sheet(50)})
	wantCode(t, err, apperr.Forbidden)
	_, err = f.svc.Score(f.ctx, org.Actor, seat.ID, ScoreInput{Scores: sheet(50)})
	wantCode(t, err, apperr.Forbidden)
	_, err = f.svc.JudgeAssignment(f.ctx, j3.Actor, seat.ID)
	wantCode(t, err, apperr.Forbidden)

	// A draft, then the rubric is locked.
	got, err := f.svc.Score(f.ctx, j1.Actor, seat.ID, ScoreInput{Scores: map[string]float64{"content": 35.5}, Comment: "Bố cục tốt"})
	if err != nil || got.Status != "draft" || *got.Total != 35.5 || got.Comment != "Bố cục tốt" {
		t.Fatalf("draft: %+v %v", got, err)
	}
	_, err = f.svc.SetRubric(f.ctx, org.Actor, c, 1, testRubric())
	wantCode(t, err, apperr.Conflict)

	// Final, then no more changes by the judge.
	got, err = f.svc.Score(f.ctx, j1.Actor, seat.ID, ScoreInput{Scores: sheet(72), Final: true})
	if err != nil || got.Status != "final" || *got.Total != 72 || got.FinalizedAt == nil {
		t.Fatalf("final: %+v %v", got, err)
	}
	_, err = f.svc.Score(f.ctx, j1.Actor, seat.ID, ScoreInput{Scores: sheet(90), Final: true})
	wantCode(t, err, apperr.Conflict)
	if got := f.seatOf(j1, e.Code); *got.Total != 72 {
		t.Fatalf("final score changed: %+v", got)
	}
	acts := f.auditActions("essay_assignment", seat.ID)
	if strings.Join(acts, ",") != "essay.score_draft,essay.score_final" {
		t.Fatalf("audit %v", acts)
	}
}

func TestAssignTenJudgesHundredOneEssays(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	org := f.organizer()
	var units []int64
	for i := 0; i < 6; i++ {
		units = append(units, f.unit("Trường số "+string(rune('A'+i))))
	}
	judgeUnit := map[int64]int64{}
	for i := 0; i < 10; i++ {
		u := int64(0)
		if i < 6 {
			u = units[i]
		}
		j := f.user(RoleJudge, "Giám khảo", u)
		judgeUnit[j.ID] = u
	}
	for i := 0; i < 101; i++ {
		f.submit(f.participant(units[i%len(units)]), c, "Bài", essayTwo)
	}
	f.setRubric(org, c, 1)

	// Not before the contest ends.
	_, err := f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{})
	wantCode(t, err, apperr.Conflict)
	f.clock.Set(closeAt)
	rep, err := f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{JudgesPerEssay: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 202 || len(rep.Unfilled) != 0 || rep.Judges != 10 || rep.Essays != 101 {
		t.Fatalf("report %+v", rep)
	}
	check := func() {
		t.Helper()
		type row struct {
			JudgeID int64  `db:"judge_id"`
			JudgeU  *int64 `db:"judge_unit"`
			AuthorU *int64 `db:"author_unit"`
			EssayID int64  `db:"essay_id"`
		}
		var rows []row
		if err := f.db.Select(&rows, `SELECT a.judge_id, u.unit_id AS judge_unit, e.author_unit_id AS author_unit, e.id AS essay_id
			FROM essay_assignments a JOIN essays e ON e.id = a.essay_id JOIN users u ON u.id = a.judge_id`); err != nil {
			t.Fatal(err)
		}
		load := map[int64]int{}
		per := map[int64]int{}
		for _, r := range rows {
			if r.JudgeU != nil && r.AuthorU != nil && *r.JudgeU == *r.AuthorU {
				t.Fatalf("judge %d scores essay %d of their own unit", r.JudgeID, r.EssayID)
			}
			load[r.JudgeID]++
			per[r.EssayID]++
		}
		lo, hi := spread(load)
		if len(load) != 10 || hi-lo > 1 {
			t.Fatalf("loads %v", load)
		}
		for id, n := range per {
			if n != 2 {
				t.Fatalf("essay %d has %d judges", id, n)
			}
		}
	}
	check()

	// A judge starts work; re-running keeps it and changes nothing else.
	var seatID, judgeID int64
	f.db.QueryRow(`SELECT id, judge_id FROM essay_assignments ORDER BY id LIMIT 1`).Scan(&seatID, &judgeID)
	if _, err := f.svc.Score(f.ctx, Actor{ID: judgeID, Role: RoleJudge}, seatID, ScoreInput{Scores: map[string]float64{"content": 20}}); err != nil {
		t.Fatal(err)
	}
	rep, err = f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{})
	if err != nil || rep.Moved != 0 || rep.Added != 0 || rep.Kept != 1 {
		t.Fatalf("re-run: %+v %v", rep, err)
	}
	var status string
	f.db.QueryRow(`SELECT status FROM essay_assignments WHERE id = $1`, seatID).Scan(&status)
	if status != "draft" {
		t.Fatalf("the started seat is %q", status)
	}
	check()
	if acts := f.auditActions("contest", c); len(acts) < 3 {
		t.Fatalf("audit %v", acts)
	}
}

// score finalizes judge's seat on code with total points.
func (f *fixture) score(judge person, code string, total int) {
	f.t.Helper()
	seat := f.seatOf(judge, code)
	if _, err := f.svc.Score(f.ctx, judge.Actor, seat.ID, ScoreInput{Scores: sheet(total), Final: true}); err != nil {
		f.t.Fatalf("score: %v", err)
	}
}

func (f *fixture) markOf(essayID int64, stage int) (string, float64) {
	f.t.Helper()
	var status string
	var mark *float64
	f.db.QueryRow(`SELECT status, mark FROM essay_marks WHERE essay_id = $1 AND stage = $2`, essayID, stage).Scan(&status, &mark)
	if mark == nil {
		return status, -1
	}
	return status, *mark
}

func TestDiscrepancyBringsThirdJudge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	org := f.organizer()
	school := f.unit("Trường THCS Giảng Võ")
	e := f.submit(f.participant(school), c, "Bài", essayOne)
	calm := f.submit(f.participant(0), c, "Bài khác", essayTwo)
	f.setRubric(org, c, 1)
	j1 := f.user(RoleJudge, "Giám khảo Một", 0)
	j2 := f.user(RoleJudge, "Giám khảo Hai", 0)
	same := f.user(RoleJudge, "Giám khảo cùng trường", school)
	j4 := f.user(RoleJudge, "Giám khảo Bốn", 0)
	f.clock.Set(closeAt)
	if _, err := f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{JudgeIDs: []int64{j1.ID, j2.ID, same.ID, j4.ID}}); err != nil {
		t.Fatal(err)
	}
	// Who sits on e is up to the planner; find them.
	var panel []person
	for _, j := range []person{j1, j2, same, j4} {
		as, _ := f.svc.JudgeAssignments(f.ctx, j.Actor, c)
		for _, a := range as {
			if a.Essay.Code == e.Code {
				panel = append(panel, j)
			}
		}
	}
	if len(panel) != 2 {
		t.Fatalf("panel of %d", len(panel))
	}
	f.score(panel[0], e.Code, 80)
	if st, _ := f.markOf(e.ID, 1); st != "pending" {
		t.Fatalf("after one score: %s", st)
	}
	f.score(panel[1], e.Code, 60)
	if st, _ := f.markOf(e.ID, 1); st != "third_needed" {
		t.Fatalf("after a 20-point gap: %s", st)
	}
	var third int64
	f.db.QueryRow(`SELECT judge_id FROM essay_assignments WHERE essay_id = $1 AND seat = 'third'`, e.ID).Scan(&third)
	if third == 0 || third == same.ID || third == panel[0].ID || third == panel[1].ID {
		t.Fatalf("third judge %d (same-unit judge %d, panel %d %d)", third, same.ID, panel[0].ID, panel[1].ID)
	}
	rep, err := f.svc.Judging(f.ctx, c, 1)
	if err != nil || len(rep.Discrepancies) != 1 || rep.Discrepancies[0].Code != e.Code || rep.WaitingThird != 1 {
		t.Fatalf("judging report %+v %v", rep.Discrepancies, err)
	}
	thirdJudge := person{Actor: Actor{ID: third, Role: RoleJudge}}
	f.score(thirdJudge, e.Code, 75)
	// Mean of the two closest of 80, 60, 75: (80 + 75) / 2.
	if st, mark := f.markOf(e.ID, 1); st != "final" || mark != 77.5 {
		t.Fatalf("final mark %s %v, want 77.5", st, mark)
	}
	got := strings.Join(f.auditActions("essay", e.ID), ",")
	if got != "essay.discrepancy,essay.third_assigned,essay.mark_final" {
		t.Fatalf("recorded steps %s", got)
	}

	// 19.75 apart: no third judge, the mean.
	var cp []person
	for _, j := range []person{j1, j2, same, j4} {
		as, _ := f.svc.JudgeAssignments(f.ctx, j.Actor, c)
		for _, a := range as {
			if a.Essay.Code == calm.Code {
				cp = append(cp, j)
			}
		}
	}
	f.score(cp[0], calm.Code, 90)
	seat := f.seatOf(cp[1], calm.Code)
	s := sheet(70)
	s["language"] = 0.25
	if _, err := f.svc.Score(f.ctx, cp[1].Actor, seat.ID, ScoreInput{Scores: s, Final: true}); err != nil {
		t.Fatal(err)
	}
	if st, mark := f.markOf(calm.ID, 1); st != "final" || mark != 80.13 {
		t.Fatalf("calm essay %s %v", st, mark)
	}
	rep, _ = f.svc.Judging(f.ctx, c, 1)
	if rep.Complete != 2 || rep.Panel.Count != 5 || len(rep.Judges) < 3 {
		t.Fatalf("report %+v", rep)
	}
	_ = time.Now
}

func TestTookPart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	p := f.participant(0)
	if ok, err := f.svc.TookPart(f.ctx, p.ID); err != nil || ok {
		t.Fatalf("before: %v %v", ok, err)
	}
	f.submit(p, c, "Bài", essayTwo)
	if ok, err := f.svc.TookPart(f.ctx, p.ID); err != nil || !ok {
		t.Fatalf("after: %v %v", ok, err)
	}
}
