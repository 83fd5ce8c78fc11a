package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
)

// rawLimits are the machine's own limits with the same Postgres and Redis,
// measured in the same run so that our figures can be given as ratios.
type rawLimits struct {
	Concurrency  int
	InsertPerSec float64 // durable single-row INSERT transactions
	ZAddPerSec   float64 // ZADD, one command per round trip
	ZRangePerSec float64 // ZREVRANGE key 0 49 WITHSCORES on a board of BoardSize
	BoardSize    int
}

// rawMeter measures the raw limits; one per run.
type rawMeter struct {
	pg        *sqlx.DB
	rdb       redis.UniversalClient
	keyPrefix string
	conc      int
	d         time.Duration
	boardSize int
	cpu       *cpuMeter // nil: CPU not measured
}

// all runs each raw operation from conc goroutines for d.
func (m rawMeter) all(ctx context.Context) (rawLimits, error) {
	out := rawLimits{Concurrency: m.conc, BoardSize: m.boardSize}
	var err error
	if out.InsertPerSec, err = m.insert(ctx); err != nil {
		return out, err
	}
	out.ZAddPerSec, out.ZRangePerSec, err = m.board(ctx)
	return out, err
}

// insert measures durable single-row INSERT transactions per second.
func (m rawMeter) insert(ctx context.Context) (float64, error) {
	// A table of its own, like attempt_answers in size; dropped afterwards.
	table := "loadtest_raw_" + strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	if _, err := m.pg.ExecContext(ctx, `CREATE TABLE `+table+` (
		id bigserial PRIMARY KEY, attempt_id bigint NOT NULL, question_id bigint NOT NULL,
		option_id text NOT NULL, saved_at timestamptz NOT NULL)`); err != nil {
		return 0, fmt.Errorf("raw insert table: %w", err)
	}
	defer m.pg.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+table)
	if max := m.pg.Stats().MaxOpenConnections; max != 0 && max < m.conc {
		return 0, fmt.Errorf("raw insert: pool of %d connections for %d clients", max, m.conc)
	}
	from, start := m.cpu.sample(), time.Now()
	n, err := hammer(ctx, m.conc, m.d, func(ctx context.Context, i int) error {
		_, err := m.pg.ExecContext(ctx, `INSERT INTO `+table+` (attempt_id, question_id, option_id, saved_at) VALUES ($1, $2, $3, now())`,
			rand.Int64N(1_000_000), rand.Int64N(10_000), "opt"+strconv.Itoa(i%6))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("raw insert: %w", err)
	}
	m.cpu.record("raw INSERT", costRaw, from, n*time.Since(start).Seconds())
	return n, nil
}

// board measures ZADD and ZREVRANGE key 0 49 WITHSCORES per second on a
// sorted set of boardSize entries.
func (m rawMeter) board(ctx context.Context) (zadd, zrange float64, err error) {
	key := m.keyPrefix + "loadtest:raw:{r0}"
	defer m.rdb.Del(context.WithoutCancel(ctx), key)
	// Fill the board first (pipelined: the fill is not measured).
	for lo := 0; lo < m.boardSize; lo += 1000 {
		pipe := m.rdb.Pipeline()
		for i := lo; i < min(lo+1000, m.boardSize); i++ {
			pipe.ZAdd(ctx, key, redis.Z{Score: float64(rand.Int64N(1 << 52)), Member: strconv.Itoa(i)})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return 0, 0, fmt.Errorf("raw board fill: %w", err)
		}
	}
	if zadd, err = hammer(ctx, m.conc, m.d, func(ctx context.Context, i int) error {
		return m.rdb.ZAdd(ctx, key, redis.Z{Score: float64(rand.Int64N(1 << 52)), Member: strconv.Itoa(rand.IntN(m.boardSize))}).Err()
	}); err != nil {
		return 0, 0, fmt.Errorf("raw zadd: %w", err)
	}
	// What a read costs the machine, for the board reads' own CPU line:
	// their rate's target is this one's.
	from, start := m.cpu.sample(), time.Now()
	if zrange, err = hammer(ctx, m.conc, m.d, func(ctx context.Context, i int) error {
		return m.rdb.ZRevRangeWithScores(ctx, key, 0, 49).Err()
	}); err != nil {
		return 0, 0, fmt.Errorf("raw zrevrange: %w", err)
	}
	m.cpu.record("raw ZREVRANGE", costRawZRange, from, zrange*time.Since(start).Seconds())
	return zadd, zrange, nil
}

// hammer calls op from conc goroutines for d and returns calls per second.
func hammer(ctx context.Context, conc int, d time.Duration, op func(context.Context, int) error) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		n        atomic.Int64
		wg       sync.WaitGroup
		firstErr atomic.Value
	)
	start := time.Now()
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if err := op(ctx, g+i); err != nil {
					if ctx.Err() == nil {
						firstErr.CompareAndSwap(nil, err)
						cancel()
					}
					return
				}
				n.Add(1)
			}
		}(g)
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, err
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// boardMemory fills one sorted set with n entries shaped like a live
// board's (member: a participant id; score: an integer below 2^53) and
// returns Redis's bytes per entry by MEMORY USAGE of the key (used_memory
// is no measure on a Redis that other programs use at the same time). The
// key is deleted afterwards.
func boardMemory(ctx context.Context, rdb redis.UniversalClient, keyPrefix string, n int) (float64, error) {
	key := keyPrefix + "loadtest:mem:{r0}"
	defer rdb.Del(context.WithoutCancel(ctx), key)
	for lo := 0; lo < n; lo += 5000 {
		pipe := rdb.Pipeline()
		for i := lo; i < min(lo+5000, n); i++ {
			pipe.ZAdd(ctx, key, redis.Z{Score: float64(rand.Int64N(1 << 53)), Member: strconv.Itoa(1_000_000 + i)})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return 0, err
		}
	}
	u, err := rdb.MemoryUsage(ctx, key, 0).Result()
	if err != nil {
		return 0, err
	}
	return float64(u) / float64(n), nil
}
