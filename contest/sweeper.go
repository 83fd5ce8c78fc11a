package contest

import (
	"context"

	"lawcontest/apperr"
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
		done, err = tx.expire(ctx, ids, now)
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
		done, err = tx.expire(ctx, []int64{id}, now)
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

// CloseNow closes a round at once, for an organizer (issue 5 builds the
// final ranking on it): closes_at moves to now, attempts in progress get
// now as their deadline and are finalized with their saved answers, and the
// change is audited. Closing a closed round again finalizes what is left
// and changes nothing else. It returns how many attempts it finalized.
func (s *Service) CloseNow(ctx context.Context, actor Actor, roundID int64) (int, error) {
	now := s.now()
	var done []finalizedAttempt
	err := s.st.inTx(ctx, func(tx txStore) error {
		r, err := tx.roundForUpdate(ctx, roundID)
		if err != nil {
			return err
		}
		if !now.After(r.OpensAt) {
			return apperr.New(apperr.Conflict, "round.not_opened_yet")
		}
		if now.Before(r.ClosesAt) {
			if err := tx.closeRound(ctx, roundID, now); err != nil {
				return err
			}
			if err := tx.audit(ctx, actor, now, "round.close", "round", roundID, map[string]any{"closes_at": now, "was": r.ClosesAt}); err != nil {
				return err
			}
		}
		ids, err := tx.inProgressOfRound(ctx, roundID)
		if err != nil || len(ids) == 0 {
			return err
		}
		done, err = tx.expire(ctx, ids, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	s.recordFinalized(ctx, done)
	return len(done), nil
}
