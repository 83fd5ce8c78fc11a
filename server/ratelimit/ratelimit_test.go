package ratelimit

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/server/db/dbtest"
)

func TestAllowCountsAcrossLimiters(t *testing.T) {
	t.Parallel()
	rdb, prefix := dbtest.NewRedis(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Two limiters on one Redis stand for two server instances.
	a, b := New(rdb, prefix, log), New(rdb, prefix, log)
	rule := Rule{Name: "test", Limit: 3, Window: time.Minute}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		l := a
		if i%2 == 1 {
			l = b
		}
		if ok, _ := l.Allow(ctx, rule, "k"); !ok {
			t.Fatalf("event %d refused within budget", i+1)
		}
	}
	ok, wait := b.Allow(ctx, rule, "k")
	if ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("4th event: ok=%v wait=%v", ok, wait)
	}
	if ex, _ := a.Exceeded(ctx, rule, "k"); !ex {
		t.Fatal("Exceeded should report the spent budget")
	}
	if ok, _ := a.Allow(ctx, rule, "other"); !ok {
		t.Fatal("another key shares the budget")
	}
	a.Reset(ctx, rule, "k")
	if ok, _ := a.Allow(ctx, rule, "k"); !ok {
		t.Fatal("reset did not clear the count")
	}
}

func TestFailsOpenWithoutRedis(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	l := New(rdb, "x:", slog.New(slog.NewTextHandler(io.Discard, nil)))
	rule := Rule{Name: "test", Limit: 1, Window: time.Minute}
	leased := Rule{Name: "leased", Limit: 1, Window: time.Minute, Lease: 5}
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow(context.Background(), rule, "k"); !ok {
			t.Fatal("limiter without Redis must let requests through")
		}
		if ok, _ := l.Allow(context.Background(), leased, "k"); !ok {
			t.Fatal("a leased rule without Redis must let requests through")
		}
	}
	if ex, _ := l.Exceeded(context.Background(), rule, "k"); ex {
		t.Fatal("limiter without Redis must not report exceeded")
	}
}

func TestLeasesKeepTheBudgetAcrossLimiters(t *testing.T) {
	t.Parallel()
	rdb, prefix := dbtest.NewRedis(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	rule := Rule{Name: "lease", Limit: 10, Window: time.Minute, Lease: 4}

	// One instance alone gets exactly the budget, in leases of 4, 4 and 2.
	a := New(rdb, prefix, log)
	for i := 0; i < 10; i++ {
		if ok, _ := a.Allow(ctx, rule, "alone"); !ok {
			t.Fatalf("event %d refused within the budget", i+1)
		}
	}
	if ok, wait := a.Allow(ctx, rule, "alone"); ok || wait <= 0 {
		t.Fatalf("11th event: ok=%v wait=%v", ok, wait)
	}
	if n, _ := rdb.Get(ctx, prefix+"rl:lease:alone").Int64(); n < 10 {
		t.Fatalf("Redis counted %d events, want at least the 10 granted", n)
	}

	// Two instances taking turns never grant more than the budget together.
	b, c := New(rdb, prefix, log), New(rdb, prefix, log)
	granted := 0
	for i := 0; i < 40; i++ {
		l := b
		if i%3 == 0 {
			l = c
		}
		if ok, _ := l.Allow(ctx, rule, "shared"); ok {
			granted++
		}
	}
	if granted > 10 || granted < 10-2*(4-1) {
		t.Fatalf("two instances granted %d events of a budget of 10 (leases of 4)", granted)
	}

	// Reset gives the whole budget back, leases included.
	a.Reset(ctx, rule, "alone")
	if ok, _ := a.Allow(ctx, rule, "alone"); !ok {
		t.Fatal("reset did not clear the count")
	}
}

// A refusal says how long the window has left, for Retry-After: not the
// whole window, and a granted count does not need to ask (batch.go).
func TestARefusalWaitsForTheRestOfTheWindow(t *testing.T) {
	t.Parallel()
	rdb, prefix := dbtest.NewRedis(t)
	l := New(rdb, prefix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	for _, rule := range []Rule{
		{Name: "plain", Limit: 2, Window: time.Hour},
		{Name: "leased", Limit: 2, Window: time.Hour, Lease: 2},
	} {
		for i := 0; i < 2; i++ {
			if ok, _ := l.Allow(ctx, rule, "k"); !ok {
				t.Fatalf("%s: event %d refused within the budget", rule.Name, i+1)
			}
		}
		// The window has run for all but ten seconds of its hour.
		if err := rdb.PExpire(ctx, prefix+"rl:"+rule.Name+":k", 10*time.Second).Err(); err != nil {
			t.Fatal(err)
		}
		ok, wait := l.Allow(ctx, rule, "k")
		if ok || wait <= 0 || wait > 10*time.Second {
			t.Errorf("%s: the third event: ok=%v, wait %v, want a refusal for at most the 10 s left", rule.Name, ok, wait)
		}
	}
	// Two counts that may share a batch: one granted, one refused until
	// the new window ends.
	one := Rule{Name: "one", Limit: 1, Window: time.Minute}
	type result struct {
		ok   bool
		wait time.Duration
	}
	res := make(chan result, 2)
	for range 2 {
		go func() {
			ok, wait := l.Allow(ctx, one, "k")
			res <- result{ok, wait}
		}()
	}
	a, b := <-res, <-res
	if a.ok == b.ok {
		t.Fatalf("two events on a budget of one: granted %v and %v", a.ok, b.ok)
	}
	if refused := map[bool]result{a.ok: a, b.ok: b}[false]; refused.wait <= 0 || refused.wait > time.Minute {
		t.Errorf("the refused event waits %v in a window of a minute", refused.wait)
	}
}
