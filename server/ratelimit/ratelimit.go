// Package ratelimit counts requests in Redis so that limits hold across
// every server instance. When Redis does not answer, it lets requests
// through (fails open) and logs it: a Redis outage must not stop a contest.
package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rule is a budget of Limit events per Window.
type Rule struct {
	Name   string
	Limit  int64
	Window time.Duration
	// Lease, when above 1, lets an instance take this many events of the
	// budget from Redis at once and spend them locally: one Redis round
	// trip per Lease events instead of one per event, for rules counting
	// frequent requests (autosaves). The budget still holds across
	// instances (Redis counts what was leased), but a caller spread over
	// several instances may be refused up to Lease-1 events early per
	// instance, for events leased and not spent.
	Lease int64
}

// Limiter applies rules to keys (an IP, a login, a participant id).
type Limiter struct {
	rdb     redis.UniversalClient
	prefix  string
	log     *slog.Logger
	counter *counter // batches the counts sent to Redis (batch.go)

	mu     sync.Mutex
	leases map[string]*lease
	swept  time.Time
}

// lease is the part of one key's budget this instance has taken and not
// spent yet, valid until its window ends.
type lease struct {
	left int64
	ends time.Time
	// spentUntil: Redis said the budget is spent until then
	spentUntil time.Time
	// fetching is closed when the request taking a new lease is done
	fetching chan struct{}
}

// New returns a Limiter whose keys start with prefix.
func New(rdb redis.UniversalClient, prefix string, log *slog.Logger) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, log: log, counter: &counter{rdb: rdb}, leases: map[string]*lease{}}
}

// Allow counts one event for key under rule. It returns false and how long
// to wait once the budget is spent.
func (l *Limiter) Allow(ctx context.Context, rule Rule, key string) (bool, time.Duration) {
	if rule.Lease > 1 {
		return l.allowLeased(ctx, rule, key)
	}
	n, ttl, err := l.incr(ctx, rule, key, 1, rule.Limit)
	if err != nil {
		l.log.Warn("rate limiter unavailable, allowing request", "rule", rule.Name, "err", err)
		return true, 0
	}
	if n > rule.Limit {
		return false, ttl
	}
	return true, 0
}

// allowLeased spends one event of this instance's lease on key, taking a
// new lease from Redis when it is spent. One request at a time fetches a
// key's lease; the others wait for it, so concurrent requests do not each
// take a lease (and strand its events here).
func (l *Limiter) allowLeased(ctx context.Context, rule Rule, key string) (bool, time.Duration) {
	k := l.key(rule, key)
	for {
		now := time.Now()
		l.mu.Lock()
		ls := l.leases[k]
		if ls == nil {
			ls = &lease{}
			l.leases[k] = ls
		}
		if now.Before(ls.spentUntil) {
			l.mu.Unlock()
			return false, ls.spentUntil.Sub(now)
		}
		if ls.left > 0 && now.Before(ls.ends) {
			ls.left--
			l.mu.Unlock()
			return true, 0
		}
		if wait := ls.fetching; wait != nil {
			l.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return true, 0 // the request is gone; nothing to limit
			}
		}
		done := make(chan struct{})
		ls.fetching = done
		l.mu.Unlock()

		want := min(rule.Lease, rule.Limit)
		n, ttl, err := l.incr(ctx, rule, key, want, 0)

		l.mu.Lock()
		ls.fetching = nil
		close(done)
		if err != nil {
			l.mu.Unlock()
			l.log.Warn("rate limiter unavailable, allowing request", "rule", rule.Name, "err", err)
			return true, 0
		}
		// The events of this lease are those numbered n-want+1 .. n; the
		// ones past the limit are not granted.
		granted := min(want, rule.Limit-(n-want))
		if granted <= 0 {
			ls.spentUntil = now.Add(ttl)
			l.mu.Unlock()
			return false, ttl
		}
		ls.left, ls.ends = granted-1, now.Add(ttl)
		l.sweepLocked(now)
		l.mu.Unlock()
		return true, 0
	}
}

// sweepLocked forgets leases whose window has ended, at most once a
// window's worth of seconds, so the map follows the active callers.
func (l *Limiter) sweepLocked(now time.Time) {
	if now.Sub(l.swept) < 10*time.Second {
		return
	}
	l.swept = now
	for k, ls := range l.leases {
		if !now.Before(ls.ends) && !now.Before(ls.spentUntil) && ls.fetching == nil {
			delete(l.leases, k)
		}
	}
}

// Exceeded reports whether key has already spent its budget, without
// counting anything (to refuse before doing expensive work).
func (l *Limiter) Exceeded(ctx context.Context, rule Rule, key string) (bool, time.Duration) {
	k := l.key(rule, key)
	pipe := l.rdb.Pipeline()
	get := pipe.Get(ctx, k)
	pttl := pipe.PTTL(ctx, k)
	_, err := pipe.Exec(ctx)
	if err == redis.Nil {
		return false, 0
	}
	if err != nil {
		l.log.Warn("rate limiter unavailable, allowing request", "rule", rule.Name, "err", err)
		return false, 0
	}
	n, _ := get.Int64()
	if n >= rule.Limit {
		return true, max(pttl.Val(), time.Second)
	}
	return false, 0
}

// Reset forgets key's count (after a successful login, say).
func (l *Limiter) Reset(ctx context.Context, rule Rule, key string) {
	l.mu.Lock()
	delete(l.leases, l.key(rule, key))
	l.mu.Unlock()
	if err := l.rdb.Del(ctx, l.key(rule, key)).Err(); err != nil {
		l.log.Warn("rate limiter reset failed", "rule", rule.Name, "err", err)
	}
}

func (l *Limiter) incr(ctx context.Context, rule Rule, key string, by, ttlAbove int64) (int64, time.Duration, error) {
	return l.counter.incr(ctx, l.key(rule, key), rule.Window.Milliseconds(), by, ttlAbove)
}

func (l *Limiter) key(rule Rule, key string) string {
	return l.prefix + "rl:" + rule.Name + ":" + key
}
