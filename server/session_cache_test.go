package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/account"
	"lawcontest/server/db/dbtest"
)

// The session cache must never let an ended session work on any instance,
// nor serve a changed user's old data.

// eventually polls check for up to two seconds: the instances learn of an
// ended session through Redis, a few milliseconds after it ended.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if check() {
			return
		}
	}
	t.Fatal(what)
}

func TestSessionCacheEndsSessionsOnEveryInstance(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	second, srv := e.secondApp()
	me := func(base, token string) *testResponse {
		return e.doAt(base, "GET", "/api/v1/me", nil, request{token: token})
	}

	// Logout on the first instance ends the session the second has cached.
	tok, _ := e.participant()
	e.expect(me(srv.URL, tok), http.StatusOK)
	e.expect(me(srv.URL, tok), http.StatusOK)
	if n := second.sessionCache.size(); n != 1 {
		t.Fatalf("the second instance caches %d sessions, want 1", n)
	}
	e.expect(e.do("DELETE", "/api/v1/sessions", nil, request{token: tok}), http.StatusNoContent)
	eventually(t, "the second instance still accepts a logged-out session", func() bool {
		return me(srv.URL, tok).Status == http.StatusUnauthorized
	})

	// A profile change on one instance is seen on the other.
	tok, _ = e.participant()
	e.expect(me(srv.URL, tok), http.StatusOK)
	e.expect(e.do("PATCH", "/api/v1/me", map[string]any{"full_name": "Trần Thị Mới"}, request{token: tok}), http.StatusOK)
	eventually(t, "the second instance serves the old name", func() bool {
		var out struct {
			User struct {
				FullName string `json:"full_name"`
			} `json:"user"`
		}
		res := me(srv.URL, tok)
		res.decode(t, &out)
		return out.User.FullName == "Trần Thị Mới"
	})

	// Logout everywhere, asked on the second instance, ends the sessions
	// the first has cached.
	e.expect(me(e.srv.URL, tok), http.StatusOK)
	e.expect(e.doAt(srv.URL, "DELETE", "/api/v1/sessions/all", nil, request{token: tok}), http.StatusNoContent)
	e.expect(me(srv.URL, tok), http.StatusUnauthorized) // dropped locally at once, before Redis tells anyone
	// The first instance hears it on the Redis channel, a moment later
	// (checking it at once raced with the message and failed once).
	eventually(t, "the first instance still accepts a session ended everywhere", func() bool {
		return me(e.srv.URL, tok).Status == http.StatusUnauthorized
	})
}

