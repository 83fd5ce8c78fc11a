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

type topEntry struct {
	page    Page
	expires time.Time
}

// flight is a Redis read that callers asking for the same key wait on, so
// that when a hot board's answer expires one request refreshes it instead
// of all of them.
type flight struct {
	done chan struct{}
	page Page
	err  error
}

// topCache keeps Top answers for a short TTL. Its size is bounded because
// limit and offset come from the query string.
type topCache struct {
	ttl time.Duration
	max int

	mu     sync.Mutex
	m      map[topKey]topEntry
	flight map[topKey]*flight
}

func newTopCache(ttl time.Duration, max int) *topCache {
	return &topCache{ttl: ttl, max: max, m: map[topKey]topEntry{}, flight: map[topKey]*flight{}}
}

// get returns the cached answer for k, or reads it with fetch (once for all
// concurrent callers). Errors are not cached.
func (c *topCache) get(ctx context.Context, k topKey, clk clock.Clock, fetch func(context.Context) (Page, error)) (Page, error) {
	if c.ttl <= 0 {
		return fetch(ctx)
	}
	c.mu.Lock()
	if e, ok := c.m[k]; ok && clk.Now().Before(e.expires) {
		c.mu.Unlock()
		return e.page, nil
	}
	f, waiting := c.flight[k]
	if !waiting {
		f = &flight{done: make(chan struct{})}
		c.flight[k] = f
	}
	c.mu.Unlock()

	if waiting {
		select {
		case <-f.done:
			return f.page, f.err
		case <-ctx.Done():
			return Page{}, ctx.Err()
		}
	}
	// The read serves every waiter, so one caller giving up must not
	// cancel it; go-redis's timeouts still bound it.
	f.page, f.err = fetch(context.WithoutCancel(ctx))
	c.mu.Lock()
	delete(c.flight, k)
	if f.err == nil {
		if len(c.m) >= c.max {
			c.evict(clk.Now())
		}
		c.m[k] = topEntry{page: f.page, expires: clk.Now().Add(c.ttl)}
	}
	c.mu.Unlock()
	close(f.done)
	return f.page, f.err
}

// evict drops expired answers, and everything if that is not enough.
// Called with mu held.
func (c *topCache) evict(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
}

// invalidate drops the answers of a round, after a change that readers
// should see at once (a rebuild, a removal).
func (c *topCache) invalidate(round int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if k.round == round {
			delete(c.m, k)
		}
	}
}
