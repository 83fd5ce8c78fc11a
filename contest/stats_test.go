package contest

import (
	"math"
	"sort"
	"testing"
	"time"
)

// TestStatsAgainstAReference takes real attempts (drawn papers, saved
// answers, submits) and checks every figure of Stats against a count made
// in Go from what the test did, the discrimination index included.
func TestStatsAgainstAReference(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(2))

	type taken struct {
		id      int64
		correct int
		right   map[int64]bool // question -> answered right
	}
	var done []taken
	shown := map[int64]int{}
	answered := map[int64]int{}
	for i := 0; i < 24; i++ {
		p := e.participant()
		tries := 1 + i%2
		for k := 0; k < tries; k++ {
			v := e.start(r.ID, p)
			tk := taken{id: v.ID, right: map[int64]bool{}}
			for j, q := range v.Questions {
				shown[q.ID]++
				switch {
				case (i+j+k)%4 == 3: // left blank
				case i < 12 || (int(q.ID)+i)%3 == 0: // the strong half answers right
					e.save(v, q, e.correct(q))
					tk.right[q.ID] = true
					tk.correct++
					answered[q.ID]++
				default:
					e.save(v, q, e.wrong(q))
					tk.right[q.ID] = false
					answered[q.ID]++
				}
			}
			if _, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{}); err != nil {
				t.Fatal(err)
			}
			done = append(done, tk)
		}
	}
	e.start(r.ID, e.participant()) // one attempt still running

	st, err := e.svc.Stats(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Participants != 25 || st.Finished != 24 || st.Attempts != 37 || st.Submitted != 36 || st.InProgress != 1 || st.Expired != 0 {
		t.Fatalf("counts %+v", st)
	}
	if len(st.ByUnit) != 1 || st.ByUnit[0].Participants != 25 || st.ByUnit[0].Unit == "" || st.ByUnit[0].Rate != nil {
		t.Fatalf("by unit %+v", st.ByUnit)
	}

	// Histogram: attempts by correct answers, and people by their best.
	attempts := map[int]int{}
	best := map[int64]int{}
	for _, d := range done {
		attempts[d.correct]++
	}
	for _, d := range done {
		pid := mustOwner(e, d.id)
		if c, ok := best[pid]; !ok || d.correct > c {
			best[pid] = d.correct
		}
	}
	people := map[int]int{}
	allCorrect := 0
	for _, c := range best {
		people[c]++
		if c == 4 {
			allCorrect++
		}
	}
	if len(st.ScoreHistogram) != 5 || st.AllCorrect != allCorrect {
		t.Fatalf("histogram %+v, all correct %d want %d", st.ScoreHistogram, st.AllCorrect, allCorrect)
	}
	for _, b := range st.ScoreHistogram {
		if b.Attempts != attempts[b.CorrectCount] || b.Participants != people[b.CorrectCount] || b.Score != 5*b.CorrectCount {
			t.Fatalf("bin %+v: want %d attempts, %d people", b, attempts[b.CorrectCount], people[b.CorrectCount])
		}
	}

	// Upper and lower 27 % of the finished attempts by correct answers,
	// ties by attempt id.
	sort.Slice(done, func(i, j int) bool {
		if done[i].correct != done[j].correct {
			return done[i].correct > done[j].correct
		}
		return done[i].id < done[j].id
	})
	g := int(math.Ceil(float64(len(done)) * 0.27))
	share := func(group []taken, q int64) (float64, int) {
		n, right := 0, 0
		for _, d := range group {
			if ok, had := d.right[q]; had || hadQuestion(e, d.id, q) {
				n++
				if ok {
					right++
				}
			}
		}
		if n == 0 {
			return 0, 0
		}
		return float64(right) / float64(n), n
	}
	if len(st.Questions) != len(shown) {
		t.Fatalf("%d questions, want %d", len(st.Questions), len(shown))
	}
	for _, q := range st.Questions {
		if q.Text == "" || q.Shown != shown[q.QuestionID] || q.Answered != answered[q.QuestionID] {
			t.Fatalf("question %+v: want shown %d answered %d", q, shown[q.QuestionID], answered[q.QuestionID])
		}
		up, nu := share(done[:g], q.QuestionID)
		low, nl := share(done[len(done)-g:], q.QuestionID)
		if nu != q.Upper || nl != q.Lower {
			t.Fatalf("question %d groups %d/%d, want %d/%d", q.QuestionID, q.Upper, q.Lower, nu, nl)
		}
		switch {
		case nu == 0 || nl == 0:
			if q.Discrimination != nil {
				t.Fatalf("question %d: discrimination without both groups", q.QuestionID)
			}
		case q.Discrimination == nil || math.Abs(*q.Discrimination-(up-low)) > 1e-9:
			t.Fatalf("question %d: discrimination %v, want %v", q.QuestionID, q.Discrimination, up-low)
		}
	}
}

