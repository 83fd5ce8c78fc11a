package server

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/account"
)

// sessionCache keeps participants' sessions in memory for a while, so that
// the requests of a quiz (an autosave every few seconds per participant)
// do not each cost a Postgres lookup: the load test measured the session
// lookup as half of the statements Postgres ran.
//
// A cached session must stop working the moment it ends, on every
// instance. Whoever ends a session or changes a user says so on a Redis
// channel that every instance listens to, and drops its own entry at once.
// The cache is used only while this instance's subscription is up: when it
// drops (Redis down, a network cut) messages may be missed, so the cache is
// emptied and every request goes to Postgres until the subscription is
// back. Entries also expire after sessionCacheTTL, a bound on staleness if
// a message is ever lost on a live connection (Redis drops a subscriber it
// cannot keep up with, which the listener sees as a dropped
// subscription). Five minutes, not one: a lookup on expiry is a query and
// a last-seen write per participant, and with a one-minute expiry every
// session of a quiz came due again during its twenty requests.
//
// Staff sessions are never cached: their idle expiry needs every request
// to touch the session, and staff are few.
type sessionCache struct {
	channel string
	rdb     redis.UniversalClient

	mu      sync.Mutex
	enabled bool
	// gen counts invalidations: a lookup that raced with one (it read
	// Postgres before the session ended and would store it after) sees gen
	// move and does not store what it read.
	gen     uint64
	entries map[[32]byte]cachedSession
	swept   time.Time
}

type cachedSession struct {
	sess     account.Session
	user     account.User
	cachedAt time.Time
}

const (
	sessionCacheTTL = 5 * time.Minute
	sessionCacheMax = 100_000
)

func newSessionCache(rdb redis.UniversalClient, keyPrefix string) *sessionCache {
	return &sessionCache{channel: keyPrefix + "sessions:ended", rdb: rdb, entries: map[[32]byte]cachedSession{}}
}

// get returns a copy of the cached session of hash, and the generation to
// hand to put after a miss.
func (c *sessionCache) get(hash []byte, now time.Time) (*account.Session, uint64) {
	var k [32]byte
	if len(hash) != len(k) {
		return nil, 0
	}
	copy(k[:], hash)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled {
		return nil, c.gen
	}
	e, ok := c.entries[k]
	if !ok {
		return nil, c.gen
	}
	if now.Sub(e.cachedAt) > sessionCacheTTL || !now.Before(e.sess.ExpiresAt) {
		delete(c.entries, k)
		return nil, c.gen
	}
	// A copy: handlers may keep or change what they are given.
	s, u := e.sess, e.user
	s.User = &u
	return &s, c.gen
}

// put stores a session just read from Postgres, unless an invalidation
// came since gen was read.
func (c *sessionCache) put(s *account.Session, gen uint64, now time.Time) {
	if s == nil || s.User == nil || s.User.IsStaff() || len(s.TokenHash) != 32 {
		return
	}
	var k [32]byte
	copy(k[:], s.TokenHash)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled || gen != c.gen {
		return
	}
	if now.Sub(c.swept) > sessionCacheTTL {
		// Entries past their time are otherwise only dropped when read.
		c.swept = now
		for k, e := range c.entries {
			if now.Sub(e.cachedAt) > sessionCacheTTL {
				delete(c.entries, k)
			}
		}
	}
	if len(c.entries) >= sessionCacheMax {
		// Drop an arbitrary eighth: simpler than an LRU, and a dropped
		// entry only costs one Postgres lookup.
		n := 0
		for k := range c.entries {
			delete(c.entries, k)
			if n++; n >= sessionCacheMax/8 {
				break
			}
		}
	}
	e := cachedSession{sess: *s, user: *s.User, cachedAt: now}
	e.sess.User = nil
	c.entries[k] = e
}

// The messages on the channel: one session ended, or everything of one
// user (logout everywhere, a profile changed).
func sessionEndedMessage(hash []byte) string {
	return "t:" + base64.RawURLEncoding.EncodeToString(hash)
}

func userChangedMessage(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }

// drop applies one message to this instance's cache.
func (c *sessionCache) drop(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch {
	case strings.HasPrefix(msg, "t:"):
		hash, err := base64.RawURLEncoding.DecodeString(msg[2:])
		if err != nil || len(hash) != 32 {
			clear(c.entries)
			return
		}
		var k [32]byte
		copy(k[:], hash)
		delete(c.entries, k)
	case strings.HasPrefix(msg, "u:"):
		id, err := strconv.ParseInt(msg[2:], 10, 64)
		if err != nil {
			clear(c.entries)
			return
		}
		for k, e := range c.entries {
			if e.user.ID == id {
				delete(c.entries, k)
			}
		}
	default:
		clear(c.entries)
	}
}

// announce drops msg's sessions here at once and tells the other
// instances. If Redis cannot be told, the other instances stop using
// their entries within sessionCacheTTL at the latest (and at once if they
// lost Redis too, since their subscriptions dropped).
func (c *sessionCache) announce(ctx context.Context, msg string) error {
	c.drop(msg)
	return c.rdb.Publish(context.WithoutCancel(ctx), c.channel, msg).Err()
}

func (c *sessionCache) setEnabled(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enabled = on
	c.gen++
	clear(c.entries)
}

func (c *sessionCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *sessionCache) isEnabled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enabled
}

// listen keeps the subscription until ctx ends, enabling the cache only
// while it is up.
func (c *sessionCache) listen(ctx context.Context, onError func(error)) {
	defer c.setEnabled(false)
	for ctx.Err() == nil {
		ps := c.rdb.Subscribe(ctx, c.channel)
		// Receive does not return when ctx ends; closing ps makes it.
		stop := context.AfterFunc(ctx, func() { ps.Close() })
		for {
			m, err := ps.Receive(ctx)
			if err != nil {
				c.setEnabled(false)
				if ctx.Err() == nil {
					onError(err)
				}
				break
			}
			switch m := m.(type) {
			case *redis.Subscription:
				// (Re)subscribed: anything before is unknown, start empty.
				c.setEnabled(m.Kind == "subscribe")
			case *redis.Message:
				c.drop(m.Payload)
			}
		}
		stop()
		ps.Close()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
