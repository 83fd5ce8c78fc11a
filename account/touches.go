package account

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/lib/pq"
)

// A participant's session was "touched" (last_seen_at written) by the
// request that found it a minute old, in a transaction of its own: one WAL
// flush each. In the load test's submit phase every session came due
// within the same seconds, and those single-row commits took most of
// Postgres's time, halving the submit rate. last_seen_at of a participant
// is only shown, never checked (staff sessions, whose idle timeout is,
// are still written at once), so participants' touches are queued and
// written together, once a second, in one statement.

// maxQueuedTouches bounds the queue while Postgres does not answer; touches
// past it are dropped (the next request of the session queues one again).
const maxQueuedTouches = 200_000

// touchBatch is the most sessions one UPDATE writes.
const touchBatch = 5_000

// touchQueue is the latest time each session was seen, by token hash.
type touchQueue struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (q *touchQueue) add(hash []byte, at time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.at == nil {
		q.at = map[string]time.Time{}
	}
	if old, ok := q.at[string(hash)]; ok {
		if at.After(old) {
			q.at[string(hash)] = at
		}
		return
	}
	if len(q.at) < maxQueuedTouches {
		q.at[string(hash)] = at
	}
}

// take empties the queue and returns what it held, sorted by hash (the
// order in which every instance locks the rows).
func (q *touchQueue) take() (hashes [][]byte, ats []time.Time) {
	q.mu.Lock()
	pending := q.at
	q.at = nil
	q.mu.Unlock()
	for h := range pending {
		hashes = append(hashes, []byte(h))
	}
	slices.SortFunc(hashes, bytes.Compare)
	ats = make([]time.Time, len(hashes))
	for i, h := range hashes {
		ats[i] = pending[string(h)]
	}
	return hashes, ats
}

// FlushTouches writes the queued last_seen_at of participants' sessions
// and returns how many it wrote. What a failed statement did not write
// goes back in the queue. The server calls it every second and when it
// stops.
func (s *Store) FlushTouches(ctx context.Context) (int, error) {
	hashes, ats := s.touches.take()
	for i := 0; i < len(hashes); i += touchBatch {
		end := min(i+touchBatch, len(hashes))
		times := make([]string, end-i)
		for j, at := range ats[i:end] {
			times[j] = at.UTC().Format(time.RFC3339Nano)
		}
		// greatest: a later touch written by another instance stays.
		_, err := s.db.ExecContext(ctx, `
			UPDATE sessions s SET last_seen_at = greatest(s.last_seen_at, t.at)
			FROM unnest($1::bytea[], $2::timestamptz[]) AS t(h, at)
			WHERE s.token_hash = t.h`, pq.ByteaArray(hashes[i:end]), pq.Array(times))
		if err != nil {
			for j := i; j < len(hashes); j++ {
				s.touches.add(hashes[j], ats[j])
			}
			return i, err
		}
	}
	return len(hashes), nil
}
