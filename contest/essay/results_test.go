package essay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lawcontest/apperr"
)

// judgeAll finalizes every open seat of the contest's stage: each judge
// gives essay i (in id order) the mark marks[i].
func (f *fixture) judgeAll(judges []person, contestID int64, marks map[string]int) {
	f.t.Helper()
	for _, j := range judges {
		as, err := f.svc.JudgeAssignments(f.ctx, j.Actor, contestID)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, a := range as {
			if a.Status == "final" {
				continue
			}
			if _, err := f.svc.Score(f.ctx, j.Actor, a.ID, ScoreInput{Scores: sheet(marks[a.Essay.Code]), Final: true}); err != nil {
				f.t.Fatal(err)
			}
		}
	}
}

func TestPublishedResultsShowNoPersonalData(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	org := f.organizer()
	if _, err := f.svc.SetSettings(f.ctx, org.Actor, c, Settings{WordLimit: 2000, JudgesPerEssay: 2, DiscrepancyThreshold: 20,
		FinalRule: RuleClosestTwoMean, Prizes: Prizes{First: 1, Second: 1, Third: 1}}); err != nil {
		t.Fatal(err)
	}
	school := f.unit("Trường THCS Ngô Sĩ Liên")
	var people []person
	marks := map[string]int{}
	var codes []string
	for i, m := range []int{70, 90, 80, 60} {
		p := f.user(RoleParticipant, fmt.Sprintf("Lê Thị Hồng Nhung %c", 'A'+i), school)
		people = append(people, p)
		e := f.submit(p, c, fmt.Sprintf("Bài số %d, gọi 0987654321", i), essayTwo)
		marks[e.Code] = m
		codes = append(codes, e.Code)
	}
	f.setRubric(org, c, 1)
	judges := []person{f.user(RoleJudge, "GK1", 0), f.user(RoleJudge, "GK2", 0), f.user(RoleJudge, "GK3", 0)}

	_, err := f.svc.Results(f.ctx, c)
	wantCode(t, err, apperr.NotFound)
	f.clock.Set(closeAt)
	if _, err := f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Publish(f.ctx, org.Actor, c)
	wantCode(t, err, apperr.Conflict) // judging unfinished
	f.judgeAll(judges, c, marks)

	pub, err := f.svc.Publish(f.ctx, org.Actor, c)
	if err != nil || pub.Entries != 4 {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	again, err := f.svc.Publish(f.ctx, org.Actor, c)
	if err != nil || !again.PublishedAt.Equal(pub.PublishedAt) || again.Entries != 4 {
		t.Fatalf("publish again: %+v %v", again, err)
	}
	res, err := f.svc.Results(f.ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	wantOrder := []struct {
		code  string
		score float64
		prize string
	}{{codes[1], 90, "first"}, {codes[2], 80, "second"}, {codes[0], 70, "third"}, {codes[3], 60, ""}}
	for i, w := range wantOrder {
		e := res.Entries[i]
		if e.Rank != i+1 || e.Code != w.code || e.Score != w.score || e.Prize != w.prize || e.Unit != "Trường THCS Ngô Sĩ Liên" {
			t.Fatalf("entry %d: %+v, want %+v", i, e, w)
		}
		if !strings.HasPrefix(e.DisplayName, "Lê T. H. N. ") {
			t.Fatalf("display name %q", e.DisplayName)
		}
	}
	b, _ := json.Marshal(res)
	for _, p := range people {
		var phone, citizen, email string
		f.db.QueryRow(`SELECT phone, citizen_id, email FROM users WHERE id = $1`, p.ID).Scan(&phone, &citizen, &email)
		for _, secret := range []string{p.Name, "Hồng Nhung", phone, citizen, email, "0987654321"} {
			if strings.Contains(string(b), secret) {
				t.Fatalf("public results contain %q: %s", secret, b)
			}
		}
	}
	// The participant sees their result.
	mine, err := f.svc.MyEssay(f.ctx, people[1].Actor, c)
	if err != nil || mine.Status != StatusPublished || mine.Result == nil || mine.Result.Rank != 1 || mine.Result.Prize != "first" {
		t.Fatalf("my essay: %+v %v", mine, err)
	}
	// Nothing changes after publication.
	_, err = f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{})
	wantCode(t, err, apperr.Conflict)

	var buf bytes.Buffer
	if err := f.svc.ExportXLSX(f.ctx, c, func(k string, a ...any) string { return k }, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("essay.export_sheet")
	if err != nil || len(rows) != 6 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if rows[2][0] != "1" || rows[2][3] != codes[1] || rows[2][7] != people[1].Phone || !strings.Contains(rows[2][17], "GK") {
		t.Fatalf("first data row %q", rows[2])
	}
	if got := strings.Join(f.auditActions("contest", c), ","); !strings.HasSuffix(got, "essay.results_published") {
		t.Fatalf("audit %s", got)
	}
}

func TestTwoStageContest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	org := f.organizer()
	set := DefaultSettings()
	set.TwoStage = true
	set.JudgesPerEssay = 1
	set.Prizes = Prizes{First: 1, Second: 1}
	if _, err := f.svc.SetSettings(f.ctx, org.Actor, c, set); err != nil {
		t.Fatal(err)
	}
	marks := map[string]int{}
	var codes []string
	for i, m := range []int{50, 80, 70, 70, 40} {
		e := f.submit(f.participant(0), c, fmt.Sprintf("Bài %d", i), essayOne)
		marks[e.Code] = m
		codes = append(codes, e.Code)
	}
	f.setRubric(org, c, 1)
	final := Rubric{{Key: "depth", Name: "Chiều sâu", MaxPoints: 60}, {Key: "style", Name: "Văn phong", MaxPoints: 40}}
	if _, err := f.svc.SetRubric(f.ctx, org.Actor, c, 2, final); err != nil {
		t.Fatal(err)
	}
	judges := []person{f.user(RoleJudge, "GK1", 0), f.user(RoleJudge, "GK2", 0)}
	f.clock.Set(closeAt)
	if _, err := f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Shortlist(f.ctx, org.Actor, c, ShortlistRequest{Top: 2})
	wantCode(t, err, apperr.Conflict) // stage 1 not finished
	f.judgeAll(judges, c, marks)
	_, err = f.svc.Publish(f.ctx, org.Actor, c)
	wantCode(t, err, apperr.Conflict) // no shortlist yet

	// Top 2 with a tie at the cut: 80, then both 70s.
	n, err := f.svc.Shortlist(f.ctx, org.Actor, c, ShortlistRequest{Top: 2})
	if err != nil || n != 3 {
		t.Fatalf("shortlist %d %v", n, err)
	}
	// Redone with a mark: only the 80.
	min := 75.0
	if n, err = f.svc.Shortlist(f.ctx, org.Actor, c, ShortlistRequest{MinMark: &min}); err != nil || n != 1 {
		t.Fatalf("shortlist by mark %d %v", n, err)
	}
	if n, err = f.svc.Shortlist(f.ctx, org.Actor, c, ShortlistRequest{Top: 2}); err != nil || n != 3 {
		t.Fatalf("shortlist again %d %v", n, err)
	}
	rep, err := f.svc.Assign(f.ctx, org.Actor, c, AssignRequest{})
	if err != nil || rep.Stage != 2 || rep.Essays != 3 {
		t.Fatalf("stage 2 assignment %+v %v", rep, err)
	}
	// The final stage is judged on its own rubric: the 70s now win.
	for _, j := range judges {
		as, _ := f.svc.JudgeAssignments(f.ctx, j.Actor, c)
		for _, a := range as {
			if a.Stage != 2 || a.Status == "final" {
				continue
			}
			if len(a.Criteria) != 2 || a.Criteria[0].Key != "depth" {
				t.Fatalf("stage 2 criteria %+v", a.Criteria)
			}
			pts := map[string]float64{"depth": 30, "style": 20}
			if a.Essay.Code == codes[2] {
				pts = map[string]float64{"depth": 60, "style": 35}
			}
			if _, err := f.svc.Score(f.ctx, j.Actor, a.ID, ScoreInput{Scores: pts, Final: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err = f.svc.Shortlist(f.ctx, org.Actor, c, ShortlistRequest{Top: 1})
	wantCode(t, err, apperr.Conflict) // final stage scoring started
	if _, err := f.svc.Publish(f.ctx, org.Actor, c); err != nil {
		t.Fatal(err)
	}
	res, _ := f.svc.Results(f.ctx, c)
	if len(res.Entries) != 3 || res.Entries[0].Code != codes[2] || res.Entries[0].Score != 95 || res.Entries[0].Prize != "first" || res.Entries[2].Prize != "" {
		t.Fatalf("results %+v", res.Entries)
	}
}

func TestDuplicatesAndDisqualification(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.contest("essay")
	org := f.organizer()
	a := f.submit(f.participant(0), c, "Gốc", essayOne)
	b := f.submit(f.participant(0), c, "Chép", strings.Replace(essayOne, "Mỗi ngày", "Hằng ngày", 1))
	f.submit(f.participant(0), c, "Khác", essayTwo)
	pairs, err := f.svc.Duplicates(f.ctx, c)
	if err != nil || len(pairs) != 1 || pairs[0].CodeA != a.Code || pairs[0].CodeB != b.Code || len(pairs[0].Passages) == 0 {
		t.Fatalf("pairs %+v %v", pairs, err)
	}
	if err := f.svc.Disqualify(f.ctx, org.Actor, b.ID, "Sao chép bài dự thi khác", true); err != nil {
		t.Fatal(err)
	}
	if pairs, _ := f.svc.Duplicates(f.ctx, c); len(pairs) != 0 {
		t.Fatalf("a disqualified essay still compared: %+v", pairs)
	}
	err = f.svc.Disqualify(f.ctx, org.Actor, b.ID, "", true)
	wantCode(t, err, apperr.Validation)
}
