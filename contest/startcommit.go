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
// call of the SQL function start_group (one round trip, committed with
// it), each with its own outcome.
//
// One such group runs at a time. Every start share-locks the round's
// row, and fewer, larger groups cost Postgres less per start: with two
// committers the opening burst's start groups took Postgres twice the
// time (10.0 against 5.6 s for 6,000 starts). On the eighth pass's
// machine, once the pool was warmed (server/db.WarmPool) and draws shared
// their usage writes, one committer gave the 6,000-start burst at 1,000
// a second a p99 of 104 to 147 ms (median 111) against 88 to 168 ms
// (median 147) with two, the 20,000 at 2,000 a second 295 against
// 442 ms, and the mixed load 287 to 291 attempts/s against 277 to 288.
// (The fourth pass had found two better for the burst, 418 against
// 524 ms, when cold backends and one usage insert per draw stalled
// whichever group waited on them.)

const (
	startGroupMax   = 128
	startCommitters = 1
)

// startItem is one start waiting for its group's commit: the paper is
// drawn before, so that no connection is held while the bank works.
type startItem struct {
	round         Round
	participantID int64
	paper         questions.Paper
	now, deadline time.Time
	// paperJSON and keyJSON are the paper's refs and answer key as the
	// group function takes them, encoded by the caller (encode) so that
	// the one start committer spends its turn on Postgres, not on JSON.
	paperJSON, keyJSON string

	// outcome
	closed    bool  // the round closed before the start
	resumeID  int64 // an attempt in progress to resume instead
	limited   bool  // no attempt left
	created   attemptRow
	finalized []finalizedAttempt // the participant's expired attempt, finished first
}

func (it *startItem) groupKey() saveKey { return saveKey{it.round.ID, it.participantID} }

// encode fills paperJSON and keyJSON from the paper.
func (it *startItem) encode() error {
	paper, err := json.Marshal(it.paper.Refs())
	if err != nil {
		return err
	}
	key, err := json.Marshal(answerKey(it.paper))
	if err != nil {
		return err
	}
	it.paperJSON, it.keyJSON = string(paper), string(key)
	return nil
}

// startGroup commits a group of starts in one call of the SQL function
// start_group (migration 0600), in autocommit: one round trip where a
// transaction took six. Items are sorted by round and participant, and the
// participant rows are locked in that order.
func (s store) startGroup(ctx context.Context, items []*startItem) error {
	n := len(items)
	var (
		rounds, people, seeds, versions = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		limits, counts                  = make([]int32, n), make([]int32, n)
		ats, deadlines                  = make([]string, n), make([]string, n)
		papers, keys                    = make([]string, n), make([]string, n)
		byKey                           = make(map[saveKey]*startItem, n)
	)
	for i, it := range items {
		rounds[i], people[i], seeds[i], versions[i] = it.round.ID, it.participantID, it.paper.Seed, it.paper.BankVersion
		if !it.round.Practice {
			limits[i] = int32(it.round.MaxAttempts)
		}
		counts[i] = int32(len(it.paper.Questions))
		ats[i], deadlines[i] = it.now.Format(time.RFC3339Nano), it.deadline.Format(time.RFC3339Nano)
		papers[i], keys[i] = it.paperJSON, it.keyJSON
		byKey[it.groupKey()] = it
		it.closed, it.resumeID, it.limited, it.created, it.finalized = false, 0, false, attemptRow{}, nil
	}
	rows, err := s.stmts.Query(ctx, `SELECT * FROM start_group($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		pq.Array(rounds), pq.Array(people), pq.Array(ats), pq.Array(limits), pq.Array(deadlines),
		pq.Array(papers), pq.Array(seeds), pq.Array(versions), pq.Array(keys), pq.Array(counts))
	if err != nil {
		return err
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var (
			outcome   string
			attemptNo int
			f         finalizedAttempt
		)
		if err := rows.Scan(append([]any{&outcome, &attemptNo}, f.columns()...)...); err != nil {
			return err
		}
		it := byKey[saveKey{f.RoundID, f.ParticipantID}]
		if it == nil {
			return fmt.Errorf("start group: a row for round %d participant %d, not in the group", f.RoundID, f.ParticipantID)
		}
		if outcome == AttemptExpired {
			f.SubmittedAt = f.SubmittedAt.UTC()
			it.finalized = append(it.finalized, f)
			continue
		}
		got++
		switch outcome {
		case "closed":
			it.closed = true
		case "resumed":
			it.resumeID = f.ID
		case "limited":
			it.limited = true // the expiry above, if any, is committed
		case "created":
			it.created = attemptRow{ID: f.ID, AttemptNo: attemptNo}
		default:
			return fmt.Errorf("start group: outcome %q for round %d participant %d", outcome, f.RoundID, f.ParticipantID)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("start group: %d outcomes for %d starts", got, n)
	}
	return nil
}
