package contest

import (
	"testing"

	"lawcontest/questions"
)

func TestSeedDemo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bp := questions.Blueprint{{Category: "Luật An ninh mạng", Count: 3}, {Category: "Luật Trẻ em", Count: 2}}
	id, err := SeedDemo(e.ctx, e.db, e.bank, e.clock, bp)
	if err != nil {
		t.Fatal(err)
	}
	again, err := SeedDemo(e.ctx, e.db, e.bank, e.clock, bp)
	if err != nil || again != id {
		t.Fatalf("second seed: %d %v, want %d", again, err, id)
	}
	c, err := e.svc.Contest(e.ctx, id, false)
	if err != nil || len(c.Rounds) != 3 {
		t.Fatalf("%+v %v", c, err)
	}
	var open, practice, upcoming int
	for _, r := range c.Rounds {
		switch {
		case r.Practice && r.Status == RoundOpen:
			practice++
		case r.Status == RoundOpen:
			open++
		case r.Status == RoundUpcoming:
			upcoming++
		}
	}
	if open != 1 || practice != 1 || upcoming != 1 {
		t.Fatalf("rounds %+v", c.Rounds)
	}
	// A newcomer can take the open round at once.
	e.start(c.Rounds[0].ID, e.participant())
}
