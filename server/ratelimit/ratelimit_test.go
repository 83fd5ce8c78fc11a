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
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow(context.Background(), rule, "k"); !ok {
			t.Fatal("limiter without Redis must let requests through")
		}
	}
	if ex, _ := l.Exceeded(context.Background(), rule, "k"); ex {
		t.Fatal("limiter without Redis must not report exceeded")
	}
}
