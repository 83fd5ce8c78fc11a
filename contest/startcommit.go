package contest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"lawcontest/questions"
)

// Starts are committed in groups too (see groupcommit.go). When a round
// opens, thousands of phones press "start" within seconds; one transaction
// per start (lock the participant's row, look for an attempt in progress,
// insert the attempt, commit) held a pooled connection through five round
// trips and a WAL flush each, and the load test's burst stalled at a few
// hundred starts a second. Starts that arrive together now share one
// transaction of four statements, each with its own outcome.
//
// Two such transactions at most run at once (as for autosaves and
// submits). More does not add throughput: every start share-locks the
// round's row, and the load test's mixed load on two cores ran at 200
// attempts/s with four start committers, 260/s with two and 294/s with
// one, while the opening burst's p99 was best with two (418 ms, against
// 524 with one and 655 with four, on a machine the burst saturates).
// Fewer, larger groups cost Postgres less per start.

const (
	startGroupMax   = 128
	startCommitters = 2
)

// startItem is one start waiting for its group's commit: the paper is
// drawn before, so that no connection is held while the bank works.
type startItem struct {
	round         Round
	participantID int64
	paper         questions.Paper
	now, deadline time.Time

	// outcome
	closed    bool  // the round closed before the start
	resumeID  int64 // an attempt in progress to resume instead
	limited   bool  // no attempt left
	created   attemptRow
	finalized []finalizedAttempt // the participant's expired attempt, finished first
}

func (it *startItem) groupKey() saveKey { return saveKey{it.round.ID, it.participantID} }

