package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
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

// TestAWindowEndsAndAKeyWithoutExpiryIsMended: the budget comes back when
// the window that the first event started ends, however often the caller
// tries meanwhile, and a counter left without an expiry (the connection
// lost between its INCRBY and its PEXPIRE) gets one at its next count
// instead of refusing its caller for ever.
func TestAWindowEndsAndAKeyWithoutExpiryIsMended(t *testing.T) {
	t.Parallel()
	l, rdb, prefix := newTestLimiter(t)
	rule := Rule{Name: "window", Limit: 1, Window: 300 * time.Millisecond}
	ctx := context.Background()
	first := time.Now()
	if ok, _ := l.Allow(ctx, rule, "k"); !ok {
		t.Fatal("first event refused")
	}
	ok, wait := l.Allow(ctx, rule, "k")
	if ok || wait <= 0 || wait > rule.Window {
		t.Fatalf("second event in the window: allowed %v, wait %v", ok, wait)
	}
	// A caller who keeps trying does not push the window's end: it is
	// fixed by the first event (an expiry set at every count would slide).
	for !ok {
		if time.Since(first) > rule.Window+time.Second {
			t.Fatal("still refused well after the first event's window ended")
		}
		time.Sleep(50 * time.Millisecond)
		ok, _ = l.Allow(ctx, rule, "k")
	}

	stuck := prefix + "rl:window:stuck"
	if err := rdb.Set(ctx, stuck, 5, 0).Err(); err != nil { // over the limit, no expiry
		t.Fatal(err)
	}
	ok, wait = l.Allow(ctx, rule, "stuck")
	if ok || wait <= 0 || wait > rule.Window {
		t.Fatalf("over the limit: allowed %v, wait %v", ok, wait)
	}
	if ttl := rdb.PTTL(ctx, stuck).Val(); ttl <= 0 || ttl > rule.Window {
		t.Fatalf("the counter's expiry after a count: %v", ttl)
	}
	time.Sleep(wait + 50*time.Millisecond)
	if ok, _ := l.Allow(ctx, rule, "stuck"); !ok {
		t.Fatal("refused after the mended window ended")
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

// TestARefusedExpiryFailsOpen: a Redis that refuses PEXPIRE ... NX (one
// older than 7) must not leave the limiter counting a key that never
// expires: the count fails open, with a warning, as without Redis.
func TestARefusedExpiryFailsOpen(t *testing.T) {
	t.Parallel()
	rdb, prefix := dbtest.NewRedis(t)
	rdb.AddHook(failCommand{"pexpire", errors.New("ERR Unsupported option NX")})
	var logged bytes.Buffer
	l := New(rdb, prefix, slog.New(slog.NewTextHandler(&logged, nil)))
	rule := Rule{Name: "old-redis", Limit: 1, Window: time.Minute}
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow(context.Background(), rule, "k"); !ok {
			t.Fatalf("event %d refused: the count should have failed open", i+1)
		}
	}
	if !strings.Contains(logged.String(), "rate limiter unavailable") {
		t.Fatalf("no warning logged: %q", logged.String())
	}
}

// failCommand sets err on every command called name in a pipeline, after
// Redis answered it: an older Redis refusing an option, or a connection
// lost between a batch's two round trips.
type failCommand struct {
	name string
	err  error
}

func (failCommand) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (failCommand) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h failCommand) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			if c.Name() == h.name {
				c.SetErr(h.err)
			}
		}
		return err
	}
}

// TestARefusalWithoutItsWindowWaitsTheWholeWindow: when Redis fails the
// second round trip, which asks a refused count for its window's end,
// the refusal still stands and its wait is the whole window: never
// shorter than what is left.
func TestARefusalWithoutItsWindowWaitsTheWholeWindow(t *testing.T) {
	t.Parallel()
	rdb, prefix := dbtest.NewRedis(t)
	rdb.AddHook(failCommand{"pttl", errors.New("connection lost")})
	l := New(rdb, prefix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	rule := Rule{Name: "no-pttl", Limit: 1, Window: time.Hour}
	if ok, _ := l.Allow(ctx, rule, "k"); !ok {
		t.Fatal("the first event was refused")
	}
	if err := rdb.PExpire(ctx, prefix+"rl:no-pttl:k", 10*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, wait := l.Allow(ctx, rule, "k"); ok || wait != time.Hour {
		t.Fatalf("over the budget with PTTL failing: ok=%v, wait %v, want a refusal for the whole hour", ok, wait)
	}
}
