package leaderboard

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lawcontest/frontend/i18n"
	"lawcontest/server/db/dbtest"
)

// snapshot reads every key under the fixture's prefix into comparable
// text: sorted sets with scores, hashes, sets; strings only by name.
func (f fixture) snapshot(t testing.TB) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := f.rdb.Keys(ctx, f.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range keys {
		name := strings.TrimPrefix(k, f.prefix)
		switch typ := f.rdb.Type(ctx, k).Val(); typ {
		case "zset":
			var zs []string
			for _, z := range f.rdb.ZRangeWithScores(ctx, k, 0, -1).Val() {
				zs = append(zs, fmt.Sprintf("%q=%.0f", z.Member, z.Score))
			}
			out[name] = fmt.Sprintf("%v", zs)
		case "hash":
			h := f.rdb.HGetAll(ctx, k).Val()
			out[name] = fmt.Sprintf("%q", h) // fmt sorts map keys
		case "set":
			m := f.rdb.SMembers(ctx, k).Val()
			slices.Sort(m)
			out[name] = fmt.Sprintf("%q", m)
		default:
			out[name] = typ
		}
	}
	return out
}

// best keeps each participant's best entry, as the Postgres source does.
func best(es []Entry) []Entry {
	m := map[int64]Entry{}
	for _, e := range es {
		if old, ok := m[e.ParticipantID]; !ok || Better(e, old) {
			m[e.ParticipantID] = e
		}
	}
	var out []Entry
	for _, e := range m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return int(a.ParticipantID - b.ParticipantID) })
	return out
}

// attempts makes n attempts of 1,500 participants (several each, in
// random order, so Record sees improvements and late lower ones).
func attempts(r *rand.Rand, round int64, n int) []Entry {
	es := make([]Entry, n)
	for i := range es {
		pid := 1 + r.Int64N(1500)
		es[i] = Entry{
			RoundID:       round,
			ParticipantID: pid,
			UnitID:        pid % 13, // stable per participant; 0 for some
			AttemptID:     int64(i + 1),
			CorrectCount:  r.IntN(21),
			DurationMS:    30_000 + r.Int64N(600_000),
			SubmittedAt:   t0.Add(time.Duration(r.Int64N(7*24*3600*1000)) * time.Millisecond),
		}
	}
	return es
}

func TestRebuildAfterFlushEqualsTheBoardBefore(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0), WithRebuildBatch(500))
	ctx := context.Background()
	es := attempts(rand.New(rand.NewPCG(5, 5)), 9, 4000)
	f.open(t, 9)
	f.record(t, es...)
	before := f.snapshot(t)
	if len(before) < 20 {
		t.Fatalf("only %d keys before", len(before))
	}

	// Redis loses everything (the test's own FLUSHALL).
	if err := dbtest.FlushPrefix(ctx, f.rdb, f.prefix); err != nil {
		t.Fatal(err)
	}
	if need, err := f.b.NeedsRebuild(ctx, 9); !need || err != nil {
		t.Fatalf("NeedsRebuild after the loss: %v %v", need, err)
	}
	if _, _, err := f.b.Top(ctx, 9, 0, 50, 0); !isUnavailable(err) {
		t.Fatalf("Top on a lost board: %v", err)
	}
	if _, _, err := f.b.Rank(ctx, 9, es[0].ParticipantID); !isUnavailable(err) {
		t.Fatalf("Rank on a lost board: %v", err)
	}
	if err := f.b.Record(ctx, es[0]); !isUnavailable(err) {
		t.Fatalf("Record on a lost board: %v", err)
	}
	select {
	case r := <-f.b.Lost():
		if r != 9 {
			t.Fatalf("lost round %d, want 9", r)
		}
	default:
		t.Fatal("the loss was not reported on Lost")
	}
	if keys := f.rdb.Keys(ctx, f.prefix+"*").Val(); len(keys) != 0 {
		t.Fatalf("a write on a lost board left keys %v", keys)
	}

	var seen []int
	if err := f.b.Rebuild(ctx, 9, sliceSource(best(es)), func(done int) { seen = append(seen, done) }); err != nil {
		t.Fatal(err)
	}
	after := f.snapshot(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("key %s differs after the rebuild:\nbefore %.200s\nafter  %.200s", k, v, after[k])
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("key %s is new after the rebuild", k)
		}
	}
	n := len(best(es))
	if len(seen) == 0 || seen[len(seen)-1] != n || !slices.IsSorted(seen) || len(seen) != (n+499)/500 {
		t.Errorf("progress %v, want batches of 500 up to %d", seen, n)
	}
	if need, _ := f.b.NeedsRebuild(ctx, 9); need {
		t.Error("still needs a rebuild")
	}
}

