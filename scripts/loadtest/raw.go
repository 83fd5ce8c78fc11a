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

// measureRaw runs each raw operation from conc goroutines for d.
func measureRaw(ctx context.Context, pg *sqlx.DB, rdb redis.UniversalClient, keyPrefix string, conc int, d time.Duration, boardSize int) (rawLimits, error) {
	out := rawLimits{Concurrency: conc, BoardSize: boardSize}
	// A table of its own, like attempt_answers in size; dropped afterwards.
	table := "loadtest_raw_" + strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	if _, err := pg.ExecContext(ctx, `CREATE TABLE `+table+` (
		id bigserial PRIMARY KEY, attempt_id bigint NOT NULL, question_id bigint NOT NULL,
		option_id text NOT NULL, saved_at timestamptz NOT NULL)`); err != nil {
		return out, fmt.Errorf("raw insert table: %w", err)
	}
	defer pg.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+table)
	if pg.Stats().MaxOpenConnections != 0 && pg.Stats().MaxOpenConnections < conc {
		return out, fmt.Errorf("raw insert: pool of %d connections for %d clients", pg.Stats().MaxOpenConnections, conc)
	}
	n, err := hammer(ctx, conc, d, func(ctx context.Context, i int) error {
		_, err := pg.ExecContext(ctx, `INSERT INTO `+table+` (attempt_id, question_id, option_id, saved_at) VALUES ($1, $2, $3, now())`,
			rand.Int64N(1_000_000), rand.Int64N(10_000), "opt"+strconv.Itoa(i%6))
		return err
	})
	if err != nil {
		return out, fmt.Errorf("raw insert: %w", err)
	}
	out.InsertPerSec = n

	key := keyPrefix + "loadtest:raw:{r0}"
	defer rdb.Del(context.WithoutCancel(ctx), key)
	// Fill the board first (pipelined: the fill is not measured).
	for lo := 0; lo < boardSize; lo += 1000 {
		pipe := rdb.Pipeline()
		for i := lo; i < min(lo+1000, boardSize); i++ {
			pipe.ZAdd(ctx, key, redis.Z{Score: float64(rand.Int64N(1 << 52)), Member: strconv.Itoa(i)})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return out, fmt.Errorf("raw board fill: %w", err)
		}
	}
	if out.ZAddPerSec, err = hammer(ctx, conc, d, func(ctx context.Context, i int) error {
		return rdb.ZAdd(ctx, key, redis.Z{Score: float64(rand.Int64N(1 << 52)), Member: strconv.Itoa(rand.IntN(boardSize))}).Err()
	}); err != nil {
		return out, fmt.Errorf("raw zadd: %w", err)
	}
	if out.ZRangePerSec, err = hammer(ctx, conc, d, func(ctx context.Context, i int) error {
		return rdb.ZRevRangeWithScores(ctx, key, 0, 49).Err()
	}); err != nil {
		return out, fmt.Errorf("raw zrevrange: %w", err)
	}
	return out, nil
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
