package leaderboard

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lib/pq"

	"lawcontest/server/db/dbtest"
)

// TestRedisOrderAtTheExtremes records pairs that differ in one key at the
// edges of the layout and checks Redis puts the better one first, then all
// of them on one board against sorting by Better.
func TestRedisOrderAtTheExtremes(t *testing.T) {
	t.Parallel()
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	pairs := []struct {
		name          string
		better, worse Entry
	}{
		{"full score over zero", Entry{CorrectCount: MaxCorrectCount, DurationMS: MaxDurationMS, SubmittedAt: ms(maxTimeMS), AttemptID: math.MaxInt64},
			Entry{CorrectCount: 0, DurationMS: 0, SubmittedAt: ms(0), AttemptID: 0}},
		{"one more correct", Entry{CorrectCount: 20, DurationMS: MaxDurationMS, SubmittedAt: at}, Entry{CorrectCount: 19, DurationMS: 0, SubmittedAt: at}},
		{"zero duration over max", Entry{CorrectCount: 20, DurationMS: 0, SubmittedAt: ms(maxTimeMS)}, Entry{CorrectCount: 20, DurationMS: MaxDurationMS, SubmittedAt: ms(0)}},
		{"one ms shorter", Entry{CorrectCount: 20, DurationMS: 59_999, SubmittedAt: at.Add(time.Hour)}, Entry{CorrectCount: 20, DurationMS: 60_000, SubmittedAt: at}},
		{"max duration minus one", Entry{DurationMS: MaxDurationMS - 1, SubmittedAt: at}, Entry{DurationMS: MaxDurationMS, SubmittedAt: at}},
		{"earliest over latest", Entry{SubmittedAt: ms(0), AttemptID: math.MaxInt64}, Entry{SubmittedAt: ms(maxTimeMS), AttemptID: 0}},
		{"one ms earlier", Entry{SubmittedAt: at, AttemptID: 9}, Entry{SubmittedAt: at.Add(time.Millisecond), AttemptID: 1}},
		{"across the score/member split of the time", Entry{SubmittedAt: ms(1<<24 - 1), AttemptID: 9}, Entry{SubmittedAt: ms(1 << 24), AttemptID: 1}},
		{"last two ms", Entry{SubmittedAt: ms(maxTimeMS - 1)}, Entry{SubmittedAt: ms(maxTimeMS), AttemptID: 0}},
		{"same ms: lower attempt", Entry{SubmittedAt: at.Add(999 * time.Microsecond), AttemptID: 41}, Entry{SubmittedAt: at, AttemptID: 42}},
		{"attempt 255 over 256 (a byte more)", Entry{SubmittedAt: at, AttemptID: 255}, Entry{SubmittedAt: at, AttemptID: 256}},
		{"attempt 0 over 1", Entry{SubmittedAt: at, AttemptID: 0}, Entry{SubmittedAt: at, AttemptID: 1}},
		{"attempt 2^32-1 over 2^32", Entry{SubmittedAt: at, AttemptID: 1<<32 - 1}, Entry{SubmittedAt: at, AttemptID: 1 << 32}},
		{"attempts at the max", Entry{SubmittedAt: at, AttemptID: math.MaxInt64 - 1}, Entry{SubmittedAt: at, AttemptID: math.MaxInt64}},
		{"small attempt over max", Entry{SubmittedAt: at, AttemptID: 1}, Entry{SubmittedAt: at, AttemptID: math.MaxInt64}},
	}
	f := newFixture(t, WithTopCacheTTL(0))
	ctx := context.Background()
	var all []Entry
	seen := map[int64]bool{}
	for i, p := range pairs {
		round := int64(100 + i)
		b, w := p.better, p.worse
		b.RoundID, w.RoundID = round, round
		b.ParticipantID, w.ParticipantID = 1_000_000, 7 // the worse one has the lower participant id
		b.UnitID, w.UnitID = 3, 3
		if !Better(b, w) {
			t.Fatalf("%s: the case is wrong, Better disagrees", p.name)
		}
		f.open(t, round)
		f.record(t, w, b)
		sameOrder(t, p.name, f.boardOrder(t, round, 0), []Entry{b, w})
		sameOrder(t, p.name+" (unit)", f.boardOrder(t, round, 3), []Entry{b, w})
		if pos, _, err := f.b.Rank(ctx, round, b.ParticipantID); pos != 1 || err != nil {
			t.Errorf("%s: better ranks %d (%v)", p.name, pos, err)
		}

		// Everything on one board too, each attempt id once: a repeated id
		// is replaced where the pair does not depend on it.
		pair := []Entry{b, w}
		for j := range pair {
			pair[j].RoundID, pair[j].ParticipantID = 1, int64(2*i+j+1)
			if seen[pair[j].AttemptID] {
				pair[j].AttemptID = int64(5000 + 2*i + j)
			}
		}
		if Better(pair[0], pair[1]) && !seen[pair[0].AttemptID] && !seen[pair[1].AttemptID] {
			seen[pair[0].AttemptID], seen[pair[1].AttemptID] = true, true
			all = append(all, pair...)
		}
	}
	if len(all) < 20 {
		t.Fatalf("combined board has only %d entries", len(all))
	}
	f.open(t, 1, all...)
	sameOrder(t, "combined", f.boardOrder(t, 1, 0), sortedBetter(all))
}