func TestRebuildKeepsWhatHappensMeanwhile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0), WithRebuildBatch(10))
	ctx := context.Background()
	old := entry(1, 1, 5, 1000, t0, 1)
	f.open(t, 1, old)

	src := make([]Entry, 0, 100)
	for i := int64(1); i <= 100; i++ {
		src = append(src, entry(i, 1000+i, 10, 1000, t0, i%3))
	}
	late := entry(500, 5000, 20, 1000, t0, 2)  // submitted after the source's snapshot
	improved := entry(3, 6000, 20, 500, t0, 0) // participant 3 did better meanwhile
	lower := entry(4, 7000, 1, 1000, t0, 1)    // a late, lower attempt of participant 4
	var during []Ranked
	source := func(yield func(Entry) bool) error {
		for i, e := range src {
			if i == 50 {
				// Readers still see the old board, whole.
				var err error
				if during, _, err = f.b.Top(ctx, 1, 0, 50, 0); err != nil {
					return err
				}
				f.record(t, late, improved, lower)
				// Enough submits meanwhile that the journal is replayed
				// in several slices before the swap, recorded together as
				// a submit group records them: they are journalled in one
				// go and placed on the live (old) board.
				var group []Entry
				for k := int64(0); k < 35; k++ {
					group = append(group, entry(1000+k, 9000+k, 3, 1000, t0, 2))
				}
				places, err := f.b.RecordAll(ctx, group)
				if err != nil {
					return err
				}
				for k, p := range places {
					// The old board: old (5 correct), late and improved
					// (20) above the group (3 correct, in attempt order),
					// lower (1) below.
					if want := (Place{Position: int64(4 + k), Total: 39}); p != want {
						t.Errorf("group entry %d placed %+v during the rebuild, want %+v", k, p, want)
					}
				}
				if err := f.b.Remove(ctx, 1, 7); err != nil {
					return err
				}
				if err := f.b.Remove(ctx, 1, 90); err != nil { // not streamed yet
					return err
				}
			}
			if !yield(e) {
				return nil
			}
		}
		return nil
	}
	if err := f.b.Rebuild(ctx, 1, source, nil); err != nil {
		t.Fatal(err)
	}
	if len(during) != 1 || during[0].AttemptID != old.AttemptID {
		t.Fatalf("readers during the rebuild saw %+v, want the old board", during)
	}
	var want []Entry
	for _, e := range src {
		switch e.ParticipantID {
		case 3:
			want = append(want, improved)
		case 7, 90:
		default:
			want = append(want, e)
		}
	}
	want = append(want, late)
	for k := int64(0); k < 35; k++ {
		want = append(want, entry(1000+k, 9000+k, 3, 1000, t0, 2))
	}
	sameOrder(t, "after the rebuild", f.boardOrder(t, 1, 0), sortedBetter(want))
}

// TestRebuildFromEveryAttempt streams all attempts, several per
// participant and in random order, and gets the board of the best ones.
func TestRebuildFromEveryAttempt(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0), WithRebuildBatch(300))
	es := attempts(rand.New(rand.NewPCG(8, 8)), 1, 3000)
	f.open(t, 1, es...)
	want := sortedBetter(best(es))
	sameOrder(t, "round", f.boardOrder(t, 1, 0), want)
	for unit := int64(1); unit < 13; unit++ {
		var inUnit []Entry
		for _, e := range want {
			if e.UnitID == unit {
				inUnit = append(inUnit, e)
			}
		}
		sameOrder(t, "unit", f.boardOrder(t, 1, unit), inUnit)
	}
	// The mapping holds one entry per participant.
	var n int64
	for _, k := range f.rdb.Keys(context.Background(), f.prefix+"lb:{r1}:p:*").Val() {
		n += f.rdb.HLen(context.Background(), k).Val()
	}
	if n != int64(len(want)) {
		t.Fatalf("mapping has %d participants, want %d", n, len(want))
	}
}

