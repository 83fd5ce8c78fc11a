package server

import (
	"context"
	"io"
	"testing"
)

func TestSeedDemoAddsEssayContests(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for i := 0; i < 2; i++ {
		if _, err := SeedDemo(context.Background(), e.db, e.clock, io.Discard); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	var contests, essays, seats int
	e.db.Get(&contests, `SELECT count(*) FROM contests WHERE kind = 'essay'`)
	e.db.Get(&essays, `SELECT count(*) FROM essays`)
	e.db.Get(&seats, `SELECT count(*) FROM essay_assignments`)
	if contests != 2 || essays < 4 || seats == 0 {
		t.Fatalf("%d essay contests, %d essays, %d seats", contests, essays, seats)
	}
	tok := e.login("giamkhao1", "giamkhao-demo-2026")
	res := e.expect(e.do("GET", "/api/v1/judge/assignments", nil, request{token: tok}), 200)
	if len(res.Body) < 500 {
		t.Fatalf("demo judge has nothing to score: %s", res.Body)
	}
}
