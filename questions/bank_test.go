package questions

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lawcontest/apperr"
)

func ptr[T any](v T) *T { return &v }

func TestCreateGetAndAudit(t *testing.T) {
	t.Parallel()
	b, d, _ := newTestBank(t)
	ctx := context.Background()
	q, err := b.Create(ctx, organizer, validInput())
	if err != nil {
		t.Fatal(err)
	}
	if q.ID == 0 || q.Version != 1 || q.Status != Active || q.Drawn || q.Correct != 0 || len(q.Options) != 3 ||
		q.Text != "Luật An ninh mạng năm 2018 có hiệu lực từ ngày nào?" || !q.CreatedAt.Equal(testStart) {
		t.Fatalf("created %+v", q)
	}
	for _, o := range q.Options {
		if len(o.ID) != 8 {
			t.Fatalf("option id %q", o.ID)
		}
	}
	b2, _ := json.Marshal(q)
	if !strings.Contains(string(b2), fmt.Sprintf(`"id":"%d"`, q.ID)) {
		t.Fatalf("id must be a JSON string: %s", b2)
	}

	// The same question again (other case, no diacritics, options moved) is
	// a duplicate.
	dup := validInput()
	dup.Text = "LUAT AN NINH MANG NAM 2018 CO HIEU LUC TU NGAY NAO?"
	dup.Options = []string{"12/6/2018", "01/01/2019", "01/7/2019"}
	if _, err := b.Create(ctx, organizer, dup); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate: %v", err)
	}
	bad := validInput()
	bad.Options = []string{"x"}
	if _, err := b.Create(ctx, organizer, bad); !apperr.Is(err, apperr.Validation) {
		t.Fatalf("invalid: %v", err)
	}
	if _, err := b.Get(ctx, q.ID+100); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("missing: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM audit_log WHERE action = 'question.create' AND entity = 'question' AND entity_id = $1 AND actor_role = 'organizer'`, fmt.Sprint(q.ID)); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
}