// startGroup commits a group of starts. Items are sorted by round and
// participant, and the participant rows are locked in that order.
func (s store) startGroup(ctx context.Context, items []*startItem) error {
	return s.inGroupTx(ctx, func(tx txStore) error {
		type rp struct{ round, participant int64 }
		n := len(items)
		rounds, people, ats := make([]int64, n), make([]int64, n), make([]string, n)
		for i, it := range items {
			rounds[i], people[i], ats[i] = it.round.ID, it.participantID, it.now.Format(time.RFC3339Nano)
			it.closed, it.resumeID, it.limited, it.created, it.finalized = false, 0, false, attemptRow{}, nil
		}
		// Concurrent starts of one participant queue on their row here,
		// whichever instance runs them. The round is share-locked and
		// checked open in the same statement: an organizer's close may
		// have committed since the round was read, and an attempt started
		// after it would escape the final ranking. No row: closed.
		rows, err := tx.query(ctx, `
			WITH i AS (
				SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) AS i(round_id, participant_id, at)
			), r AS (
				SELECT id, closes_at FROM rounds WHERE id IN (SELECT round_id FROM i) FOR KEY SHARE
			)
			INSERT INTO round_participants (round_id, participant_id, attempts_started, first_started_at)
			SELECT i.round_id, i.participant_id, 0, i.at FROM i JOIN r ON r.id = i.round_id
			WHERE r.closes_at > i.at
			ORDER BY i.round_id, i.participant_id
			ON CONFLICT (round_id, participant_id)
			DO UPDATE SET attempts_started = round_participants.attempts_started
			RETURNING round_id, participant_id, attempts_started`,
			pq.Array(rounds), pq.Array(people), pq.Array(ats))
		if err != nil {
			return err
		}
		started := map[rp]int{}
		for rows.Next() {
			var k rp
			var n int
			if err := rows.Scan(&k.round, &k.participant, &n); err != nil {
				rows.Close()
				return err
			}
			started[k] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		// Their attempts in progress, read after the locks: a start that
		// queued behind another sees the attempt it made.
		// One index probe per start, whatever the statistics say: as a
		// plain join, with statistics from before a burst (almost nothing
		// in progress), the planner scanned every attempt in progress for
		// the group (60 ms at 27,000). LIMIT 1 (there is at most one, by a
		// unique index) keeps the subquery from being merged into a join.
		rows, err = tx.query(ctx, `
			SELECT i.round_id, i.participant_id, a.id, a.deadline_at
			FROM unnest($1::bigint[], $2::bigint[]) AS i(round_id, participant_id)
			CROSS JOIN LATERAL (
				SELECT id, deadline_at FROM attempts
				WHERE round_id = i.round_id AND participant_id = i.participant_id AND status = 'in_progress'
				LIMIT 1
			) a`, pq.Array(rounds), pq.Array(people))
		if err != nil {
			return err
		}
		current := map[rp]attemptBrief{}
		for rows.Next() {
			var k rp
			var b attemptBrief
			if err := rows.Scan(&k.round, &k.participant, &b.ID, &b.DeadlineAt); err != nil {
				rows.Close()
				return err
			}
			b.DeadlineAt = b.DeadlineAt.UTC()
			current[k] = b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		var expired []finalizeItem
		var create []*startItem
		for _, it := range items {
			k := rp{it.round.ID, it.participantID}
			n, open := started[k]
			if !open {
				it.closed = true
				continue
			}
			if cur, ok := current[k]; ok {
				if it.now.Before(cur.DeadlineAt) {
					it.resumeID = cur.ID
					continue
				}
				expired = append(expired, finalizeItem{id: cur.ID, at: it.now})
			}
			if !it.round.Practice && n >= it.round.MaxAttempts {
				it.limited = true // the expiry above, if any, is committed
				continue
			}
			create = append(create, it)
		}
		fs, err := tx.finalize(ctx, AttemptExpired, expired)
		if err != nil {
			return err
		}
		byKey := make(map[rp]*startItem, len(items))
		for _, it := range items {
			byKey[rp{it.round.ID, it.participantID}] = it
		}
		for _, f := range fs {
			if it := byKey[rp{f.RoundID, f.ParticipantID}]; it != nil {
				it.finalized = append(it.finalized, f)
			}
		}
		return tx.insertAttempts(ctx, create)
	})
}

// insertAttempts counts each start on its (locked) participant row and
// inserts the attempts with their papers, in one statement.
func (t txStore) insertAttempts(ctx context.Context, items []*startItem) error {
	if len(items) == 0 {
		return nil
	}
	n := len(items)
	var (
		rounds, people, seeds, versions = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		counts                          = make([]int64, n)
		starts, deadlines               = make([]string, n), make([]string, n)
		papers, keys                    = make([]string, n), make([]string, n)
	)
	for i, it := range items {
		paper, err := json.Marshal(it.paper.Refs())
		if err != nil {
			return err
		}
		key, err := json.Marshal(answerKey(it.paper))
		if err != nil {
			return err
		}
		rounds[i], people[i], seeds[i], versions[i] = it.round.ID, it.participantID, it.paper.Seed, it.paper.BankVersion
		counts[i] = int64(len(it.paper.Questions))
		starts[i], deadlines[i] = it.now.Format(time.RFC3339Nano), it.deadline.Format(time.RFC3339Nano)
		papers[i], keys[i] = string(paper), string(key)
	}
	rows, err := t.query(ctx, `
		WITH i AS (
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::text[],
				$6::bigint[], $7::bigint[], $8::text[], $9::bigint[])
				AS i(round_id, participant_id, started_at, deadline_at, paper, seed, bank_version, answer_key, question_count)
		), c AS (
			UPDATE round_participants p SET attempts_started = p.attempts_started + 1
			FROM i WHERE p.round_id = i.round_id AND p.participant_id = i.participant_id
			RETURNING p.round_id, p.participant_id, p.attempts_started
		)
		INSERT INTO attempts (round_id, participant_id, attempt_no, status, started_at, deadline_at,
			paper, seed, bank_version, answer_key, question_count)
		SELECT i.round_id, i.participant_id, c.attempts_started, 'in_progress', i.started_at, i.deadline_at,
			i.paper::jsonb, i.seed, i.bank_version, i.answer_key::jsonb, i.question_count
		FROM i JOIN c ON c.round_id = i.round_id AND c.participant_id = i.participant_id
		ORDER BY i.round_id, i.participant_id
		RETURNING round_id, participant_id, id, attempt_no`,
		pq.Array(rounds), pq.Array(people), pq.Array(starts), pq.Array(deadlines), pq.Array(papers),
		pq.Array(seeds), pq.Array(versions), pq.Array(keys), pq.Array(counts))
	if err != nil {
		return err
	}
	defer rows.Close()
	type rp struct{ round, participant int64 }
	byKey := make(map[rp]*startItem, n)
	for _, it := range items {
		byKey[rp{it.round.ID, it.participantID}] = it
	}
	got := 0
	for rows.Next() {
		var k rp
		var a attemptRow
		if err := rows.Scan(&k.round, &k.participant, &a.ID, &a.AttemptNo); err != nil {
			return err
		}
		if it := byKey[k]; it != nil {
			it.created = a
			got++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("start group: %d attempts inserted for %d starts", got, n)
	}
	return nil
}
