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