func TestUpdateMakesVersions(t *testing.T) {
	t.Parallel()
	b, d, clk := newTestBank(t)
	ctx := context.Background()
	q1, err := b.Create(ctx, organizer, validInput())
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)

	// No change: no new version, no audit row.
	same, err := b.Update(ctx, organizer, q1.ID, Patch{Text: ptr("  " + q1.Text)})
	if err != nil || same.Version != 1 || same.VersionID != q1.VersionID {
		t.Fatalf("no-op update: %v %+v", err, same)
	}

	// Reordering options keeps the same correct answer, in a new version.
	q2, err := b.Update(ctx, organizer, q1.ID, Patch{Options: &[]string{"01/7/2019", "12/6/2018", "01/01/2019"}, Version: ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	if q2.Version != 2 || q2.VersionID == q1.VersionID || q2.Options[q2.Correct].Text != "01/01/2019" || !q2.UpdatedAt.Equal(testStart.Add(time.Minute)) {
		t.Fatalf("after reorder: %+v", q2)
	}
	q3, err := b.Update(ctx, organizer, q1.ID, Patch{Difficulty: ptr(Hard), Category: ptr("An ninh mạng")})
	if err != nil || q3.Version != 3 || q3.Difficulty != Hard || q3.Category != "An ninh mạng" {
		t.Fatalf("difficulty change: %v %+v", err, q3)
	}
	// A stale version number is refused.
	if _, err := b.Update(ctx, organizer, q1.ID, Patch{Text: ptr("Khác?"), Version: ptr(2)}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale version: %v", err)
	}
	if _, err := b.Update(ctx, organizer, q1.ID, Patch{Correct: ptr(7)}); !apperr.Is(err, apperr.Validation) {
		t.Fatalf("bad correct: %v", err)
	}
	if _, err := b.Update(ctx, organizer, q1.ID, Patch{Status: ptr(Status("gone"))}); !apperr.Is(err, apperr.Validation) {
		t.Fatalf("bad status: %v", err)
	}
	if _, err := b.Update(ctx, organizer, 99999, Patch{Text: ptr("x")}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("missing: %v", err)
	}
	// An edit that makes it equal to another question is a conflict.
	other := validInput()
	other.Text = "Câu khác?"
	q4, err := b.Create(ctx, organizer, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Update(ctx, organizer, q4.ID, Patch{Text: &q3.Text, Options: &[]string{"01/7/2019", "12/6/2018", "01/01/2019"}}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("edit into a duplicate: %v", err)
	}

	// Every version is kept, unchanged.
	if n := count(t, d, `SELECT count(*) FROM question_versions WHERE question_id = $1`, q1.ID); n != 3 {
		t.Fatalf("%d versions, want 3", n)
	}
	old, err := b.Rebuild(ctx, []PaperRef{{QuestionID: q1.ID, VersionID: q1.VersionID, OptionOrder: []string{q1.Options[2].ID, q1.Options[0].ID, q1.Options[1].ID}}})
	if err != nil || old[0].Text != q1.Text || old[0].Options[1].Text != "01/01/2019" || old[0].CorrectOptionID != q1.Options[0].ID {
		t.Fatalf("rebuild of version 1: %v %+v", err, old)
	}
	if n := count(t, d, `SELECT count(*) FROM audit_log WHERE action = 'question.update'`); n != 2 {
		t.Fatalf("%d update audit rows, want 2", n)
	}
}

func TestDeleteRetiresDrawnQuestions(t *testing.T) {
	t.Parallel()
	b, d, _ := newTestBank(t)
	ctx := context.Background()
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, genRows(4, "A"))); err != nil {
		t.Fatal(err)
	}
	p, err := b.Draw(ctx, Blueprint{{Category: "A", Count: 2}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	drawnID := p.Questions[0].QuestionID
	var undrawnID int64
	all, _, err := b.List(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range all {
		if q.ID != p.Questions[0].QuestionID && q.ID != p.Questions[1].QuestionID {
			undrawnID = q.ID
		}
		if q.Drawn != (q.ID == p.Questions[0].QuestionID || q.ID == p.Questions[1].QuestionID) {
			t.Fatalf("question %d drawn = %v", q.ID, q.Drawn)
		}
	}
	if res, err := b.Delete(ctx, organizer, drawnID); err != nil || res != ResultRetired {
		t.Fatalf("delete drawn: %v %v", res, err)
	}
	q, err := b.Get(ctx, drawnID)
	if err != nil || q.Status != Retired {
		t.Fatalf("drawn question after delete: %v %+v", err, q)
	}
	// The attempt can still be rebuilt exactly.
	rebuilt, err := b.Rebuild(ctx, p.Refs())
	if err != nil || fmt.Sprint(rebuilt) != fmt.Sprint(p.Questions) {
		t.Fatalf("rebuild after retire: %v", err)
	}
	if res, err := b.Delete(ctx, organizer, undrawnID); err != nil || res != ResultDeleted {
		t.Fatalf("delete undrawn: %v %v", res, err)
	}
	if _, err := b.Get(ctx, undrawnID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted question still there: %v", err)
	}
	if _, err := b.Delete(ctx, organizer, undrawnID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	// Retired questions are never drawn again; restoring brings them back.
	for seed := range int64(30) {
		p, err := b.Draw(ctx, Blueprint{{Category: "A", Count: 2}}, seed)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range p.Questions {
			if q.QuestionID == drawnID {
				t.Fatal("a retired question was drawn")
			}
		}
	}
	if _, err := b.Draw(ctx, Blueprint{{Category: "A", Count: 3}}, 1); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("two active questions cannot fill three: %v", err)
	}
	if _, err := b.Update(ctx, organizer, drawnID, Patch{Status: ptr(Active)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Draw(ctx, Blueprint{{Category: "A", Count: 3}}, 1); err != nil {
		t.Fatalf("after restoring: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM audit_log WHERE action IN ('question.retired', 'question.deleted')`); n != 2 {
		t.Fatalf("%d delete audit rows", n)
	}
}

func TestListFiltersAndSearch(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBank(t)
	ctx := context.Background()
	rows := [][]string{
		row("Hành vi nào bị nghiêm cấm trên không gian mạng?", []string{"Đăng tin giả", "Chia sẻ kiến thức"}, "A", "Luật An ninh mạng", "dễ"),
		row("Trẻ em có quyền gì khi sử dụng Internet?", []string{"Được bảo vệ thông tin cá nhân", "Không có quyền gì"}, "A", "Luật Trẻ em", "khó"),
		row("Người dùng mạng xã hội nên làm gì_khi thấy tin 100%?", []string{"Kiểm chứng", "Chia sẻ ngay"}, "A", "Bộ Quy tắc ứng xử", "trung bình"),
	}
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, rows)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    Filter
		want int
	}{
		{"all", Filter{}, 3},
		{"query without diacritics", Filter{Query: "nghiem cam"}, 1},
		{"query with other case", Filter{Query: "TRẺ EM"}, 1},
		{"query matches an option", Filter{Query: "kiem chung"}, 1},
		{"query with LIKE wildcards is literal", Filter{Query: "100%"}, 1},
		{"underscore is literal", Filter{Query: "gi_kh"}, 1},
		{"percent alone matches nothing extra", Filter{Query: "%%"}, 0},
		{"category ignoring diacritics", Filter{Category: "luat tre em"}, 1},
		{"difficulty", Filter{Difficulty: Medium}, 1},
		{"status", Filter{Status: Retired}, 0},
		{"combined", Filter{Query: "mang", Difficulty: Easy}, 1},
	}
	for _, tc := range cases {
		qs, total, err := b.List(ctx, tc.f)
		if err != nil || len(qs) != tc.want || total != tc.want {
			t.Errorf("%s: %d questions, total %d, err %v; want %d", tc.name, len(qs), total, err, tc.want)
		}
	}
	qs, total, err := b.List(ctx, Filter{Limit: 2})
	if err != nil || len(qs) != 2 || total != 3 || qs[0].ID < qs[1].ID {
		t.Fatalf("first page: %v %d %d", err, len(qs), total)
	}
	qs, total, err = b.List(ctx, Filter{Limit: 2, Offset: 2})
	if err != nil || len(qs) != 1 || total != 3 {
		t.Fatalf("second page: %v %d %d", err, len(qs), total)
	}
	qs, total, err = b.List(ctx, Filter{Limit: 2, Offset: 10})
	if err != nil || len(qs) != 0 || total != 3 {
		t.Fatalf("past the end: %v %d %d", err, len(qs), total)
	}
	if _, _, err := b.List(ctx, Filter{Difficulty: "x"}); !apperr.Is(err, apperr.Validation) {
		t.Fatalf("bad difficulty: %v", err)
	}
	cats, err := b.Categories(ctx)
	if err != nil || len(cats) != 3 || cats[1].Category != "Luật An ninh mạng" || cats[1].Easy != 1 || cats[1].Total != 1 {
		t.Fatalf("categories: %v %+v", err, cats)
	}
}

func TestDrawAndRebuildFromTheDatabase(t *testing.T) {
	t.Parallel()
	b, d, _ := newTestBank(t)
	ctx := context.Background()
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, genRows(60, "A", "B"))); err != nil {
		t.Fatal(err)
	}
	bp := Blueprint{{Category: "A", Difficulty: Easy, Count: 3}, {Category: "B", Count: 5}}
	if err := b.CheckBlueprint(ctx, bp); err != nil {
		t.Fatal(err)
	}
	err := b.CheckBlueprint(ctx, Blueprint{{Category: "A", Difficulty: Hard, Count: 11}})
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Validation || e.Fields["blueprint[0]"].Key != "question.blueprint_short_hard" ||
		fmt.Sprint(e.Fields["blueprint[0]"].Args) != "[A 11 10 1]" {
		t.Fatalf("short blueprint: %v", err)
	}

	p1, err := b.Draw(ctx, bp, 42)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := b.Draw(ctx, bp, 42)
	if err != nil {
		t.Fatal(err)
	}
	p3, err := b.Draw(ctx, bp, 43)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p1) != fmt.Sprint(p2) || fmt.Sprint(p1.Refs()) == fmt.Sprint(p3.Refs()) {
		t.Fatal("same seed must give the same paper, another seed another")
	}
	if p1.BankVersion == 0 || len(p1.Questions) != 8 {
		t.Fatalf("paper %+v", p1)
	}
	// A bank that knows nothing in memory rebuilds the same paper.
	fresh := NewBank(d, b.clk)
	got, err := fresh.Rebuild(ctx, p1.Refs())
	if err != nil || fmt.Sprint(got) != fmt.Sprint(p1.Questions) {
		t.Fatalf("rebuild: %v\n%v\n%v", err, got, p1.Questions)
	}
	// A ref that does not match its version is refused.
	refs := p1.Refs()
	refs[0].OptionOrder = refs[0].OptionOrder[1:]
	if _, err := fresh.Rebuild(ctx, refs); err == nil {
		t.Fatal("a short option order was accepted")
	}
	refs = p1.Refs()
	refs[0].QuestionID++
	if _, err := fresh.Rebuild(ctx, refs); err == nil {
		t.Fatal("a version of another question was accepted")
	}
	if _, err := fresh.Rebuild(ctx, []PaperRef{{QuestionID: 1, VersionID: 123456}}); err == nil {
		t.Fatal("an unknown version was accepted")
	}
}

func TestDrawWritesNothingAfterWarmUp(t *testing.T) {
	t.Parallel()
	b, d, _ := newTestBank(t)
	ctx := context.Background()
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, genRows(5, "A"))); err != nil {
		t.Fatal(err)
	}
	bp := Blueprint{{Category: "A", Count: 5}}
	if _, err := b.Draw(ctx, bp, 1); err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT count(*) FROM question_version_usage`); n != 5 {
		t.Fatalf("%d usage rows after the first draw, want 5", n)
	}
	// Empty the table behind the bank's back: a draw that wrote would
	// fill it again.
	if _, err := d.Exec(`DELETE FROM question_version_usage`); err != nil {
		t.Fatal(err)
	}
	for seed := range int64(20) {
		if _, err := b.Draw(ctx, bp, seed); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM question_version_usage`); n != 0 {
		t.Fatalf("warm draws wrote %d usage rows", n)
	}
}

// TestOtherInstancesSeeChanges: a change made through one Bank reaches
// another instance's draws once a revision check is due (at most a second).
func TestOtherInstancesSeeChanges(t *testing.T) {
	t.Parallel()
	b, d, clk := newTestBank(t)
	ctx := context.Background()
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, genRows(3, "A"))); err != nil {
		t.Fatal(err)
	}
	other := NewBank(d, clk)
	bp := Blueprint{{Category: "A", Count: 3}}
	p, err := other.Draw(ctx, bp, 1)
	if err != nil {
		t.Fatal(err)
	}
	gone := p.Questions[0].QuestionID
	if res, err := b.Delete(ctx, organizer, gone); err != nil || res != ResultRetired {
		t.Fatalf("retire: %v %v", res, err)
	}
	// The writer sees it at once.
	if _, err := b.Draw(ctx, bp, 1); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("writer's own draw: %v", err)
	}
	// The other instance within the second still draws from its snapshot
	// (that is the bound we accept) ...
	if _, err := other.Draw(ctx, bp, 2); err != nil {
		t.Fatalf("other instance within the second: %v", err)
	}
	// ... and sees the change after it.
	clk.Advance(revisionCheckEvery)
	if _, err := other.Draw(ctx, bp, 3); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("other instance after a second: %v", err)
	}
	// CheckBlueprint always reads the current revision.
	if err := other.CheckBlueprint(ctx, Blueprint{{Category: "A", Count: 2}}); err != nil {
		t.Fatal(err)
	}
}

