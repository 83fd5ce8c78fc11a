package leaderboard

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"lawcontest/apperr"
)

func entry(pid, attempt int64, correct int, durMS int64, at time.Time, unit int64) Entry {
	return Entry{RoundID: 1, ParticipantID: pid, UnitID: unit, AttemptID: attempt,
		CorrectCount: correct, Score: correct * 5, DurationMS: durMS, SubmittedAt: at}
}

func TestRecordOnlyImproves(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.open(t, 1)

	first := entry(7, 100, 15, 300_000, t0, 3)
	f.record(t, first)
	worse := []Entry{
		entry(7, 99, 14, 100_000, t0.Add(-time.Hour), 3),            // fewer correct, late replay of an older attempt
		entry(7, 101, 15, 300_001, t0.Add(time.Minute), 3),          // slower
		entry(7, 102, 15, 300_000, t0.Add(time.Millisecond), 3),     // same, later
		entry(7, 103, 15, 300_000, t0.Add(500*time.Microsecond), 3), // same millisecond, higher attempt id
		first, // replay
	}
	for _, e := range worse {
		f.record(t, e)
		s, err := f.b.Standing(ctx, 1, 7)
		if err != nil {
			t.Fatal(err)
		}
		if s.AttemptID != first.AttemptID {
			t.Fatalf("recording %+v replaced the better attempt %d by %d", e, first.AttemptID, s.AttemptID)
		}
	}

	better := entry(7, 104, 16, 500_000, t0.Add(time.Hour), 4) // more correct, and the unit changed
	f.record(t, better)
	s, err := f.b.Standing(ctx, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if s.AttemptID != 104 || s.CorrectCount != 16 || s.DurationMS != 500_000 || !s.SubmittedAt.Equal(better.SubmittedAt) ||
		s.UnitID != 4 || s.Position != 1 || s.Total != 1 || s.UnitPosition != 1 || s.UnitTotal != 1 {
		t.Fatalf("after a better attempt: %+v", s)
	}
	base := f.prefix + "lb:{r1}"
	for key, want := range map[string]int64{base: 1, base + ":u:4": 1, base + ":u:3": 0} {
		if n := f.rdb.ZCard(ctx, key).Val(); n != want {
			t.Errorf("%s holds %d members, want %d", key, n, want)
		}
	}
}

func TestTopAndRank(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0))
	ctx := context.Background()
	es := []Entry{
		entry(1, 11, 18, 400_000, t0, 1),
		entry(2, 12, 20, 500_000, t0, 2),
		entry(3, 13, 20, 450_000, t0, 1),
		entry(4, 14, 18, 400_000, t0.Add(-time.Second), 0),
		entry(5, 15, 18, 400_000, t0, 1), // ties with 1 to the ms: the lower attempt id (11) wins
	}
	f.open(t, 1)
	f.record(t, es...)
	want := []int64{3, 2, 4, 1, 5}

	all, total, err := f.b.Top(ctx, 1, 0, 50, 0)
	if err != nil || total != 5 {
		t.Fatalf("top: %v, total %d", err, total)
	}
	for i, r := range all {
		if r.ParticipantID != want[i] || r.Position != int64(i+1) {
			t.Fatalf("place %d: %+v, want participant %d", i+1, r, want[i])
		}
	}
	page, total, err := f.b.Top(ctx, 1, 0, 2, 2)
	if err != nil || total != 5 || len(page) != 2 || page[0].ParticipantID != 4 || page[0].Position != 3 || page[1].Position != 4 {
		t.Fatalf("page 2: %+v total %d err %v", page, total, err)
	}
	unit1, total, err := f.b.Top(ctx, 1, 1, 50, 0)
	if err != nil || total != 3 || len(unit1) != 3 || unit1[0].ParticipantID != 3 || unit1[1].ParticipantID != 1 || unit1[2].ParticipantID != 5 {
		t.Fatalf("unit 1: %+v total %d err %v", unit1, total, err)
	}
	if none, total, err := f.b.Top(ctx, 1, 99, 50, 0); err != nil || total != 0 || len(none) != 0 {
		t.Fatalf("empty unit: %+v total %d err %v", none, total, err)
	}
	if past, _, err := f.b.Top(ctx, 1, 0, 50, 10); err != nil || len(past) != 0 {
		t.Fatalf("offset past the end: %+v %v", past, err)
	}

	for i, pid := range want {
		pos, total, err := f.b.Rank(ctx, 1, pid)
		if err != nil || pos != int64(i+1) || total != 5 {
			t.Errorf("rank of %d: %d/%d %v, want %d/5", pid, pos, total, err, i+1)
		}
	}
	s, err := f.b.Standing(ctx, 1, 5)
	if err != nil || s.UnitID != 1 || s.UnitPosition != 3 || s.UnitTotal != 3 {
		t.Errorf("standing of 5: %+v %v", s, err)
	}
	s, err = f.b.Standing(ctx, 1, 4)
	if err != nil || s.UnitID != 0 || s.UnitPosition != 0 || s.UnitTotal != 0 {
		t.Errorf("standing of 4 (no unit): %+v %v", s, err)
	}
	if _, total, err := f.b.Rank(ctx, 1, 42); !errors.Is(err, ErrNoEntry) || !apperr.Is(err, apperr.NotFound) || total != 5 {
		t.Errorf("rank of a participant without entry: total %d, %v", total, err)
	}
}

func TestTopIsCachedAndRankIsNot(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // default TTL: one second
	ctx := context.Background()
	f.open(t, 1, entry(1, 1, 10, 1000, t0, 0))

	before, _, err := f.b.Top(ctx, 1, 0, 10, 0)
	if err != nil || len(before) != 1 {
		t.Fatal(before, err)
	}
	before[0].ParticipantID = 999 // a caller's change must not reach the cache
	f.record(t, entry(2, 2, 12, 1000, t0, 0))

	if pos, total, err := f.b.Rank(ctx, 1, 2); err != nil || pos != 1 || total != 2 {
		t.Fatalf("rank right after the submit: %d/%d %v", pos, total, err)
	}
	cached, total, err := f.b.Top(ctx, 1, 0, 10, 0)
	if err != nil || len(cached) != 1 || total != 1 || cached[0].ParticipantID != 1 {
		t.Fatalf("within the TTL Top should be the cached answer: %+v %d %v", cached, total, err)
	}
	p, err := f.b.TopPage(ctx, 1, 0, 10, 0)
	if err != nil || !p.AsOf.Equal(t0) {
		t.Fatalf("as_of %v, want the time it was read %v (%v)", p.AsOf, t0, err)
	}

	f.clk.Advance(time.Second)
	fresh, total, err := f.b.Top(ctx, 1, 0, 10, 0)
	if err != nil || len(fresh) != 2 || total != 2 || fresh[0].ParticipantID != 2 {
		t.Fatalf("after the TTL: %+v %d %v", fresh, total, err)
	}
	// Other pages and units are cached apart.
	if other, _, err := f.b.Top(ctx, 1, 0, 1, 1); err != nil || len(other) != 1 || other[0].ParticipantID != 1 {
		t.Fatalf("second page: %+v %v", other, err)
	}
}

func TestTopRefusesBadPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		limit, offset int
		unit          int64
		field         string
	}{
		{0, 0, 0, "limit"},
		{MaxTopLimit + 1, 0, 0, "limit"},
		{10, -1, 0, "offset"},
		{10, 0, -3, "unit_id"},
	}
	for _, c := range cases {
		_, _, err := f.b.Top(ctx, 1, c.unit, c.limit, c.offset)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Validation {
			t.Errorf("limit %d offset %d unit %d: %v, want a validation error", c.limit, c.offset, c.unit, err)
			continue
		}
		if _, ok := e.Fields[c.field]; !ok {
			t.Errorf("limit %d offset %d: fields %v, want %s", c.limit, c.offset, e.Fields, c.field)
		}
	}
}

func TestRemove(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0))
	ctx := context.Background()
	f.open(t, 1)
	f.record(t, entry(1, 1, 10, 1000, t0, 5), entry(2, 2, 9, 1000, t0, 5))
	if err := f.b.Remove(ctx, 1, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.b.Remove(ctx, 1, 1); err != nil { // twice is fine
		t.Fatal(err)
	}
	if _, _, err := f.b.Rank(ctx, 1, 1); !errors.Is(err, ErrNoEntry) {
		t.Fatalf("removed participant still ranked: %v", err)
	}
	if pos, total, err := f.b.Rank(ctx, 1, 2); pos != 1 || total != 1 || err != nil {
		t.Fatalf("next participant did not move up: %d/%d %v", pos, total, err)
	}
	if unit, total, _ := f.b.Top(ctx, 1, 5, 10, 0); total != 1 || unit[0].ParticipantID != 2 {
		t.Fatalf("unit board after removal: %+v", unit)
	}
}

func TestKeysShareTheRoundsHashTag(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.open(t, 42, Entry{RoundID: 42, ParticipantID: 300, UnitID: 17, AttemptID: 1, SubmittedAt: t0})
	keys, err := f.rdb.Keys(ctx, f.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"lb:{r42}": true, "lb:{r42}:u:17": true, "lb:{r42}:p:2": true, "lb:{r42}:keys": true, "lb:{r42}:ok": true}
	for _, k := range keys {
		name := strings.TrimPrefix(k, f.prefix)
		if !want[name] {
			t.Errorf("unexpected key %s", name)
		}
		delete(want, name)
	}
	for k := range want {
		t.Errorf("missing key %s", k)
	}
}

func TestTopCacheIsBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.b.cache.max = 3
	f.open(t, 1, entry(1, 1, 1, 1, t0, 0))
	for off := 0; off < 10; off++ {
		if _, _, err := f.b.Top(ctx, 1, 0, 1, off); err != nil {
			t.Fatal(err)
		}
		if n := len(f.b.cache.m); n > 3 {
			t.Fatalf("cache holds %d answers, bound 3", n)
		}
	}
}

// TestRecordAllPlacesEveryEntry records a submit group: entries of two
// rounds, a participant twice, an entry the board cannot hold and a round
// whose board is lost, in one call. Each participant's place is the one
// Standing reads once all are recorded; the bad entry and the lost round
// are reported without stopping the rest.
func TestRecordAllPlacesEveryEntry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0))
	ctx := context.Background()
	f.open(t, 1, entry(9, 90, 19, 100_000, t0, 0)) // already on the board
	f.open(t, 2)
	inRound := func(round int64, e Entry) Entry { e.RoundID = round; return e }
	es := []Entry{
		entry(1, 11, 15, 300_000, t0, 1),
		entry(2, 12, 18, 300_000, t0, 2),
		entry(1, 13, 17, 300_000, t0, 1), // participant 1 again, better: it counts
		inRound(2, entry(3, 14, 10, 300_000, t0, 0)),
		entry(4, 15, -1, 300_000, t0, 0),             // cannot be encoded
		inRound(3, entry(5, 16, 10, 300_000, t0, 0)), // round 3 has no board
	}
	places, err := f.b.RecordAll(ctx, es)
	if !isUnavailable(err) {
		t.Fatalf("error %v, want the lost board's unavailable", err)
	}
	if !strings.Contains(err.Error(), "correct count -1") {
		t.Fatalf("error %v does not name the entry that could not be encoded", err)
	}
	want := []Place{{3, 3}, {2, 3}, {3, 3}, {1, 1}, {}, {}}
	for i := range es {
		if places[i] != want[i] {
			t.Errorf("entry %d placed %+v, want %+v", i, places[i], want[i])
		}
	}
	for i, e := range es[:4] {
		s, err := f.b.Standing(ctx, e.RoundID, e.ParticipantID)
		if err != nil || s.Position != places[i].Position || s.Total != places[i].Total {
			t.Errorf("entry %d: standing %+v %v, RecordAll said %+v", i, s, err, places[i])
		}
	}
	if s, _ := f.b.Standing(ctx, 1, 1); s.AttemptID != 13 {
		t.Errorf("participant 1's entry is attempt %d, want the better 13", s.AttemptID)
	}
	select {
	case r := <-f.b.Lost():
		if r != 3 {
			t.Errorf("lost round %d, want 3", r)
		}
	default:
		t.Error("the lost board of round 3 was not reported to the repairer")
	}
	if f.b.Pending() != 0 {
		t.Errorf("%d entries kept for Retry: none met a Redis failure", f.b.Pending())
	}
}

// TestRecordAllWhileALostBoardIsRebuilt: the entries go to the rebuild's
// journal only, and nobody's place is known until the rebuilt board is
// swapped in.
func TestRecordAllWhileALostBoardIsRebuilt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	base := f.prefix + "lb:{r1}"
	if err := f.rdb.Set(ctx, base+":building", "token", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	places, err := f.b.RecordAll(ctx, []Entry{entry(1, 11, 15, 300_000, t0, 1), entry(2, 12, 18, 300_000, t0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if places[0] != (Place{}) || places[1] != (Place{}) {
		t.Fatalf("places %+v before the board is live, want none", places)
	}
	if n := f.rdb.LLen(ctx, base+":journal").Val(); n != 12 {
		t.Fatalf("journal holds %d items, want the 2 entries' 12", n)
	}
	if n := f.rdb.Exists(ctx, base).Val(); n != 0 {
		t.Fatal("an entry was written to a board that is not live")
	}
}
