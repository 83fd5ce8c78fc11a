package contest

import (
	"math/rand/v2"
	"testing"
	"time"
)

// livePlace counts instead of ranking the round: on random attempts with
// many ties (equal scores, durations and submission times) it must give
// every participant the place and total round_ranking gives.
func TestLivePlaceEqualsRoundRanking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(3))
	rng := rand.New(rand.NewPCG(7, 11))
	const questionCount = 3
	var people []int64
	for i := 0; i < 50; i++ {
		people = append(people, e.participant())
	}
	for _, p := range people[:45] { // five never finish an attempt
		n := 1 + rng.IntN(3)
		for k := 0; k < n; k++ {
			e.insertFinished(r.ID, &finished{participant: p, correct: rng.IntN(questionCount + 1),
				durationMS: int64(1000 * (1 + rng.IntN(3))), submitted: t0.Add(time.Duration(rng.IntN(3)) * time.Second)}, k+1, questionCount)
		}
	}
	standings, err := e.svc.Ranking(e.ctx, r.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(standings) != 45 {
		t.Fatalf("%d ranked, want 45", len(standings))
	}
	placeOf := map[int64]int64{}
	for _, st := range standings {
		placeOf[st.ParticipantID] = st.Place
	}
	for _, p := range people {
		place, total, ok, err := e.svc.st.livePlace(e.ctx, r.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		want, ranked := placeOf[p]
		if ok != ranked || place != want || (ok && total != 45) {
			t.Fatalf("participant %d: livePlace %d of %d (%v), round_ranking %d (%v)", p, place, total, ok, want, ranked)
		}
	}
}