// TestDeleteRacingADraw: an instance whose snapshot still holds a question
// that another deleted redraws from the current bank instead of handing out
// a deleted version.
func TestDeleteRacingADraw(t *testing.T) {
	t.Parallel()
	b, d, clk := newTestBank(t)
	ctx := context.Background()
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, genRows(4, "A"))); err != nil {
		t.Fatal(err)
	}
	other := NewBank(d, clk)
	if err := other.CheckBlueprint(ctx, Blueprint{{Category: "A", Count: 1}}); err != nil { // loads its snapshot
		t.Fatal(err)
	}
	all, _, _ := b.List(ctx, Filter{})
	for _, q := range all[:2] {
		if res, err := b.Delete(ctx, organizer, q.ID); err != nil || res != ResultDeleted {
			t.Fatalf("delete: %v %v", res, err)
		}
	}
	// other's snapshot still has 4 questions; its draw of all 4 fails
	// on the foreign key, reloads and finds only 2.
	if _, err := other.Draw(ctx, Blueprint{{Category: "A", Count: 4}}, 1); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("draw over deleted questions: %v", err)
	}
	p, err := other.Draw(ctx, Blueprint{{Category: "A", Count: 2}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range p.Questions {
		if q.QuestionID == all[0].ID || q.QuestionID == all[1].ID {
			t.Fatal("a deleted question was drawn")
		}
	}
}

func TestConcurrentDrawsAndEdits(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBank(t)
	ctx := context.Background()
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, genRows(40, "A"))); err != nil {
		t.Fatal(err)
	}
	all, _, _ := b.List(ctx, Filter{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 4 {
		wg.Go(func() {
			for i := range 25 {
				if _, err := b.Draw(ctx, Blueprint{{Category: "A", Count: 10}}, int64(g*100+i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for i, q := range all[:10] {
			if _, err := b.Update(ctx, organizer, q.ID, Patch{Text: ptr(fmt.Sprintf("Đã sửa %d?", i))}); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestConcurrentFirstDraws: many draws at once on a cold bank record
// overlapping version sets without deadlocking.
func TestConcurrentFirstDraws(t *testing.T) {
	t.Parallel()
	b, d, _ := newTestBank(t)
	ctx := context.Background()
	if _, err := importBytes(t, b, "q.csv", csvBytes(t, ',', false, englishHeader, genRows(60, "A"))); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		// Each round uses a fresh Bank: nothing recorded in memory yet.
		cold := NewBank(d, b.clk)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				if _, err := cold.Draw(ctx, Blueprint{{Category: "A", Count: 30}}, int64(round*10+g)); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if _, err := d.Exec(`DELETE FROM question_version_usage`); err != nil {
			t.Fatal(err)
		}
	}
}