func TestOneRebuildAtATime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var firstErr error
	go func() {
		defer wg.Done()
		firstErr = f.b.Rebuild(ctx, 1, func(yield func(Entry) bool) error {
			close(started)
			<-release
			yield(entry(1, 1, 1, 1, t0, 0))
			return nil
		}, nil)
	}()
	<-started
	other := New(f.rdb, f.prefix, f.clk) // another process
	if err := other.Rebuild(ctx, 1, sliceSource(nil), nil); !errors.Is(err, ErrRebuildRunning) {
		t.Fatalf("second rebuild: %v, want ErrRebuildRunning", err)
	}
	if err := other.Rebuild(ctx, 2, sliceSource(nil), nil); err != nil {
		t.Fatalf("another round's rebuild: %v", err)
	}
	close(release)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	if err := other.Rebuild(ctx, 1, sliceSource(nil), nil); err != nil {
		t.Fatalf("rebuild after the first finished: %v", err)
	}
}

func TestFailedRebuildKeepsTheOldBoard(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0), WithRebuildBatch(3))
	ctx := context.Background()
	f.open(t, 1, entry(1, 1, 5, 1000, t0, 4))
	before := f.snapshot(t)
	boom := errors.New("postgres went away")
	err := f.b.Rebuild(ctx, 1, func(yield func(Entry) bool) error {
		for i := int64(10); i < 20; i++ {
			yield(entry(i, i, 9, 1000, t0, 5))
		}
		return boom
	}, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("rebuild: %v, want the source's error", err)
	}
	err = f.b.Rebuild(ctx, 1, sliceSource([]Entry{{RoundID: 2, ParticipantID: 1, SubmittedAt: t0}}), nil)
	if err == nil || isUnavailable(err) {
		t.Fatalf("entry of another round: %v", err)
	}
	err = f.b.Rebuild(ctx, 1, sliceSource([]Entry{{RoundID: 1, ParticipantID: 1, CorrectCount: 200, SubmittedAt: t0}}), nil)
	if err == nil {
		t.Fatal("an entry that does not fit was loaded")
	}
	if after := f.snapshot(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("failed rebuilds changed Redis:\nbefore %v\nafter  %v", before, after)
	}
	// The lock was released: the next rebuild runs at once.
	if err := f.b.Rebuild(ctx, 1, sliceSource(nil), nil); err != nil {
		t.Fatal(err)
	}
	if _, total, err := f.b.Top(ctx, 1, 0, 10, 0); err != nil || total != 0 {
		t.Fatalf("after an empty rebuild: total %d %v", total, err)
	}
	if keys := f.rdb.Keys(ctx, f.prefix+"*").Val(); len(keys) != 1 || !strings.HasSuffix(keys[0], ":ok") {
		t.Fatalf("an empty board should leave only its marker, got %v", keys)
	}
}

// fakeLoader is the Postgres side, in memory.
type fakeLoader struct {
	live    []int64
	entries map[int64][]Entry
}

func (l fakeLoader) LiveRounds(context.Context) ([]int64, error) { return l.live, nil }
func (l fakeLoader) BestEntries(_ context.Context, round int64, yield func(Entry) bool) error {
	return sliceSource(l.entries[round])(yield)
}
func (l fakeLoader) CountBest(_ context.Context, round int64) (int64, error) {
	return int64(len(l.entries[round])), nil
}

func TestRebuildCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithRebuildBatch(100))
	ctx := context.Background()
	l := fakeLoader{live: []int64{3, 4}, entries: map[int64][]Entry{
		3: best(attempts(rand.New(rand.NewPCG(1, 1)), 3, 3000)),
		4: nil,
	}}
	var out strings.Builder
	if err := RebuildCommand(ctx, f.b, l, 0, i18n.MustLoad(), &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"đợt thi 3", "đợt thi 4", "đã nạp 100/", "(90%)", "Xong đợt thi 3: " + fmt.Sprint(len(l.entries[3])) + " thí sinh"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for _, r := range []int64{3, 4} {
		if need, _ := f.b.NeedsRebuild(ctx, r); need {
			t.Errorf("round %d not rebuilt", r)
		}
	}
	out.Reset()
	if err := RebuildCommand(ctx, f.b, fakeLoader{}, 0, i18n.MustLoad(), &out); err != nil || !strings.Contains(out.String(), "Không có đợt thi") {
		t.Fatalf("no live round: %v %q", err, out.String())
	}
	out.Reset()
	if err := RebuildCommand(ctx, f.b, l, 4, i18n.MustLoad(), &out); err != nil || strings.Contains(out.String(), "đợt thi 3") {
		t.Fatalf("--round 4: %v %q", err, out.String())
	}
}