// genTied makes n entries of distinct participants and attempts with many
// ties: few scores, few durations, submissions within a few milliseconds
// (sub-millisecond parts included), attempt ids in random order, some near
// the maximum.
func genTied(r *rand.Rand, round int64, n int) []Entry {
	es := make([]Entry, n)
	used := map[int64]bool{}
	base := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC).UnixMicro()
	for i := range es {
		var a int64
		for a == 0 || used[a] {
			if r.IntN(10) == 0 {
				a = math.MaxInt64 - r.Int64N(1000)
			} else {
				a = 1 + r.Int64N(int64(4*n))
			}
		}
		used[a] = true
		es[i] = Entry{
			RoundID:       round,
			ParticipantID: int64(i + 1),
			UnitID:        r.Int64N(8),
			AttemptID:     a,
			CorrectCount:  15 + r.IntN(6),
			DurationMS:    60_000 + r.Int64N(4),
			SubmittedAt:   time.UnixMicro(base + r.Int64N(5_000)).UTC(),
		}
	}
	return es
}

// TestRedisOrderEqualsBetterOn10000 records 10,000 generated entries with
// many ties (half by Record, half by Rebuild's batches) and compares
// ZREVRANGE with sort by Better, for the round and for every unit, and the
// rank of a sample of participants.
func TestRedisOrderEqualsBetterOn10000(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0), WithRebuildBatch(777))
	ctx := context.Background()
	es := genTied(rand.New(rand.NewPCG(2026, 11)), 1, 10_000)
	f.open(t, 1, es[:5000]...)
	for _, e := range es[5000:] {
		f.record(t, e)
	}
	want := sortedBetter(es)
	ties := 0
	for i := 1; i < len(want); i++ {
		a, b := want[i-1], want[i]
		if a.CorrectCount == b.CorrectCount && a.DurationMS == b.DurationMS && a.SubmittedAt.UnixMilli() == b.SubmittedAt.UnixMilli() {
			ties++
		}
	}
	if ties < 1000 {
		t.Fatalf("only %d neighbours tie up to the attempt id: the generator is too spread", ties)
	}
	sameOrder(t, "round", f.boardOrder(t, 1, 0), want)
	for unit := int64(1); unit < 8; unit++ {
		var inUnit []Entry
		for _, e := range want {
			if e.UnitID == unit {
				inUnit = append(inUnit, e)
			}
		}
		sameOrder(t, "unit", f.boardOrder(t, 1, unit), inUnit)
	}
	for i := 0; i < len(want); i += 97 {
		pos, total, err := f.b.Rank(ctx, 1, want[i].ParticipantID)
		if err != nil || pos != int64(i+1) || total != int64(len(want)) {
			t.Fatalf("rank of %d: %d/%d %v, want %d", want[i].ParticipantID, pos, total, err, i+1)
		}
	}
}

// TestRedisOrderEqualsPostgresOrderBy stores the same 10,000 rows in
// Postgres (timestamptz, microseconds) and checks that ORDER BY with the
// live order's keys lists them as Redis does.
func TestRedisOrderEqualsPostgresOrderBy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, WithTopCacheTTL(0))
	pg := dbtest.NewDB(t)
	ctx := context.Background()
	es := genTied(rand.New(rand.NewPCG(7, 7)), 1, 10_000)
	f.open(t, 1, es...)

	if _, err := pg.ExecContext(ctx, `CREATE TABLE best (
		attempt_id bigint PRIMARY KEY, participant_id bigint NOT NULL,
		correct_count int NOT NULL, duration_ms bigint NOT NULL, submitted_at timestamptz NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	cols := struct {
		a, p, d []int64
		c       []int64
		at      []string
	}{}
	for _, e := range es {
		cols.a = append(cols.a, e.AttemptID)
		cols.p = append(cols.p, e.ParticipantID)
		cols.c = append(cols.c, int64(e.CorrectCount))
		cols.d = append(cols.d, e.DurationMS)
		cols.at = append(cols.at, e.SubmittedAt.Format(time.RFC3339Nano))
	}
	if _, err := pg.ExecContext(ctx, `INSERT INTO best (attempt_id, participant_id, correct_count, duration_ms, submitted_at)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::bigint[], $5::timestamptz[])`,
		pq.Array(cols.a), pq.Array(cols.p), pq.Array(cols.c), pq.Array(cols.d), pq.Array(cols.at)); err != nil {
		t.Fatal(err)
	}
	var pgOrder []int64
	if err := pg.SelectContext(ctx, &pgOrder, `SELECT participant_id FROM best
		ORDER BY correct_count DESC, duration_ms, date_trunc('milliseconds', submitted_at), attempt_id`); err != nil {
		t.Fatal(err)
	}
	board := f.boardOrder(t, 1, 0)
	if len(board) != len(pgOrder) {
		t.Fatalf("redis %d entries, postgres %d", len(board), len(pgOrder))
	}
	for i := range board {
		if board[i].ParticipantID != pgOrder[i] {
			t.Fatalf("place %d: redis has participant %d, postgres %d", i+1, board[i].ParticipantID, pgOrder[i])
		}
	}
}