func TestSessionCacheEmptiesWhenItsSubscriptionDrops(t *testing.T) {
	t.Parallel()
	// A Redis client of its own, named, so that only this test's
	// connections are cut (other tests' caches run in parallel).
	opt, err := redis.ParseURL(dbtest.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	name := "lc-test-" + newPhone()
	opt.OnConnect = func(ctx context.Context, cn *redis.Conn) error { return cn.ClientSetName(ctx, name).Err() }
	own := redis.NewClient(opt)
	t.Cleanup(func() { own.Close() })
	e := newTestEnv(t, withRedis(own))

	tok, _ := e.participant()
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	if n := e.app.sessionCache.size(); n != 1 {
		t.Fatalf("%d sessions cached, want 1", n)
	}
	// The session ends without a message (as if it were lost while the
	// subscription was down), then the subscription drops: what was cached
	// is unknown, so it must be forgotten.
	if _, err := e.db.Exec(`DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	list, err := e.rdb.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if addr, ok := strings.CutPrefix(f, "addr="); ok {
				if e.rdb.ClientKillByFilter(ctx, "ADDR", addr).Err() == nil {
					killed++
				}
			}
		}
	}
	if killed == 0 {
		t.Fatal("no connection of this test's Redis client found to cut")
	}
	eventually(t, "a session ended while the subscription was down still works", func() bool {
		return e.do("GET", "/api/v1/me", nil, request{token: tok}).Status == http.StatusUnauthorized
	})
}

func TestSessionCacheKeepsStaffOut(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok := e.staff("organizer", "btc")
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	if n := e.app.sessionCache.size(); n != 0 {
		t.Fatalf("%d staff sessions cached; staff idle expiry needs every request to reach Postgres", n)
	}
}

// Without Redis no instance can hear that a session ended, so the cache
// stays off: every request is checked in Postgres, and logout still works.
func TestSessionCacheOffWithoutRedis(t *testing.T) {
	t.Parallel()
	dead := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:1"}, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	e := newTestEnv(t, withRedis(dead))
	tok, _ := e.participant()
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	if e.app.sessionCache.isEnabled() || e.app.sessionCache.size() != 0 {
		t.Fatalf("cache on (%v) with %d sessions while Redis is down", e.app.sessionCache.isEnabled(), e.app.sessionCache.size())
	}
	e.expect(e.do("DELETE", "/api/v1/sessions", nil, request{token: tok}), http.StatusNoContent)
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusUnauthorized)
}

// A cached session comes back as it went in, with every optional field
// either set or NULL, and each lookup gets its own copy.
func TestSessionCachePacksEveryField(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	unit := int64(42)
	birth := time.Date(1620, 3, 9, 0, 0, 0, 0, time.FixedZone("", 0)) // before 1678: past Unix nanoseconds
	disabled := time.Date(2026, 11, 2, 8, 30, 0, 5, time.FixedZone("ICT", 7*3600))
	full := account.User{ID: 7, Role: account.RoleParticipant, Phone: str("0912345678"), Username: str("hs.lan"),
		FullName: "Nguyễn Thị Lan", DisplayName: "Lan", BirthDate: &birth, CitizenID: str("001208001234"),
		Email: str("lan@example.vn"), UnitID: &unit, Category: str("student"), DisabledAt: &disabled,
		CreatedAt: time.Date(2026, 10, 1, 9, 0, 0, 123, time.UTC)}
	bare := account.User{ID: 8, Role: account.RoleParticipant, FullName: "", DisplayName: "Ẩn danh",
		Phone: str(""), CreatedAt: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}

	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for _, u := range []account.User{full, bare} {
		hash := account.HashToken("token of " + u.DisplayName)
		in := &account.Session{User: &u, TokenHash: hash, ExpiresAt: now.Add(time.Hour)}
		c := newSessionCache(nil, "t:")
		c.enabled = true
		c.put(in, c.gen, now)
		got, _ := c.get(hash, now)
		if got == nil {
			t.Fatalf("user %d: not cached", u.ID)
		}
		if describeSession(got) != describeSession(in) {
			t.Errorf("user %d comes back as\n%s\nwant\n%s", u.ID, describeSession(got), describeSession(in))
		}
		got.User.DisplayName, *got.User.Phone, got.TokenHash[0] = "changed", "changed", got.TokenHash[0]+1
		if again, _ := c.get(hash, now); describeSession(again) != describeSession(in) {
			t.Errorf("user %d: a change to one lookup's copy reached the cache", u.ID)
		}
	}
}

func describeSession(s *account.Session) string {
	u := s.User
	str := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return strconv.Quote(*p)
	}
	tm := func(p *time.Time) string {
		if p == nil {
			return "NULL"
		}
		return p.UTC().Format(time.RFC3339Nano) + " (date " + p.Format("2006-01-02") + ")"
	}
	unit := "NULL"
	if u.UnitID != nil {
		unit = strconv.FormatInt(*u.UnitID, 10)
	}
	return fmt.Sprintf("id %d role %q name %q display %q phone %s username %s citizen %s email %s category %s unit %s\n"+
		"birth %s disabled %s created %s expires %s hash %x", u.ID, u.Role, u.FullName, u.DisplayName,
		str(u.Phone), str(u.Username), str(u.CitizenID), str(u.Email), str(u.Category), unit,
		tm(u.BirthDate), tm(u.DisabledAt), tm(&u.CreatedAt), tm(&s.ExpiresAt), s.TokenHash)
}

// Entries past sessionCacheTTL are not served, and the next put sweeps
// them out.
func TestSessionCacheDropsExpiredEntries(t *testing.T) {
	t.Parallel()
	c := newSessionCache(nil, "t:")
	c.enabled = true
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	session := func(token string, id int64) *account.Session {
		return &account.Session{User: &account.User{ID: id, Role: account.RoleParticipant},
			TokenHash: account.HashToken(token), ExpiresAt: now.Add(time.Hour)}
	}
	c.put(session("a", 1), c.gen, now)
	c.put(session("b", 2), c.gen, now)
	later := now.Add(sessionCacheTTL + time.Second)
	if s, _ := c.get(account.HashToken("a"), later); s != nil {
		t.Fatal("an entry past the cache's time was served")
	}
	c.put(session("c", 3), c.gen, later)
	if n := c.size(); n != 1 {
		t.Fatalf("%d entries after the sweep, want only the new one", n)
	}
	// A session that ends before the cache's time is not served either.
	short := session("d", 4)
	short.ExpiresAt = later.Add(time.Second)
	c.put(short, c.gen, later)
	if s, _ := c.get(account.HashToken("d"), later.Add(2*time.Second)); s != nil {
		t.Fatal("an ended session was served from the cache")
	}
}
