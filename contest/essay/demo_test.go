package essay

import "testing"

func TestSeedDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var authors []int64
	for i := 0; i < 5; i++ {
		authors = append(authors, f.participant(f.unit("Đơn vị "+string(rune('A'+i)))).ID)
	}
	judges := []int64{f.user(RoleJudge, "GK1", 0).ID, f.user(RoleJudge, "GK2", 0).ID}
	seed := DemoSeed{
		Essays:    []DemoEssay{{"Một", essayOne}, {"Hai", essayTwo}, {"Ba", essayOne + " Thêm."}, {"Bốn", essayTwo + " Thêm."}, {"Năm", "Ngắn."}},
		AuthorIDs: authors, JudgeIDs: judges,
	}
	now := f.clock.Now()
	open, judging, err := SeedDemo(f.ctx, f.db, now, seed)
	if err != nil {
		t.Fatal(err)
	}
	open2, judging2, err := SeedDemo(f.ctx, f.db, now, seed)
	if err != nil || open2 != open || judging2 != judging {
		t.Fatalf("second run: %d %d %v", open2, judging2, err)
	}
	var essays, seats int
	f.db.Get(&essays, `SELECT count(*) FROM essays`)
	f.db.Get(&seats, `SELECT count(*) FROM essay_assignments`)
	if essays != 5 || seats != 4 {
		t.Fatalf("%d essays, %d seats; want 5 and 4", essays, seats)
	}
	info, err := f.svc.Info(f.ctx, open)
	if err != nil || !info.Open {
		t.Fatalf("open demo contest: %+v %v", info, err)
	}
	as, err := f.svc.JudgeAssignments(f.ctx, Actor{ID: judges[0], Role: RoleJudge}, judging)
	if err != nil || len(as) != 2 || len(as[0].Criteria) != 4 {
		t.Fatalf("demo judge's seats %+v %v", as, err)
	}
}
