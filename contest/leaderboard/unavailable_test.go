package leaderboard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lawcontest/apperr"
	"lawcontest/clock"
	"lawcontest/server/db"
	"lawcontest/server/db/dbtest"
)

// proxy stands between the board and Redis so a test can make Redis hang
// (connections accepted, nothing answered) and come back.
type proxy struct {
	ln      net.Listener
	target  string
	accepts atomic.Int64

	mu    sync.Mutex
	hang  bool
	conns []net.Conn
}

func newProxy(t *testing.T) *proxy {
	t.Helper()
	u, err := url.Parse(dbtest.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: u.Host}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) url() string { return "redis://" + p.ln.Addr().String() + "/0" }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepts.Add(1)
		p.mu.Lock()
		p.conns = append(p.conns, c)
		hang := p.hang
		p.mu.Unlock()
		if hang {
			continue // held open, never answered
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, up)
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// cut makes Redis hang: open connections die, new ones get no answer.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hang = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hang = false
	for _, c := range p.conns { // the hung ones
		c.Close()
	}
	p.conns = nil
}

// throughProxy returns a fixture whose board reaches Redis via a proxy.
func throughProxy(t *testing.T, opts ...Option) (fixture, *proxy) {
	t.Helper()
	rdb, prefix := dbtest.NewRedis(t) // for cleanup and direct checks
	p := newProxy(t)
	prdb, err := db.OpenRedis(p.url(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prdb.Close() })
	clk := clock.NewFake(t0)
	return fixture{b: New(prdb, prefix, clk, opts...), rdb: rdb, prefix: prefix, clk: clk}, p
}

// calls are every method of the board that speaks to Redis.
func calls(b *Board) map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"Record": func(ctx context.Context) error { return b.Record(ctx, entry(1, 1, 1, 1, t0, 1)) },
		"Top":    func(ctx context.Context) error { _, _, err := b.Top(ctx, 1, 0, 10, 0); return err },
		"Rank":   func(ctx context.Context) error { _, _, err := b.Rank(ctx, 1, 1); return err },
		"NeedsRebuild": func(ctx context.Context) error {
			_, err := b.NeedsRebuild(ctx, 1)
			return err
		},
		"Rebuild": func(ctx context.Context) error { return b.Rebuild(ctx, 1, sliceSource(nil), nil) },
		"Remove":  func(ctx context.Context) error { return b.Remove(ctx, 1, 1) },
		"Delete":  func(ctx context.Context) error { return b.Delete(ctx, 1) },
	}
}

func TestRedisRefusingConnections(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	rdb, err := db.OpenRedis("redis://"+addr+"/0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	// Backoff off: every call tries Redis and must fail by itself.
	b := New(rdb, "t:", clock.NewFake(t0), WithUnavailableBackoff(0))
	var wg sync.WaitGroup
	for name, call := range calls(b) {
		wg.Go(func() {
			err := call(context.Background())
			if !errors.Is(err, ErrUnavailable) || !apperr.Is(err, apperr.Unavailable) {
				t.Errorf("%s with Redis refusing: %v, want ErrUnavailable", name, err)
			}
		})
	}
	wg.Wait()
}

func TestRedisHangingFailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	f, p := throughProxy(t, WithTopCacheTTL(0))
	ctx := context.Background()
	f.open(t, 1)
	f.record(t, entry(1, 1, 5, 1000, t0, 1))

	p.cut()
	// The first call waits for the client's read timeout and fails...
	lost := entry(2, 2, 9, 1000, t0, 1)
	if err := f.b.Record(ctx, lost); !isUnavailable(err) {
		t.Fatalf("Record with Redis hanging: %v", err)
	}
	if f.b.Pending() != 1 {
		t.Fatalf("pending %d, want the failed entry kept", f.b.Pending())
	}
	// ...and for the backoff every call fails without a connection.
	before := p.accepts.Load()
	for name, call := range calls(f.b) {
		if err := call(ctx); !isUnavailable(err) {
			t.Errorf("%s during the backoff: %v", name, err)
		}
	}
	if n := p.accepts.Load() - before; n != 0 {
		t.Errorf("%d connections during the backoff, want none", n)
	}
	if f.b.Pending() != 2 { // Record of participant 1 was kept too
		t.Errorf("pending %d, want 2", f.b.Pending())
	}

	p.heal()
	if _, _, err := f.b.Rank(ctx, 1, 1); !isUnavailable(err) {
		t.Fatalf("within the backoff: %v", err)
	}
	f.clk.Advance(time.Second)
	if _, _, err := f.b.Rank(ctx, 1, 2); !errors.Is(err, ErrNoEntry) {
		t.Fatalf("after the backoff, before Retry: %v, want ErrNoEntry", err)
	}
	if stale, err := f.b.Retry(ctx); err != nil || len(stale) != 0 {
		t.Fatalf("retry: %v %v", stale, err)
	}
	if pos, total, err := f.b.Rank(ctx, 1, 2); pos != 1 || total != 2 || err != nil {
		t.Fatalf("the entry recorded during the outage: %d/%d %v", pos, total, err)
	}
	if f.b.Pending() != 0 {
		t.Fatalf("pending %d after Retry", f.b.Pending())
	}
}

func TestTooManyFailedRecordsMarkTheRoundStale(t *testing.T) {
	t.Parallel()
	rdb, err := db.OpenRedis("redis://127.0.0.1:1/0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	b := New(rdb, "t:", clock.NewFake(t0))
	b.cfg.pendingMax = 2
	for pid := int64(1); pid <= 3; pid++ {
		b.Record(context.Background(), entry(pid, pid, 1, 1, t0, 0))
	}
	// A lower attempt of a kept participant does not replace the better.
	b.Record(context.Background(), entry(1, 9, 0, 1, t0, 0))
	if b.Pending() != 2 {
		t.Fatalf("pending %d, want 2", b.Pending())
	}
	if b.pending[[2]int64{1, 1}].AttemptID != 1 {
		t.Fatal("a lower attempt replaced a kept one")
	}
	// Redis is still down: the entries fail again and the stale round
	// waits with them (a rebuild now would fail too), for a later Retry.
	stale, err := b.Retry(context.Background())
	if !isUnavailable(err) || len(stale) != 0 {
		t.Fatalf("retry with Redis down: stale %v, err %v; want none and unavailable", stale, err)
	}
	if b.Pending() != 2 {
		t.Fatalf("entries that failed again: pending %d, want 2", b.Pending())
	}
	if !b.stale[1] {
		t.Fatal("the stale round was forgotten by a failed Retry")
	}
}