func TestRepairerRebuildsLostLiveBoards(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	l := fakeLoader{live: []int64{1, 2}, entries: map[int64][]Entry{
		1: {entry(1, 1, 3, 1000, t0, 0)},
		3: {{RoundID: 3, ParticipantID: 1, SubmittedAt: t0}},
	}}
	r := NewRepairer(f.b, l, nil)
	rebuilt, err := r.RepairOnce(ctx)
	slices.Sort(rebuilt)
	if err != nil || !slices.Equal(rebuilt, []int64{1, 2}) {
		t.Fatalf("first pass rebuilt %v (%v), want the new live rounds 1 and 2", rebuilt, err)
	}
	if rebuilt, err := r.RepairOnce(ctx); err != nil || len(rebuilt) != 0 {
		t.Fatalf("second pass rebuilt %v (%v)", rebuilt, err)
	}
	if need, _ := f.b.NeedsRebuild(ctx, 3); !need {
		t.Fatal("round 3 is not live and should not have been built")
	}
	dbtest.FlushPrefix(ctx, f.rdb, f.prefix)
	if rebuilt, err := r.RepairOnce(ctx); err != nil || len(rebuilt) != 2 {
		t.Fatalf("after a loss: rebuilt %v (%v)", rebuilt, err)
	}
	if pos, total, err := f.b.Rank(ctx, 1, 1); pos != 1 || total != 1 || err != nil {
		t.Fatalf("rank after repair: %d/%d %v", pos, total, err)
	}

	// Run reacts to a reported loss without waiting for its interval.
	dbtest.FlushPrefix(ctx, f.rdb, f.prefix)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.Run(runCtx, time.Hour); close(done) }()
	defer func() { stop(); <-done }()
	if _, _, err := f.b.Rank(ctx, 1, 1); !isUnavailable(err) {
		t.Fatalf("rank on the lost board: %v", err)
	}
	for {
		if pos, _, err := f.b.Rank(ctx, 1, 1); err == nil && pos == 1 {
			break
		} else if !isUnavailable(err) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRebuildThatLostItsLockIsNotSwappedIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0), WithRebuildBatch(2))
	ctx := context.Background()
	f.open(t, 1, entry(1, 1, 5, 1000, t0, 4))
	before := f.snapshot(t)
	err := f.b.Rebuild(ctx, 1, func(yield func(Entry) bool) error {
		for i := int64(10); i < 20; i++ {
			if i == 15 {
				// The lock expires under the rebuild (a long stall).
				f.rdb.Del(ctx, f.prefix+"lb:{r1}:building")
			}
			yield(entry(i, i, 9, 1000, t0, 5))
		}
		return nil
	}, nil)
	if !errors.Is(err, errLockLost) {
		t.Fatalf("rebuild: %v, want the lock lost", err)
	}
	if after := f.snapshot(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a rebuild without its lock changed Redis:\nbefore %v\nafter  %v", before, after)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.open(t, 1, attempts(rand.New(rand.NewPCG(3, 3)), 1, 500)...)
	other := entry(1, 1, 1, 1, t0, 1)
	other.RoundID = 2
	f.open(t, 2, other)
	if err := f.b.Delete(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if keys := f.rdb.Keys(ctx, f.prefix+"lb:{r1}*").Val(); len(keys) != 0 {
		t.Fatalf("keys left after Delete: %v", keys)
	}
	if need, _ := f.b.NeedsRebuild(ctx, 1); !need {
		t.Fatal("a deleted board does not need a rebuild")
	}
	if pos, _, err := f.b.Rank(ctx, 2, 1); pos != 1 || err != nil {
		t.Fatalf("another round's board: %d %v", pos, err)
	}
}

// Entries recorded together (one RecordAll, one script call) in new
// mapping hashes and unit boards are listed in the board's registry, which
// their script adds to once per call: Delete finds and removes every key.
// Their places are read after all of them are recorded.
func TestRecordAllRegistersNewKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.open(t, 1, entry(1, 1, 10, 1000, t0, 1))
	es := []Entry{
		entry(1000, 2, 12, 1000, t0, 50), // new mapping hash, new unit
		entry(5000, 3, 11, 1000, t0, 51), // another of each
		entry(1, 4, 13, 1000, t0, 1),     // an improvement: first now
		entry(1001, 5, 9, 1000, t0, 50),  // the same new hash and unit as the first
	}
	places, err := f.b.RecordAll(ctx, es)
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{2, 3, 1, 4}
	for i, p := range places {
		if p.Position != want[i] || p.Total != 4 {
			t.Errorf("entry %d: place %d of %d, want %d of 4", i, p.Position, p.Total, want[i])
		}
	}
	if err := f.b.Delete(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if keys := f.rdb.Keys(ctx, f.prefix+"lb:{r1}*").Val(); len(keys) != 0 {
		t.Fatalf("keys left after Delete: %v", keys)
	}
}
