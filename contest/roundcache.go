package contest

import (
	"context"
	"sync"
	"time"
)

// roundCache keeps rounds for a second for Start, which every participant
// of a burst calls at the same moment: without it each start read the same
// round row. A second of staleness is safe: Start checks the round's
// closing time again, under a lock, in its transaction (an organizer's
// close is never missed), and this process forgets every round as soon as
// it changes one (other instances within the second).
type roundCache struct {
	mu     sync.Mutex
	rounds map[int64]cachedRound
}

type cachedRound struct {
	r  Round
	at time.Time
}

const roundCacheTTL = time.Second

func (c *roundCache) get(ctx context.Context, id int64, load func(context.Context, int64) (Round, error)) (Round, error) {
	now := time.Now() // wall time: a test's fake clock must not keep a round forever
	c.mu.Lock()
	e, ok := c.rounds[id]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < roundCacheTTL {
		return e.r, nil
	}
	r, err := load(ctx, id)
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rounds == nil || len(c.rounds) > 10_000 {
		c.rounds = map[int64]cachedRound{}
	}
	c.rounds[id] = cachedRound{r: r, at: now}
	return r, nil
}

// forget drops every round: after any change to a round or a contest (its
// publication is part of what Start checks).
func (c *roundCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.rounds)
}
