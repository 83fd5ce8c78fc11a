package server

import (
	"context"
	"net/http"
	"testing"
	"time"
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
	e.expect(me(e.srv.URL, tok), http.StatusUnauthorized) // dropped locally at once, before Redis tells anyone
	e.expect(me(srv.URL, tok), http.StatusUnauthorized)
}

func TestSessionCacheEmptiesWhenItsSubscriptionDrops(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok, _ := e.participant()
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	if n := e.app.sessionCache.size(); n != 1 {
		t.Fatalf("%d sessions cached, want 1", n)
	}
	// The session ends without a message (as if it were lost while the
	// subscription was down), then the subscriptions drop: what was cached
	// is unknown, so it must be forgotten.
	if _, err := e.db.Exec(`DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	if err := e.rdb.Do(context.Background(), "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
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
