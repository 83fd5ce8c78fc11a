package leaderboard

// Benchmarks on a one-million-member board in the real Redis, under a key
// prefix of their own that TestMain deletes. They only run with -bench:
//
//	go test -run '^$' -bench . -benchtime 2s ./contest/leaderboard/
//
// The Rebuild benchmarks load a million entries per iteration; run them
// with -benchtime 1x or 2x. "redis-cpu-s" is the CPU time Redis's main
// thread used (INFO cpu): on a machine shared with other work, wall time
// includes the time Redis waited for a core.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/clock"
	"lawcontest/server/db"
	"lawcontest/server/db/dbtest"
)

const (
	bigN     = 1_000_000
	bigUnits = 1000
	bigRound = 1
)

// bigBoard is built once per process, by the first benchmark that needs it.
type bigBoard struct {
	rdb     redis.UniversalClient
	prefix  string
	entries []Entry
	built   time.Duration
	// used_memory (INFO memory) before and after the build: noisy when
	// other programs use the same Redis, hence MEMORY USAGE as well.
	usedBefore, usedAfter int64
}

var big struct {
	once sync.Once
	b    *bigBoard
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if big.b != nil {
		dbtest.FlushPrefix(context.Background(), big.b.rdb, big.b.prefix)
		big.b.rdb.Close()
	}
	os.Exit(code)
}

// bigEntries makes n best attempts: 20 questions, durations up to 20
// minutes, submissions over a week, participants drawn from a larger id
// range (not everybody takes every round), attempt ids in random order,
// 1,000 units of about a thousand participants and some without a unit.
func bigEntries(n int) []Entry {
	r := rand.New(rand.NewPCG(42, 42))
	pids := r.Perm(n + n/5)[:n]
	aids := r.Perm(3 * n)
	week := int64(7 * 24 * time.Hour / time.Millisecond)
	es := make([]Entry, n)
	for i := range es {
		unit := int64(1 + r.IntN(bigUnits))
		if r.IntN(20) == 0 {
			unit = 0
		}
		es[i] = Entry{
			RoundID:       bigRound,
			ParticipantID: int64(pids[i] + 1),
			UnitID:        unit,
			AttemptID:     int64(aids[i] + 1),
			CorrectCount:  r.IntN(21),
			DurationMS:    30_000 + r.Int64N(1_170_000),
			SubmittedAt:   t0.Add(time.Duration(r.Int64N(week)) * time.Millisecond),
		}
	}
	return es
}

