package ratelimit

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Counting is batched. Every rate-limited request (a start, a submit, a
// login) counts one event in Redis, and one round trip each made the
// counting a fifth of the server's CPU in the submit phase of the load
// test: two system calls and a pooled connection per request, and as many
// script runs for Redis to read and answer one by one. So the counts
// asked for while a round trip is in flight wait and are then sent
// together in one pipeline, each getting its own answer. When Redis keeps
// up, a batch is the one count that came (no added delay); the busier it
// gets, the larger the batches.

// batchMax bounds one pipeline, so that a burst does not make one huge
// reply that everyone waits for.
const batchMax = 512

// batchTimeout bounds one pipeline's round trip; the requests waiting on it
// also give up when their own contexts end.
const batchTimeout = 2 * time.Second

// countReq is one INCRBY waiting for its batch.
type countReq struct {
	key      string
	windowMS int64
	by       int64

	n    int64
	ttl  time.Duration
	err  error
	done chan struct{}
}

// counter sends the queued counts of a Limiter, one pipeline at a time.
type counter struct {
	rdb redis.UniversalClient

	mu       sync.Mutex
	queue    []*countReq
	flushing bool
}

// incr counts by events on key, whose window is windowMS long, and returns
// the key's count and what is left of its window.
func (c *counter) incr(ctx context.Context, key string, windowMS, by int64) (int64, time.Duration, error) {
	r := &countReq{key: key, windowMS: windowMS, by: by, done: make(chan struct{})}
	c.mu.Lock()
	c.queue = append(c.queue, r)
	start := !c.flushing
	c.flushing = true
	c.mu.Unlock()
	if start {
		go c.flush()
	}
	select {
	case <-r.done:
		return r.n, r.ttl, r.err
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
}

// flush sends batches until the queue is empty.
func (c *counter) flush() {
	for {
		c.mu.Lock()
		n := min(len(c.queue), batchMax)
		if n == 0 {
			c.flushing = false
			c.mu.Unlock()
			return
		}
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		if len(c.queue) == 0 {
			c.queue = nil // let the backing array go
		}
		c.mu.Unlock()
		c.send(batch)
	}
}

// send runs the counting script for every request of batch in one
// pipeline. A Redis that lost its script cache answers NOSCRIPT (nothing
// was counted): the script is loaded and those requests are sent again.
func (c *counter) send(batch []*countReq) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	todo := batch
	for attempt := 0; attempt < 2 && len(todo) > 0; attempt++ {
		cmds := make([]*redis.Cmd, len(todo))
		pipe := c.rdb.Pipeline()
		for i, r := range todo {
			cmds[i] = incrScript.EvalSha(ctx, pipe, []string{r.key}, r.windowMS, r.by)
		}
		_, _ = pipe.Exec(ctx) // each command carries its own error
		var again []*countReq
		for i, r := range todo {
			res, err := cmds[i].Int64Slice()
			switch {
			case err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") && attempt == 0:
				again = append(again, r)
				continue
			case err == nil && len(res) != 2:
				err = errBadReply
			case err == nil:
				r.n, r.ttl = res[0], time.Duration(res[1])*time.Millisecond
			}
			r.err = err
			close(r.done)
		}
		if len(again) > 0 {
			if err := incrScript.Load(ctx, c.rdb).Err(); err != nil {
				for _, r := range again {
					r.err = err
					close(r.done)
				}
				return
			}
		}
		todo = again
	}
}

var errBadReply = errors.New("ratelimit: unexpected reply from the counting script")
