package leaderboard

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/clock"
	"lawcontest/server/db/dbtest"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

type fixture struct {
	b      *Board
	rdb    redis.UniversalClient
	prefix string
	clk    *clock.Fake
}

func newFixture(t testing.TB, opts ...Option) fixture {
	t.Helper()
	rdb, prefix := dbtest.NewRedis(t)
	clk := clock.NewFake(t0)
	return fixture{b: New(rdb, prefix, clk, opts...), rdb: rdb, prefix: prefix, clk: clk}
}

// open makes the round's board exist, as the Repairer does for a new round.
func (f fixture) open(t testing.TB, round int64, entries ...Entry) {
	t.Helper()
	if err := f.b.Rebuild(context.Background(), round, sliceSource(entries), nil); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
}

func (f fixture) record(t testing.TB, es ...Entry) {
	t.Helper()
	for _, e := range es {
		if err := f.b.Record(context.Background(), e); err != nil {
			t.Fatalf("record %+v: %v", e, err)
		}
	}
}

func sliceSource(es []Entry) func(func(Entry) bool) error {
	return func(yield func(Entry) bool) error {
		for _, e := range es {
			if !yield(e) {
				return nil
			}
		}
		return nil
	}
}

// boardOrder reads a whole board (unit 0: the round's) in Redis order.
func (f fixture) boardOrder(t testing.TB, round, unit int64) []Ranked {
	t.Helper()
	var all []Ranked
	for off := 0; ; off += MaxTopLimit {
		p, err := f.b.readTop(context.Background(), topKey{round: round, unit: unit, limit: MaxTopLimit, offset: off})
		if err != nil {
			t.Fatalf("read board: %v", err)
		}
		all = append(all, p.Entries...)
		if len(p.Entries) < MaxTopLimit {
			return all
		}
	}
}

// sortedBetter returns es sorted by the reference order.
func sortedBetter(es []Entry) []Entry {
	s := slices.Clone(es)
	slices.SortStableFunc(s, func(a, b Entry) int {
		switch {
		case Better(a, b):
			return -1
		case Better(b, a):
			return 1
		}
		return 0
	})
	return s
}

// sameOrder fails unless the board lists exactly want, in order.
func sameOrder(t testing.TB, what string, got []Ranked, want []Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: board has %d entries, want %d", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Position != int64(i+1) || g.ParticipantID != w.ParticipantID || g.AttemptID != w.AttemptID ||
			g.CorrectCount != w.CorrectCount || g.DurationMS != w.DurationMS ||
			g.SubmittedAt.UnixMilli() != w.SubmittedAt.UnixMilli() {
			t.Fatalf("%s: place %d is %+v, want %+v", what, i+1, g, w)
		}
	}
}

func isUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }
