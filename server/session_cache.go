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

// cachedSession is a session as the cache keeps it: one string and
// numbers, where an account.User as lib/pq decodes it is a dozen objects
// (a string or a pointer per column). The garbage collector visits every
// live object at each cycle; with 100,000 sessions cached they were most
// of the server's live objects, and marking them took about a quarter of
// its CPU in the load test's submit phase. get builds an account.User
// back from it.
type cachedSession struct {
	// text is the user's strings back to back, in the order of the
	// text* constants; ends[i] is where field i ends.
	text string
	ends [textFields]uint32
	// null has bit i set when optional field i (the text* fields from
	// textPhone on, then nullUnit, nullBirthDate, nullDisabledAt) is NULL.
	null uint16

	userID, unitID int64
	// birthDate is in Unix seconds (a date of any year fits), the others
	// in Unix nanoseconds (times of this century).
	birthDate                                  int64
	disabledAt, createdAt, expiresAt, cachedAt int64
}

// The fields of cachedSession.text.
const (
	textRole = iota
	textFullName
	textDisplayName
	textPhone // the first optional one: bits of null from here
	textUsername
	textCitizenID
	textEmail
	textCategory
	textFields
)

// Bits of cachedSession.null past the text fields.
const (
	nullUnit = textFields - textPhone + iota
	nullBirthDate
	nullDisabledAt
)

// optionalText gives u's optional strings, in the order of the text*
// constants from textPhone on: packing reads them, unpacking sets them.
func optionalText(u *account.User) [textFields - textPhone]**string {
	return [...]**string{&u.Phone, &u.Username, &u.CitizenID, &u.Email, &u.Category}
}

func packSession(s *account.Session, now time.Time) cachedSession {
	u := s.User
	e := cachedSession{userID: u.ID, createdAt: u.CreatedAt.UnixNano(),
		expiresAt: s.ExpiresAt.UnixNano(), cachedAt: now.UnixNano()}
	var b strings.Builder
	for i, v := range [...]string{u.Role, u.FullName, u.DisplayName} {
		b.WriteString(v)
		e.ends[i] = uint32(b.Len())
	}
	for i, p := range optionalText(u) {
		if *p == nil {
			e.null |= 1 << i
		} else {
			b.WriteString(**p)
		}
		e.ends[textPhone+i] = uint32(b.Len())
	}
	e.text = b.String()
	if u.UnitID == nil {
		e.null |= 1 << nullUnit
	} else {
		e.unitID = *u.UnitID
	}
	if u.BirthDate == nil {
		e.null |= 1 << nullBirthDate
	} else {
		e.birthDate = u.BirthDate.Unix()
	}
	if u.DisabledAt == nil {
		e.null |= 1 << nullDisabledAt
	} else {
		e.disabledAt = u.DisabledAt.UnixNano()
	}
	return e
}

// unpackedSession is what get hands out, in one allocation: the session,
// its user, and what the user's pointers point to.
type unpackedSession struct {
	sess                  account.Session
	user                  account.User
	hash                  [32]byte
	optional              [textFields - textPhone]string
	unitID                int64
	birthDate, disabledAt time.Time
}

// unpack builds the session back. Times come back in UTC: the cache's
// users are participants, whose times are compared, never shown, except
// the birth date, a date at midnight UTC as lib/pq reads a date column.
func (e *cachedSession) unpack(hash [32]byte) *account.Session {
	field := func(i int) string {
		start := uint32(0)
		if i > 0 {
			start = e.ends[i-1]
		}
		return e.text[start:e.ends[i]]
	}
	isNull := func(bit int) bool { return e.null&(1<<bit) != 0 }
	out := &unpackedSession{hash: hash}
	u := &out.user
	u.ID, u.Role, u.FullName, u.DisplayName = e.userID, field(textRole), field(textFullName), field(textDisplayName)
	u.CreatedAt = time.Unix(0, e.createdAt).UTC()
	for i, p := range optionalText(u) {
		if !isNull(i) {
			out.optional[i] = field(textPhone + i)
			*p = &out.optional[i]
		}
	}
	if !isNull(nullUnit) {
		out.unitID = e.unitID
		u.UnitID = &out.unitID
	}
	if !isNull(nullBirthDate) {
		out.birthDate = time.Unix(e.birthDate, 0).UTC()
		u.BirthDate = &out.birthDate
	}
	if !isNull(nullDisabledAt) {
		out.disabledAt = time.Unix(0, e.disabledAt).UTC()
		u.DisabledAt = &out.disabledAt
	}
	out.sess = account.Session{User: u, TokenHash: out.hash[:], ExpiresAt: time.Unix(0, e.expiresAt).UTC()}
	return &out.sess
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
	if t := now.UnixNano(); t-e.cachedAt > int64(sessionCacheTTL) || t >= e.expiresAt {
		delete(c.entries, k)
		return nil, c.gen
	}
	// A copy: handlers may keep or change what they are given.
	return e.unpack(k), c.gen
}

// put stores a session just read from Postgres, unless an invalidation
// came since gen was read.
func (c *sessionCache) put(s *account.Session, gen uint64, now time.Time) {
	if s == nil || s.User == nil || s.User.IsStaff() || len(s.TokenHash) != 32 {
		return
	}
	var k [32]byte
	copy(k[:], s.TokenHash)
	e := packSession(s, now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled || gen != c.gen {
		return
	}
	if now.Sub(c.swept) > sessionCacheTTL {
		// Entries past their time are otherwise only dropped when read.
		c.swept = now
		for k, e := range c.entries {
			if now.UnixNano()-e.cachedAt > int64(sessionCacheTTL) {
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
			if e.userID == id {
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
