package contest

import (
	"context"
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
// earlier ones commit go together in one call of the SQL function
// submit_group, each with its own outcome, each answered only after the
// commit. One group is committed at a time: the submit-only phase of the
// load test ran at 3,600/s with four committers (groups of 27, Postgres's
// CPU per submit 140 µs), 4,100 to 5,400/s with two (groups of 57, 90 µs)
// and 2,800/s with eight. On the eighth pass's machine one against two
// gave 7,112 and 7,729 against 6,553 and 7,327 submits/s alone (machine
// CPU per submit 226 and 236 against 244 and 289 µs), and 305 and 307
// against 274 and 290 attempts/s in the mixed load.
//
// A group's attempts go on the live board after its commit but outside
// its committer's turn (recordSubmits, groupCommit.afterCommit): with the
// Redis call inside the turn, Postgres waited for Redis once per group.
// On the ninth pass's machine, five interleaved submit phases each: 7,216
// to 9,301 submits/s (median 8,704, machine 74 to 82 % busy) with the
// call inside, 7,356 to 10,983 (median 9,949, 81 to 89 % busy) outside.

const (
	submitGroupMax   = 128
	submitCommitters = 1
)

// submitItem is one submit waiting for its group's commit.
type submitItem struct {
	attemptID, participantID int64
	answers                  map[int64]string
	// answersErr is why the body's answers do not fit the attempt's paper,
	// checked before the group against the cached paper; nil when they fit
	// (or when there is no such attempt: the group then says not found).
	answersErr  error
	prediction  *int
	now, cutoff time.Time

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

// recordSubmits puts the attempts a committed group of submits finished on
// the live board and reads their places, in one Redis call for the whole
// group instead of two per submit. It runs after the group's commit, while
// the next group commits (groupCommit.afterCommit).
func (s *Service) recordSubmits(ctx context.Context, items []*submitItem) {
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
}

// submitGroup commits a group of submits in one call of the SQL function
// submit_group (migration 0600), in autocommit: the row locks, the body's
// answers, the scoring and the commit in one round trip. Items are sorted
// by attempt, and the row locks are taken in that order, as every writer
// of attempts does.
func (s store) submitGroup(ctx context.Context, items []*submitItem) error {
	n := len(items)
	var (
		ids, people, preds = make([]int64, n), make([]int64, n), make([]int64, n)
		ats, cutoffs       = make([]string, n), make([]string, n)
		fits               = make([]bool, n)
		ansItems           []int32
		ansQuestions       []int64
		ansOptions         []string
		byID               = make(map[int64]*submitItem, n)
	)
	for i, it := range items {
		ids[i], people[i], preds[i] = it.attemptID, it.participantID, -1
		if it.prediction != nil {
			preds[i] = int64(*it.prediction)
		}
		ats[i], cutoffs[i] = it.now.Format(time.RFC3339Nano), it.cutoff.Format(time.RFC3339Nano)
		fits[i] = it.answersErr == nil
		for q, o := range it.answers {
			ansItems, ansQuestions, ansOptions = append(ansItems, int32(i+1)), append(ansQuestions, q), append(ansOptions, o)
		}
		byID[it.attemptID] = it
		it.err, it.finalized = nil, nil // a retried group starts afresh
	}
	rows, err := s.stmts.Query(ctx, `SELECT * FROM submit_group($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		pq.Array(ids), pq.Array(people), pq.Array(ats), pq.Array(cutoffs), pq.Array(preds), pq.Array(fits),
		pq.Array(ansItems), pq.Array(ansQuestions), pq.Array(ansOptions))
	if err != nil {
		return err
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var (
			outcome string
			f       finalizedAttempt
		)
		if err := rows.Scan(append([]any{&outcome}, f.columns()...)...); err != nil {
			return err
		}
		it := byID[f.ID]
		if it == nil {
			return fmt.Errorf("submit group: a row for attempt %d, not in the group", f.ID)
		}
		got++
		switch outcome {
		case AttemptSubmitted, AttemptExpired:
			f.SubmittedAt = f.SubmittedAt.UTC()
			it.finalized = &f
		case "not_found":
			it.err = apperr.New(apperr.NotFound, "attempt.not_found")
		case "unfit":
			it.err = it.answersErr
		case "done":
			// already finished: the stored result stands
		default:
			return fmt.Errorf("submit group: outcome %q for attempt %d", outcome, f.ID)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("submit group: %d outcomes for %d submits", got, n)
	}
	return nil
}