func usedMemory(ctx context.Context, rdb redis.UniversalClient) int64 {
	info := rdb.Info(ctx, "memory").Val()
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

func getBig(b *testing.B) *bigBoard {
	big.once.Do(func() {
		rdb, err := db.OpenRedis(dbtest.RedisURL(), "")
		if err != nil {
			big.err = err
			return
		}
		bb := &bigBoard{rdb: rdb, prefix: fmt.Sprintf("bench%d:", time.Now().UnixNano()), entries: bigEntries(bigN)}
		big.b = bb
		ctx := context.Background()
		bb.usedBefore = usedMemory(ctx, rdb)
		start := time.Now()
		board := New(rdb, bb.prefix, clock.Real{})
		big.err = board.Rebuild(ctx, bigRound, sliceSource(sortedBetter(bb.entries)), nil)
		bb.built = time.Since(start)
		bb.usedAfter = usedMemory(ctx, rdb)
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return big.b
}

// redisCPU is the CPU time, in seconds, Redis's main thread has used.
func redisCPU(ctx context.Context, rdb redis.UniversalClient) float64 {
	sum := 0.0
	for _, line := range strings.Split(rdb.Info(ctx, "cpu").Val(), "\r\n") {
		for _, k := range []string{"used_cpu_user_main_thread:", "used_cpu_sys_main_thread:"} {
			if v, ok := strings.CutPrefix(line, k); ok {
				f, _ := strconv.ParseFloat(v, 64)
				sum += f
			}
		}
	}
	return sum
}

func benchRebuild(b *testing.B, es []Entry) {
	bb := getBig(b)
	board := New(bb.rdb, bb.prefix, clock.Real{})
	ctx := context.Background()
	cpu := redisCPU(ctx, bb.rdb)
	b.ResetTimer()
	for b.Loop() {
		if err := board.Rebuild(ctx, bigRound, sliceSource(es), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(es))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	b.ReportMetric((redisCPU(ctx, bb.rdb)-cpu)/float64(b.N), "redis-cpu-s")
}

// BenchmarkRebuild1MSorted streams best first, as the Postgres loader does
// (ORDER BY the live order).
func BenchmarkRebuild1MSorted(b *testing.B) {
	benchRebuild(b, sortedBetter(getBig(b).entries))
}

// BenchmarkRebuild1MRandom streams in random order.
func BenchmarkRebuild1MRandom(b *testing.B) {
	benchRebuild(b, getBig(b).entries)
}

// parallel runs fn from 32 goroutines, as many concurrent requests would,
// and reports besides the rate the Redis CPU time per call ("redis-us/op"),
// which, unlike the rate, hardly depends on what else the machine runs.
func parallel(b *testing.B, fn func(r *rand.Rand) error) {
	b.SetParallelism(16)
	ctx := context.Background()
	cpu := redisCPU(ctx, getBig(b).rdb)
	defer func() {
		b.ReportMetric((redisCPU(ctx, getBig(b).rdb)-cpu)*1e6/float64(b.N), "redis-us/op")
	}()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			if err := fn(r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkRank1M(b *testing.B) {
	bb := getBig(b)
	board := New(bb.rdb, bb.prefix, clock.Real{})
	ctx := context.Background()
	parallel(b, func(r *rand.Rand) error {
		_, _, err := board.Rank(ctx, bigRound, bb.entries[r.IntN(bigN)].ParticipantID)
		return err
	})
}

func BenchmarkTop50Uncached1M(b *testing.B) {
	bb := getBig(b)
	board := New(bb.rdb, bb.prefix, clock.Real{}, WithTopCacheTTL(0))
	ctx := context.Background()
	parallel(b, func(*rand.Rand) error {
		_, _, err := board.Top(ctx, bigRound, 0, 50, 0)
		return err
	})
}

func BenchmarkTop50Cached1M(b *testing.B) {
	bb := getBig(b)
	board := New(bb.rdb, bb.prefix, clock.Real{}) // one-second TTL
	ctx := context.Background()
	parallel(b, func(*rand.Rand) error {
		_, _, err := board.Top(ctx, bigRound, 0, 50, 0)
		return err
	})
}

// BenchmarkRecord1M records improvements on the big board (each iteration
// a better attempt of a random participant).
func BenchmarkRecord1M(b *testing.B) {
	bb := getBig(b)
	board := New(bb.rdb, bb.prefix, clock.Real{})
	ctx := context.Background()
	var next sync.Mutex
	aid := int64(10 * bigN)
	parallel(b, func(r *rand.Rand) error {
		e := bb.entries[r.IntN(bigN)]
		next.Lock()
		aid++
		e.AttemptID = aid
		next.Unlock()
		e.CorrectCount = 20
		e.DurationMS = r.Int64N(30_000)
		return board.Record(ctx, e)
	})
}

// The raw Redis rates that issue 7 compares against: the same commands
// with go-redis, without scripts or decoding.
func BenchmarkRawZRevRange50(b *testing.B) {
	bb := getBig(b)
	ctx := context.Background()
	key := bb.prefix + "lb:{r1}"
	parallel(b, func(*rand.Rand) error { return bb.rdb.ZRevRangeWithScores(ctx, key, 0, 49).Err() })
}

func BenchmarkRawZAdd(b *testing.B) {
	bb := getBig(b)
	ctx := context.Background()
	key := bb.prefix + "lb:{r1}:raw"
	defer bb.rdb.Del(ctx, key)
	parallel(b, func(r *rand.Rand) error {
		return bb.rdb.ZAdd(ctx, key, redis.Z{Score: float64(r.Int64N(1 << 53)), Member: r.Int64()}).Err()
	})
}

// BenchmarkMemory1M reports the Redis memory of the big board per entry:
// MEMORY USAGE (all samples) of the round's board, of the unit boards, of
// the participant hashes and of the rest, and the INFO used_memory delta
// of the build.
func BenchmarkMemory1M(b *testing.B) {
	bb := getBig(b)
	ctx := context.Background()
	var round, units, mapping, other int64
	var nUnits, nMapping int
	keys, err := bb.rdb.Keys(ctx, bb.prefix+"lb:{r1}*").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range keys {
		n, err := bb.rdb.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimPrefix(k, bb.prefix)
		switch {
		case name == "lb:{r1}":
			round += n
		case strings.HasPrefix(name, "lb:{r1}:u:"):
			units += n
			nUnits++
		case strings.HasPrefix(name, "lb:{r1}:p:"):
			mapping += n
			nMapping++
		default:
			other += n
		}
	}
	for b.Loop() {
	}
	per := func(v int64) float64 { return float64(v) / bigN }
	b.ReportMetric(per(round), "B/entry-round")
	b.ReportMetric(per(units), "B/entry-units")
	b.ReportMetric(per(mapping), "B/entry-mapping")
	b.ReportMetric(per(round+units+mapping+other), "B/entry-all")
	b.ReportMetric(per(bb.usedAfter-bb.usedBefore), "B/entry-used_memory")
	b.ReportMetric(bb.built.Seconds(), "s-first-build")
	b.Logf("%d unit boards, %d participant hashes, %d other bytes", nUnits, nMapping, other)
}
