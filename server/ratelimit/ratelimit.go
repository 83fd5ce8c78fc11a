// Package ratelimit counts requests in Redis so that limits hold across
// every server instance. When Redis does not answer, it lets requests
// through (fails open) and logs it: a Redis outage must not stop a contest.
package ratelimit

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rule is a budget of Limit events per Window.
type Rule struct {
	Name   string
	Limit  int64
	Window time.Duration
}

// Limiter applies rules to keys (an IP, a login, a participant id).
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
}

// New returns a Limiter whose keys start with prefix.
func New(rdb redis.UniversalClient, prefix string, log *slog.Logger) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, log: log}
}

// A fixed window counter: INCR, and set the expiry when the key is new.
// Returns the count and the milliseconds left in the window.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`)

// Allow counts one event for key under rule. It returns false and how long
// to wait once the budget is spent.
func (l *Limiter) Allow(ctx context.Context, rule Rule, key string) (bool, time.Duration) {
	n, ttl, err := l.incr(ctx, rule, key)
	if err != nil {
		l.log.Warn("rate limiter unavailable, allowing request", "rule", rule.Name, "err", err)
		return true, 0
	}
	if n > rule.Limit {
		return false, ttl
	}
	return true, 0
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
	if err := l.rdb.Del(ctx, l.key(rule, key)).Err(); err != nil {
		l.log.Warn("rate limiter reset failed", "rule", rule.Name, "err", err)
	}
}

func (l *Limiter) incr(ctx context.Context, rule Rule, key string) (int64, time.Duration, error) {
	res, err := incrScript.Run(ctx, l.rdb, []string{l.key(rule, key)}, rule.Window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, err
	}
	return res[0], time.Duration(res[1]) * time.Millisecond, nil
}

func (l *Limiter) key(rule Rule, key string) string {
	return l.prefix + "rl:" + rule.Name + ":" + key
}
