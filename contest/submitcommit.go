package contest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"lawcontest/apperr"
	"lawcontest/contest/leaderboard"
)

// Submits are committed in groups, like autosaves (groupcommit.go): a
// submit is a row lock, an optional merge of the body's answers, a scoring
// update and a commit, and one transaction each held a pooled connection
// through four round trips and a WAL flush (the load test's submit-only
// phase ran at a tenth of the raw INSERT rate). Submits that arrive while
// earlier ones commit go together in one transaction, each with its own
// outcome, each answered only after the commit. Two groups are committed
// at once: the submit-only phase of the load test ran at 3,600/s with
// four (groups of 27, Postgres's CPU per submit 140 µs) and 4,100 to
// 5,400/s with two (groups of 57, 90 µs); with eight, at 2,800/s.

const (
	submitGroupMax   = 128
	submitCommitters = 2
)

// submitItem is one submit waiting for its group's commit.
type submitItem struct {
	attemptID, participantID int64
	answers                  map[int64]string
	prediction               *int
	now, cutoff              time.Time

	// err is this submit's own refusal (not found, an answer outside the
	// paper): the group's other submits go on.
	err error
	// finalized is the attempt this submit finished (submitted, or expired
	// when it came past the deadline and grace), nil when it was already
	// finished.
	finalized *finalizedAttempt
	// place is the participant's place on the live board once the group
	// is recorded there; zero when unknown.
	place leaderboard.Place
}

func (it *submitItem) groupKey() saveKey { return saveKey{it.attemptID, 0} }

// commitSubmits commits a group of submits, then puts the attempts they
// finished on the live board and reads their places, in one Redis call for
// the whole group instead of two per submit.
func (s *Service) commitSubmits(ctx context.Context, items []*submitItem) error {
	if err := s.st.submitGroup(ctx, items); err != nil {
		return err
	}
	var (
		fs   []finalizedAttempt
		mine []*submitItem
	)
	for _, it := range items {
		if it.finalized != nil {
			fs = append(fs, *it.finalized)
			mine = append(mine, it)
		}
	}
	for i, p := range s.recordFinalized(ctx, fs) {
		mine[i].place = p
	}
	return nil
}

// submitGroup commits a group of submits in one transaction. Items are
// sorted by attempt, and the row locks are taken in that order, as every
// writer of attempts does.
func (s store) submitGroup(ctx context.Context, items []*submitItem) error {
	return s.inGroupTx(ctx, func(tx txStore) error {
		ids := make([]int64, len(items))
		var withAnswers []int64
		for i, it := range items {
			ids[i] = it.attemptID
			if len(it.answers) > 0 {
				withAnswers = append(withAnswers, it.attemptID)
			}
			it.err, it.finalized = nil, nil // a retried group starts afresh
		}
		locked, err := tx.lockAttempts(ctx, ids, withAnswers)
		if err != nil {
			return err
		}
		var (
			submitted, expired []finalizeItem
			ansAttempts, ansQs []int64
			ansOpts, ansAt     []string
		)
		for _, it := range items {
			a, ok := locked[it.attemptID]
			switch {
			case !ok || a.ParticipantID != it.participantID:
				it.err = apperr.New(apperr.NotFound, "attempt.not_found")
			case a.Status != AttemptInProgress:
				// already finished: the stored result stands
			case a.DeadlineAt.Before(it.cutoff):
				expired = append(expired, finalizeItem{id: a.ID, at: it.now})
			default:
				if err := checkAgainstPaper(a.Refs, it.answers); err != nil {
					it.err = err
					continue
				}
				for q, o := range it.answers {
					ansAttempts, ansQs = append(ansAttempts, a.ID), append(ansQs, q)
					ansOpts, ansAt = append(ansOpts, o), append(ansAt, it.now.Format(time.RFC3339Nano))
				}
				submitted = append(submitted, finalizeItem{id: a.ID, at: it.now, prediction: it.prediction})
			}
		}
		if len(ansAttempts) > 0 {
			// The body's answers win over the autosaved ones.
			if _, err := tx.exec(ctx, `
				INSERT INTO attempt_answers (attempt_id, question_id, option_id, saved_at)
				SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[])
				ORDER BY 1, 2
				ON CONFLICT (attempt_id, question_id)
				DO UPDATE SET option_id = EXCLUDED.option_id, saved_at = EXCLUDED.saved_at`,
				pq.Array(ansAttempts), pq.Array(ansQs), pq.Array(ansOpts), pq.Array(ansAt)); err != nil {
				return err
			}
		}
		done := map[int64]finalizedAttempt{}
		for _, batch := range []struct {
			status string
			items  []finalizeItem
		}{{AttemptSubmitted, submitted}, {AttemptExpired, expired}} {
			fs, err := tx.finalize(ctx, batch.status, batch.items)
			if err != nil {
				return err
			}
			for _, f := range fs {
				done[f.ID] = f
			}
		}
		for _, it := range items {
			if f, ok := done[it.attemptID]; ok && it.err == nil {
				it.finalized = &f
			}
		}
		return nil
	})
}

// lockAttempts takes the row locks of attempts, in id order, and reads
// what a submit checks. Papers are read only for the attempts in
// withPaper, whose submits carry answers to check: the quiz page's submit
// usually carries none (its answers are autosaved), and decoding every
// paper was the largest cost of a submit in the server's profile.
func (t txStore) lockAttempts(ctx context.Context, ids, withPaper []int64) (map[int64]lockedAttempt, error) {
	rows, err := t.query(ctx, `
		SELECT id, participant_id, status, deadline_at,
			CASE WHEN id = ANY($2) THEN paper END
		FROM attempts
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, pq.Array(ids), pq.Array(withPaper))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]lockedAttempt, len(ids))
	for rows.Next() {
		var (
			a     lockedAttempt
			paper []byte
		)
		if err := rows.Scan(&a.ID, &a.ParticipantID, &a.Status, &a.DeadlineAt, &paper); err != nil {
			return nil, err
		}
		a.DeadlineAt = a.DeadlineAt.UTC()
		if paper != nil {
			if err := json.Unmarshal(paper, &a.Refs); err != nil {
				return nil, fmt.Errorf("attempt %d paper: %w", a.ID, err)
			}
		}
		out[a.ID] = a
	}
	return out, rows.Err()
}
