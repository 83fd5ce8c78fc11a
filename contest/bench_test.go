package contest

import (
	"sync/atomic"
	"testing"
)

// BenchmarkAutosave measures the autosave write path (one statement: lock
// the attempt, check owner, deadline and paper, upsert the answer) against
// a bare upsert of the same row, both committed, from parallel clients:
//
//	go test -run XXX -bench Autosave -benchtime 3s ./contest
func BenchmarkAutosave(b *testing.B) {
	e := newEnv(b)
	r := e.round(roundInput(1))
	const n = 64
	vs := make([]AttemptView, n)
	owners := make([]int64, n)
	for i := range vs {
		owners[i] = e.participant()
		v, _, err := e.svc.Start(e.ctx, r.ID, owners[i])
		if err != nil {
			b.Fatal(err)
		}
		vs[i] = v
	}
	b.Run("SaveAnswer", func(b *testing.B) {
		var next atomic.Int64
		b.SetParallelism(8) // 16 clients on 2 cores: phones wait on the network, not the CPU
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				k := int(next.Add(1)) % n
				v := vs[k]
				q := v.Questions[i%len(v.Questions)]
				if err := e.svc.SaveAnswer(e.ctx, v.ID, owners[k], q.ID, q.Options[i%len(q.Options)].ID); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("RawUpsert", func(b *testing.B) {
		var next atomic.Int64
		b.SetParallelism(8) // 16 clients on 2 cores: phones wait on the network, not the CPU
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				k := int(next.Add(1)) % n
				v := vs[k]
				q := v.Questions[i%len(v.Questions)]
				_, err := e.db.Exec(`INSERT INTO attempt_answers (attempt_id, question_id, option_id, saved_at)
					VALUES ($1, $2, $3, now())
					ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id, saved_at = EXCLUDED.saved_at`,
					v.ID, q.ID, q.Options[i%len(q.Options)].ID)
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