// hadQuestion reports whether an attempt's paper had question q (blank
// answers leave no row to tell).
func hadQuestion(e *env, attemptID, q int64) bool {
	var ok bool
	if err := e.db.Get(&ok, `SELECT paper @> jsonb_build_array(jsonb_build_object('q', $2::bigint)) FROM attempt_papers WHERE attempt_id = $1`,
		attemptID, q); err != nil {
		e.t.Fatal(err)
	}
	return ok
}

func TestLiveStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	for i := 0; i < 3; i++ {
		p := e.participant()
		v := e.start(r.ID, p)
		e.clock.Advance(30 * time.Second)
		if _, err := e.svc.Submit(e.ctx, v.ID, p, SubmitInput{}); err != nil {
			t.Fatal(err)
		}
	}
	e.start(r.ID, e.participant())
	l, err := e.svc.LiveStats(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.InProgress != 1 || len(l.PerMinute) != 60 || l.BucketSeconds != 300 {
		t.Fatalf("live %+v", l)
	}
	sum := 0
	for _, m := range l.PerMinute {
		sum += m.Count
	}
	over := 0
	for _, m := range l.OverTime {
		over += m.Count
	}
	if sum != 3 || over != 3 || l.SubmitsLastMinute != 2 {
		t.Fatalf("per minute %d, over time %d, last minute %d", sum, over, l.SubmitsLastMinute)
	}
}

func TestBucketFor(t *testing.T) {
	for _, c := range []struct {
		span, want time.Duration
	}{{time.Hour, time.Minute}, {2 * time.Hour, 5 * time.Minute}, {7 * 24 * time.Hour, 3 * time.Hour}, {90 * 24 * time.Hour, 24 * time.Hour}} {
		if got := bucketFor(c.span); got != c.want {
			t.Errorf("bucketFor(%v) = %v, want %v", c.span, got, c.want)
		}
	}
}

func TestUnitRankings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(1))
	unit := func(name string, members any) int64 {
		var id int64
		if err := e.db.Get(&id, `INSERT INTO units (name, kind, search_key, member_count) VALUES ($1, 'school', $1, $2) RETURNING id`, name, members); err != nil {
			t.Fatal(err)
		}
		return id
	}
	big, small, unknown := unit("Trường THCS Cầu Giấy", 100), unit("Trường Tiểu học Dịch Vọng", 4), unit("Phường Láng Thượng", nil)
	add := func(u int64, n, correct int) []int64 {
		var ids []int64
		for i := 0; i < n; i++ {
			p := e.participant()
			e.db.MustExec(`UPDATE users SET unit_id = $2 WHERE id = $1`, p, u)
			e.done(r.ID, p, correct, 100, nil)
			ids = append(ids, p)
		}
		return ids
	}
	add(big, 5, 1)
	winners := add(small, 2, 4)
	add(unknown, 3, 2)
	cheat := add(unknown, 3, 0)
	if _, err := e.svc.Disqualify(e.ctx, e.org, r.ContestID, DisqualifyInput{ParticipantID: cheat[0], Reason: "Gian lận"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetRoundPrizes(e.ctx, e.org, r.ID, Prizes{First: 1, Second: 1}); err != nil {
		t.Fatal(err)
	}
	e.close(r.ID)
	if _, err := e.svc.Publish(e.ctx, e.org, r.ID, PublishInput{}); err != nil {
		t.Fatal(err)
	}
	u, err := e.svc.UnitRankings(e.ctx, r.ContestID)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.ByParticipants) != 3 || u.ByParticipants[0].UnitID != unknown || u.ByParticipants[1].UnitID != big ||
		u.ByParticipants[0].Participants != 5 || u.ByParticipants[2].Rank != 3 || u.ByParticipants[0].Rank != 1 || u.ByParticipants[1].Rank != 1 {
		t.Fatalf("by participants %+v", u.ByParticipants)
	}
	if len(u.ByRate) != 2 || u.ByRate[0].UnitID != small || *u.ByRate[0].Rate != 0.5 || *u.ByRate[1].Rate != 0.05 {
		t.Fatalf("by rate %+v", u.ByRate)
	}
	if len(u.ByWinners) != 1 || u.ByWinners[0].UnitID != small || u.ByWinners[0].Winners != len(winners) {
		t.Fatalf("by winners %+v", u.ByWinners)
	}
}
