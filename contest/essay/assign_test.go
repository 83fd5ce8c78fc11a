package essay

import (
	"math/rand"
	"testing"
)

// checkPlan verifies the hard rules of a plan and returns each judge's load.
func checkPlan(t *testing.T, essays []PlanEssay, judges []PlanJudge, seats []Seat) map[int64]int {
	t.Helper()
	unitOf := map[int64]int64{}
	load := map[int64]int{}
	for _, j := range judges {
		unitOf[j.ID] = j.UnitID
		load[j.ID] = j.Load
	}
	sitting := map[Seat]bool{}
	got := map[int64]int{}
	for _, e := range essays {
		for _, h := range e.Held {
			sitting[Seat{e.ID, h}] = true
		}
	}
	essayUnit := map[int64]int64{}
	for _, e := range essays {
		essayUnit[e.ID] = e.UnitID
	}
	for _, s := range seats {
		if sitting[s] {
			t.Fatalf("judge %d sits twice on essay %d", s.JudgeID, s.EssayID)
		}
		sitting[s] = true
		if u := essayUnit[s.EssayID]; u != 0 && unitOf[s.JudgeID] == u {
			t.Fatalf("judge %d of unit %d scores essay %d of the same unit", s.JudgeID, u, s.EssayID)
		}
		load[s.JudgeID]++
		got[s.EssayID]++
	}
	for _, e := range essays {
		if got[e.ID] > e.Need {
			t.Fatalf("essay %d got %d seats, needed %d", e.ID, got[e.ID], e.Need)
		}
	}
	return load
}

func spread(load map[int64]int) (lo, hi int) {
	lo, hi = 1<<30, -1
	for _, l := range load {
		lo, hi = min(lo, l), max(hi, l)
	}
	return lo, hi
}

func TestPlanTenJudgesHundredOneEssays(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(6))
	var judges []PlanJudge
	for i := 1; i <= 10; i++ {
		unit := int64(i) // judges 1..8 belong to units 1..8; 9 and 10 to none
		if i > 8 {
			unit = 0
		}
		judges = append(judges, PlanJudge{ID: int64(100 + i), UnitID: unit})
	}
	var essays []PlanEssay
	for i := 1; i <= 101; i++ {
		essays = append(essays, PlanEssay{ID: int64(i), UnitID: int64(1 + r.Intn(8)), Need: 2})
	}
	seats, missing := Plan(essays, judges)
	if len(missing) != 0 || len(seats) != 202 {
		t.Fatalf("%d seats, missing %v", len(seats), missing)
	}
	load := checkPlan(t, essays, judges, seats)
	if lo, hi := spread(load); lo != 20 || hi != 21 {
		t.Fatalf("loads from %d to %d, want 20..21: %v", lo, hi, load)
	}

	// Re-run after 9 more essays and 2 more judges arrive, keeping the
	// seats already planned: nothing moves and loads stay within one.
	held := map[int64][]int64{}
	for _, s := range seats {
		held[s.EssayID] = append(held[s.EssayID], s.JudgeID)
	}
	for i := range essays {
		essays[i].Held, essays[i].Need = held[essays[i].ID], 0
	}
	for i := 102; i <= 110; i++ {
		essays = append(essays, PlanEssay{ID: int64(i), UnitID: int64(1 + r.Intn(8)), Need: 2})
	}
	for i := range judges {
		judges[i].Load = load[judges[i].ID]
	}
	judges = append(judges, PlanJudge{ID: 111, UnitID: 3}, PlanJudge{ID: 112})
	more, missing := Plan(essays, judges)
	if len(missing) != 0 || len(more) != 18 {
		t.Fatalf("%d new seats, missing %v", len(more), missing)
	}
	load2 := checkPlan(t, essays, judges, more)
	// 220 seats over 12 judges cannot be even (the first ten keep 20 or 21),
	// so the two new judges, far below the others, take the new work, except
	// the second seat of essays of unit 3, which judge 111 may not score.
	unitOf := map[int64]int64{}
	for _, e := range essays {
		unitOf[e.ID] = e.UnitID
	}
	for _, s := range more {
		if s.JudgeID != 111 && s.JudgeID != 112 && unitOf[s.EssayID] != 3 {
			t.Errorf("essay %d went to judge %d, who already had %d", s.EssayID, s.JudgeID, load[s.JudgeID])
		}
	}
	if load2[112] != 9 {
		t.Errorf("judge 112 got %d of the 9 new essays", load2[112])
	}
}

func TestPlanRandomInstancesStayBalanced(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(42))
	for round := 0; round < 200; round++ {
		nJ := 2 + r.Intn(12)
		nE := r.Intn(150)
		k := 1 + r.Intn(min(3, nJ-1))
		units := 1 + r.Intn(6)
		// In odd rounds judges come from units no author belongs to, so an
		// even plan always exists and must be found; in even rounds unit
		// conflicts may make it impossible and only the hard rules hold.
		conflicts := round%2 == 0
		var judges []PlanJudge
		for i := 0; i < nJ; i++ {
			u := int64(0)
			if r.Intn(3) > 0 {
				u = int64(1 + r.Intn(units))
				if !conflicts {
					u += int64(units)
				}
			}
			judges = append(judges, PlanJudge{ID: int64(1000 + i), UnitID: u})
		}
		var essays []PlanEssay
		for i := 0; i < nE; i++ {
			essays = append(essays, PlanEssay{ID: int64(i + 1), UnitID: int64(1 + r.Intn(units)), Need: k})
		}
		seats, missing := Plan(essays, judges)
		load := checkPlan(t, essays, judges, seats)
		if conflicts {
			continue
		}
		if len(missing) != 0 || len(seats) != nE*k {
			t.Fatalf("round %d: %d seats of %d, missing %v", round, len(seats), nE*k, missing)
		}
		if lo, hi := spread(load); hi-lo > 1 {
			t.Fatalf("round %d: loads %d..%d with %d judges, %d essays, k=%d", round, lo, hi, nJ, nE, k)
		}
	}
}

func TestPlanReportsSeatsThatCannotBeFilled(t *testing.T) {
	t.Parallel()
	judges := []PlanJudge{{ID: 1, UnitID: 5}, {ID: 2, UnitID: 5}, {ID: 3}}
	essays := []PlanEssay{{ID: 10, UnitID: 5, Need: 2}, {ID: 11, UnitID: 6, Need: 2}}
	seats, missing := Plan(essays, judges)
	checkPlan(t, essays, judges, seats)
	if missing[10] != 1 || missing[11] != 0 || len(seats) != 3 {
		t.Fatalf("seats %v, missing %v", seats, missing)
	}
}
