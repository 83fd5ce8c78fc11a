package contest

import (
	"context"
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

// FinalizeAllDue finalizes every attempt due, in batches, and returns how
// many: the job the server runs every few seconds.
func (s *Service) FinalizeAllDue(ctx context.Context) (int, error) {
	const batch = 500
	total := 0
	for {
		n, err := s.FinalizeExpired(ctx, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}
