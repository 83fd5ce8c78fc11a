package contest

import (
	"context"
	"math/rand/v2"
	"time"
)

// FinalizeExpired finalizes, with their saved answers, up to limit attempts
// nobody submitted whose deadline plus the grace has passed, and returns how
// many it finalized. Attempts are claimed with FOR UPDATE SKIP LOCKED, so
// any number of instances can sweep at once: each attempt is finalized by
// exactly one of them, and none waits for another.
func (s *Service) FinalizeExpired(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	now := s.now()
	var done []finalizedAttempt
	err := s.st.inTx(ctx, func(tx txStore) error {
		ids, err := tx.claimDue(ctx, now.Add(-s.grace), limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		// A second statement, so that it reads every answer committed
		// before the claim took its locks.
		done, err = tx.finalize(ctx, ids, AttemptExpired, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	s.recordFinalized(ctx, done)
	return len(done), nil
}

// finalizeOne finalizes one attempt past its deadline and grace, if it is
// still in progress (another instance may have just done it).
func (s *Service) finalizeOne(ctx context.Context, id int64) error {
	now := s.now()
	var done []finalizedAttempt
	err := s.st.inTx(ctx, func(tx txStore) error {
		a, err := tx.attemptForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if a.Status != AttemptInProgress || !a.DeadlineAt.Before(now.Add(-s.grace)) {
			return nil
		}
		done, err = tx.finalize(ctx, []int64{id}, AttemptExpired, now)
		return err
	})
	if err != nil {
		return err
	}
	s.recordFinalized(ctx, done)
	return nil
}

// RunSweeper calls FinalizeExpired every interval (jittered by up to a
// quarter, so several instances do not sweep in step) until ctx ends. A
// full batch is followed at once by another.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) {
	const batch = 500
	if interval <= 0 {
		interval = 3 * time.Second
	}
	for {
		wait := interval - interval/8 + rand.N(interval/4+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		for {
			n, err := s.FinalizeExpired(ctx, batch)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("contest: sweeper", "err", err)
				}
				break
			}
			if n > 0 {
				s.log.Info("contest: finalized attempts past their deadline", "count", n)
			}
			if n < batch {
				break
			}
		}
	}
}
