package ratelimit

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/server/db/dbtest"
)

// newTestLimiter is a limiter on a Redis key space of the test's own.
func newTestLimiter(t *testing.T) (*Limiter, redis.UniversalClient, string) {
	rdb, prefix := dbtest.NewRedis(t)
	return New(rdb, prefix, slog.New(slog.NewTextHandler(io.Discard, nil))), rdb, prefix
}

// TestBatchedCountsAreExact: counts that travel together in pipelines are
// each counted once, and each request gets its own answer.
func TestBatchedCountsAreExact(t *testing.T) {
	t.Parallel()
	l, rdb, prefix := newTestLimiter(t)
	rule := Rule{Name: "burst", Limit: 150, Window: time.Minute}
	ctx := context.Background()
	var granted, refused atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 400; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "shared"
			if i%4 == 0 {
				key = "own-" + string(rune('a'+i%26)) // other keys in the same batches
			}
			ok, wait := l.Allow(ctx, rule, key)
			switch {
			case key != "shared":
			case ok:
				granted.Add(1)
			case wait > 0 && wait <= time.Minute:
				refused.Add(1)
			default:
				t.Errorf("refused with wait %v", wait)
			}
		}()
	}
	wg.Wait()
	if granted.Load() != 150 || refused.Load() != 150 {
		t.Fatalf("granted %d and refused %d of 300 events on a budget of 150", granted.Load(), refused.Load())
	}
	if n, _ := rdb.Get(ctx, prefix+"rl:burst:shared").Int64(); n != 300 {
		t.Fatalf("Redis counted %d events, want 300", n)
	}
}

// TestCountsSurviveAScriptFlush: a Redis that lost its script cache (a
// restart, SCRIPT FLUSH) answers NOSCRIPT to the pipelined EVALSHA; the
// script is loaded again and the event is counted once.
func TestCountsSurviveAScriptFlush(t *testing.T) {
	t.Parallel()
	l, rdb, prefix := newTestLimiter(t)
	rule := Rule{Name: "flush", Limit: 2, Window: time.Minute}
	ctx := context.Background()
	if ok, _ := l.Allow(ctx, rule, "k"); !ok {
		t.Fatal("first event refused")
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := l.Allow(ctx, rule, "k"); !ok {
		t.Fatal("second event refused after the flush")
	}
	if ok, _ := l.Allow(ctx, rule, "k"); ok {
		t.Fatal("third event allowed: the flush lost or doubled a count")
	}
	if n, _ := rdb.Get(ctx, prefix+"rl:flush:k").Int64(); n != 3 {
		t.Fatalf("Redis counted %d events, want 3", n)
	}
}

// TestAGoneRequestDoesNotWait: a request whose context ends while its
// count waits is let through at once (fails open, as without Redis).
func TestAGoneRequestDoesNotWait(t *testing.T) {
	t.Parallel()
	l, _, _ := newTestLimiter(t)
	// A flush that never ends stands for a Redis that stopped answering.
	l.counter.flushing = true
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if ok, _ := l.Allow(ctx, Rule{Name: "gone", Limit: 1, Window: time.Minute}, "k"); !ok {
		t.Fatal("a request whose context ended was refused")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("it waited %v", d)
	}
}
