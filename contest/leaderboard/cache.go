package leaderboard

import (
	"context"
	"sync"
	"time"

	"lawcontest/clock"
)

// topKey identifies one cached Top answer.
type topKey struct {
	round, unit   int64
	limit, offset int
}

type cached[V any] struct {
	v       V
	expires time.Time
}

// flight is a Redis read that callers asking for the same key wait on, so
// that when a hot board's answer expires one request refreshes it instead
// of all of them.
type flight[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// ttlCache keeps answers (Top pages, public pages, round settings) for a
// short TTL. Its size is bounded because limit and offset come from the
// query string.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	max int

	mu     sync.Mutex
	m      map[K]cached[V]
	flight map[K]*flight[V]
}

func newTTLCache[K comparable, V any](ttl time.Duration, max int) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: max, m: map[K]cached[V]{}, flight: map[K]*flight[V]{}}
}

// get returns the cached answer for k, or reads it with fetch (once for all
// concurrent callers). Errors are not cached.
func (c *ttlCache[K, V]) get(ctx context.Context, k K, clk clock.Clock, fetch func(context.Context) (V, error)) (V, error) {
	if c.ttl <= 0 {
		return fetch(ctx)
	}
	c.mu.Lock()
	if e, ok := c.m[k]; ok && clk.Now().Before(e.expires) {
		c.mu.Unlock()
		return e.v, nil
	}
	f, waiting := c.flight[k]
	if !waiting {
		f = &flight[V]{done: make(chan struct{})}
		c.flight[k] = f
	}
	c.mu.Unlock()

	if waiting {
		select {
		case <-f.done:
			return f.v, f.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	// The read serves every waiter, so one caller giving up must not
	// cancel it; go-redis's timeouts still bound it.
	f.v, f.err = fetch(context.WithoutCancel(ctx))
	c.mu.Lock()
	delete(c.flight, k)
	if f.err == nil {
		if len(c.m) >= c.max {
			c.evict(clk.Now())
		}
		c.m[k] = cached[V]{v: f.v, expires: clk.Now().Add(c.ttl)}
	}
	c.mu.Unlock()
	close(f.done)
	return f.v, f.err
}

// evict drops expired answers, and everything if that is not enough.
// Called with mu held.
func (c *ttlCache[K, V]) evict(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
}

// invalidate drops the answers whose key drop says, after a change that
// readers should see at once (a rebuild, a removal).
func (c *ttlCache[K, V]) invalidate(drop func(K) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if drop(k) {
			delete(c.m, k)
		}
	}
}
