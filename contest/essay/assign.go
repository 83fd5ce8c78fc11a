package essay

import (
	"hash/fnv"
	"sort"
)

// PlanEssay is one essay of a stage as the assignment planner sees it.
type PlanEssay struct {
	ID     int64
	UnitID int64   // the author's unit; 0 when none
	Held   []int64 // judges who keep their seat on this essay (work started, or any seat kept)
	Need   int     // seats still to fill
	Prefer []int64 // judges who sat here before this run: tried first, so a re-run moves little
}

// PlanJudge is one judge of the panel.
type PlanJudge struct {
	ID     int64
	UnitID int64 // 0 when none
	Load   int   // seats of this stage the judge keeps
}

// Seat is one planned (essay, judge) pair.
type Seat struct {
	EssayID, JudgeID int64
}

// Plan fills each essay's Need seats with judges of the panel so that no
// judge sits twice on one essay, no judge scores an essay of their own unit,
// and judges' loads (kept plus new seats) differ by at most one whenever
// the kept work and the unit rule allow it. It returns the new seats and,
// for essays that could not be filled (too few judges outside the author's
// unit), how many seats are still missing.
//
// It is a bipartite b-matching solved by augmenting paths: the capacity of
// every judge is raised one level at a time from the even share down to the
// floor, and since augmenting never lowers a judge's load, all judges reach
// the floor before any goes above the ceiling. At each level the matching is
// maximum, so the highest load in the result is the lowest possible.
func Plan(essays []PlanEssay, judges []PlanJudge) ([]Seat, map[int64]int) {
	p := newPlanner(essays, judges)
	need := 0
	for _, e := range essays {
		need += max(e.Need, 0)
	}
	missing := map[int64]int{}
	if need == 0 || len(judges) == 0 {
		for _, e := range essays {
			if e.Need > 0 {
				missing[e.ID] = e.Need
			}
		}
		return nil, missing
	}
	total := need
	for _, j := range judges {
		total += j.Load
	}
	level := total / len(judges)
	maxLoad := 0
	for _, j := range judges {
		maxLoad = max(maxLoad, j.Load)
	}
	for p.filled < need && level <= maxLoad+need {
		for p.augment(level) {
		}
		level++
	}
	seats := make([]Seat, 0, p.filled)
	for ei, js := range p.assigned {
		for _, ji := range js {
			seats = append(seats, Seat{EssayID: essays[ei].ID, JudgeID: judges[ji].ID})
		}
	}
	sort.Slice(seats, func(a, b int) bool {
		if seats[a].EssayID != seats[b].EssayID {
			return seats[a].EssayID < seats[b].EssayID
		}
		return seats[a].JudgeID < seats[b].JudgeID
	})
	for ei, e := range essays {
		if left := p.need[ei]; left > 0 {
			missing[e.ID] = left
		}
	}
	return seats, missing
}

type planner struct {
	need     []int   // per essay, seats left
	edges    [][]int // per essay, eligible judge indexes in a spread order
	assigned [][]int // per essay, newly planned judge indexes
	byJudge  [][]int // per judge, essays newly planned to them
	load     []int
	filled   int
}

func newPlanner(essays []PlanEssay, judges []PlanJudge) *planner {
	p := &planner{
		need:     make([]int, len(essays)),
		edges:    make([][]int, len(essays)),
		assigned: make([][]int, len(essays)),
		byJudge:  make([][]int, len(judges)),
		load:     make([]int, len(judges)),
	}
	for ji, j := range judges {
		p.load[ji] = j.Load
	}
	for ei, e := range essays {
		p.need[ei] = max(e.Need, 0)
		held := map[int64]bool{}
		for _, id := range e.Held {
			held[id] = true
		}
		for ji, j := range judges {
			if held[j.ID] || (e.UnitID != 0 && j.UnitID == e.UnitID) {
				continue
			}
			p.edges[ei] = append(p.edges[ei], ji)
		}
		// A per-essay order from a hash of the pair spreads judges over
		// essays, so the same two judges are not always paired, while the
		// plan stays reproducible.
		prefer := map[int64]bool{}
		for _, id := range e.Prefer {
			prefer[id] = true
		}
		sort.Slice(p.edges[ei], func(a, b int) bool {
			ja, jb := judges[p.edges[ei][a]].ID, judges[p.edges[ei][b]].ID
			if prefer[ja] != prefer[jb] {
				return prefer[ja]
			}
			return pairHash(e.ID, ja) < pairHash(e.ID, jb)
		})
	}
	return p
}

func pairHash(a, b int64) uint64 {
	h := fnv.New64a()
	var buf [16]byte
	for i := 0; i < 8; i++ {
		buf[i] = byte(a >> (8 * i))
		buf[8+i] = byte(b >> (8 * i))
	}
	h.Write(buf[:])
	return h.Sum64()
}

func (p *planner) sits(ei, ji int) bool {
	for _, x := range p.assigned[ei] {
		if x == ji {
			return true
		}
	}
	return false
}

// augment finds one alternating path from an essay with a free seat to a
// judge below capacity, along which every intermediate judge hands one
// planned essay to another judge, and applies it.
func (p *planner) augment(capacity int) bool {
	nJ := len(p.load)
	// prevJudge[j] is the essay through which judge j was reached.
	prevJudge := make([]int, nJ)
	seenJ := make([]bool, nJ)
	seenE := make([]bool, len(p.need))
	// prevEssay[e] is the judge through which essay e was reached (-1: a root).
	prevEssay := make([]int, len(p.need))
	var queue []int
	for ei, n := range p.need {
		if n > 0 {
			queue = append(queue, ei)
			seenE[ei] = true
			prevEssay[ei] = -1
		}
	}
	for len(queue) > 0 {
		ei := queue[0]
		queue = queue[1:]
		for _, ji := range p.edges[ei] {
			if seenJ[ji] || p.sits(ei, ji) {
				continue
			}
			seenJ[ji] = true
			prevJudge[ji] = ei
			if p.load[ji] < capacity {
				p.apply(ji, prevJudge, prevEssay)
				return true
			}
			for _, e2 := range p.byJudge[ji] {
				if !seenE[e2] {
					seenE[e2] = true
					prevEssay[e2] = ji
					queue = append(queue, e2)
				}
			}
		}
	}
	return false
}

func (p *planner) apply(last int, prevJudge, prevEssay []int) {
	p.load[last]++
	ji := last
	for {
		ei := prevJudge[ji]
		p.add(ei, ji)
		back := prevEssay[ei]
		if back < 0 {
			p.need[ei]--
			p.filled++
			return
		}
		// Essay ei gives up judge back, who takes the essay before it.
		p.remove(ei, back)
		ji = back
	}
}

func (p *planner) add(ei, ji int) {
	p.assigned[ei] = append(p.assigned[ei], ji)
	p.byJudge[ji] = append(p.byJudge[ji], ei)
}

func (p *planner) remove(ei, ji int) {
	p.assigned[ei] = without(p.assigned[ei], ji)
	p.byJudge[ji] = without(p.byJudge[ji], ei)
}

func without(xs []int, x int) []int {
	for i, v := range xs {
		if v == x {
			return append(xs[:i], xs[i+1:]...)
		}
	}
	return xs
}
