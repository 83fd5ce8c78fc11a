package questions

import (
	"context"
	"slices"
	"sync"
	"time"
)

// usageRecorder records which question versions have been drawn (see
// Bank.Draw), for one process.
//
// After warm-up every version a draw hands out is already recorded and a
// draw writes nothing. Warm-up is the moment a round opens: hundreds of
// starts draw at once, each finding versions not yet recorded. Written
// one draw at a time, those inserts were a durable transaction each, and
// each waited on the others' rows (an INSERT ... ON CONFLICT waits for the
// transaction that inserted the same key first): the load test's opening
// burst answered its first second of starts in 270 ms at the median.
// Draws that arrive while a write runs now wait and are written together,
// in the next single statement.
type usageRecorder struct {
	write func(ctx context.Context, ids []int64) error

	mu      sync.Mutex
	used    map[int64]struct{} // recorded by this process
	next    *usageBatch        // filling while a write runs
	writing bool
}

type usageBatch struct {
	ids  map[int64]struct{}
	err  error
	done chan struct{}
}

func newUsageRecorder(write func(ctx context.Context, ids []int64) error) *usageRecorder {
	return &usageRecorder{write: write, used: map[int64]struct{}{}}
}

// record returns once every version in ids is recorded, or with the error
// of the statement that was to record them (with ctx's when ctx ends
// first: the versions may or may not be recorded then).
func (u *usageRecorder) record(ctx context.Context, ids []int64) error {
	u.mu.Lock()
	var b *usageBatch
	for _, id := range ids {
		if _, ok := u.used[id]; ok {
			continue
		}
		if b == nil {
			if u.next == nil {
				u.next = &usageBatch{ids: map[int64]struct{}{}, done: make(chan struct{})}
			}
			b = u.next
		}
		b.ids[id] = struct{}{}
	}
	if b == nil {
		u.mu.Unlock()
		return nil
	}
	lead := !u.writing
	if lead {
		u.writing, u.next = true, nil
	}
	u.mu.Unlock()
	if lead {
		// Written on behalf of every draw in the batch: one caller giving
		// up must not cancel the others' write.
		go u.run(context.WithoutCancel(ctx), b)
	}
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run writes b, then whatever batch filled in the meantime, until none is
// left.
func (u *usageRecorder) run(ctx context.Context, b *usageBatch) {
	for b != nil {
		ids := make([]int64, 0, len(b.ids))
		for id := range b.ids {
			ids = append(ids, id)
		}
		// In id order, so that two instances recording overlapping sets
		// wait for each other instead of deadlocking.
		slices.Sort(ids)
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		b.err = u.write(wctx, ids)
		cancel()

		u.mu.Lock()
		if b.err == nil {
			for _, id := range ids {
				u.used[id] = struct{}{}
			}
		}
		close(b.done)
		b, u.next = u.next, nil
		if b == nil {
			u.writing = false
		}
		u.mu.Unlock()
	}
}
