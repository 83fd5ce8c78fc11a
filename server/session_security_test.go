package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"lawcontest/account"
	"lawcontest/server/db/dbtest"
)

// Sessions against an attacker: fixation, logout everywhere, expiry,
// secrets kept out of logs and responses, and logins that cost the same
// work whether or not the account exists.

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// withLog sends the server's log to l.
func withLog(l *slog.Logger) envOption {
	return func(_ *Config, d *Deps) { d.Log = l }
}

// sessionCookieOf returns the session cookie the jar holds for the server.
func (e *testEnv) sessionCookieOf(c *http.Client) string {
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}

func (e *testEnv) csrfOf(c *http.Client) string {
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	e.expect(e.do("GET", "/api/v1/session", nil, request{client: c}), http.StatusOK).decode(e.t, &s)
	return s.CSRF
}

func TestLoginGivesANewTokenAndEndsTheOldSession(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	phone := newPhone()
	browser := e.browserClient()
	e.expect(e.do("POST", "/api/v1/participants", registration(phone), request{client: browser}), http.StatusCreated)
	before := e.sessionCookieOf(browser)
	if before == "" {
		t.Fatal("no session cookie after registering")
	}
	creds := map[string]string{"login": phone, "password": "mat-khau-an-toan"}
	var out struct{ Token string }
	e.expect(e.do("POST", "/api/v1/sessions", creds, request{client: browser, csrf: e.csrfOf(browser)}), http.StatusOK).decode(t, &out)
	after := e.sessionCookieOf(browser)
	if after == "" || after == before || out.Token != after {
		t.Fatalf("login kept the session id: before %q, after %q, body token %q", before, after, out.Token)
	}
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: before}), http.StatusUnauthorized)
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: after}), http.StatusOK)

	// A session id planted by someone else (a cookie set through a
	// sibling site) is never adopted: it opens nothing, and logging in
	// replaces it with one the server made.
	planted := e.browserClient()
	u, _ := url.Parse(e.srv.URL)
	planted.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "k3nh-b4n-ch0n-s4n-cua-ke-gian", Path: "/"}})
	var s struct{ User *userBrief }
	e.expect(e.do("GET", "/api/v1/session", nil, request{client: planted}), http.StatusOK).decode(t, &s)
	if s.User != nil {
		t.Fatal("a planted cookie opened a session")
	}
	e.expect(e.do("POST", "/api/v1/sessions", creds, request{client: planted}), http.StatusOK)
	if got := e.sessionCookieOf(planted); got == "k3nh-b4n-ch0n-s4n-cua-ke-gian" || got == "" {
		t.Fatalf("after login the cookie is %q", got)
	}
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: "k3nh-b4n-ch0n-s4n-cua-ke-gian"}), http.StatusUnauthorized)
}

func TestLogoutEverywhereEndsEverySessionOfTheCallerOnly(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.staff("organizer", "btc")
	office := e.login("btc", "staff-password-1")
	home := e.login("btc", "staff-password-1")
	phone := newPhone()
	e.expect(e.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)
	p1 := e.login(phone, "mat-khau-an-toan")
	p2 := e.login(phone, "mat-khau-an-toan")

	// From a browser (cookie and CSRF token), as a staff member would.
	browser := e.browserClient()
	e.expect(e.do("POST", "/api/v1/sessions", map[string]string{"login": "btc", "password": "staff-password-1"}, request{client: browser}), http.StatusOK)
	res := e.expect(e.do("DELETE", "/api/v1/sessions/all", nil, request{client: browser, csrf: e.csrfOf(browser)}), http.StatusNoContent)
	if c := res.Header.Get("Set-Cookie"); !strings.Contains(c, sessionCookie+"=;") || !strings.Contains(c, "Max-Age=0") {
		t.Fatalf("the cookie is not cleared: %q", c)
	}
	for _, tok := range []string{office, home} {
		e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusUnauthorized)
	}
	for _, tok := range []string{p1, p2} {
		e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	}
	e.expect(e.do("DELETE", "/api/v1/sessions/all", nil, request{token: p1}), http.StatusNoContent)
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: p2}), http.StatusUnauthorized)
	var n int
	e.db.Get(&n, `SELECT count(*) FROM sessions`)
	if n != 0 {
		t.Fatalf("%d sessions left", n)
	}
}

func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	phone := newPhone()
	res := e.expect(e.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)
	var reg struct{ Token string }
	res.decode(t, &reg)
	ck := (&http.Response{Header: res.Header}).Cookies()
	if len(ck) != 1 || !ck[0].Expires.Equal(testNow.Add(e.cfg.SessionLifetime).Truncate(time.Second)) {
		t.Fatalf("cookie %v: want expiry at the session's lifetime", ck)
	}
	e.staff("organizer", "btc")

	// Staff: active sessions stay, but not past the absolute lifetime.
	org := e.login("btc", "staff-password-1")
	step := e.cfg.StaffIdleTimeout - time.Minute
	var lived time.Duration
	for lived+step < e.cfg.SessionLifetime {
		e.clock.Advance(step)
		lived += step
		e.expect(e.do("GET", "/api/v1/me", nil, request{token: org}), http.StatusOK)
	}
	// The participant has been idle for all that time: participants have
	// no idle limit (a contest month is long), only the lifetime.
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: reg.Token}), http.StatusOK)
	e.clock.Advance(e.cfg.SessionLifetime - lived)
	for _, tok := range []string{org, reg.Token} {
		res := e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusUnauthorized)
		if res.apiError(t).Code != "unauthenticated" {
			t.Fatal(string(res.Body))
		}
	}
	// An idle staff session ends after STAFF_IDLE_TIMEOUT.
	org = e.login("btc", "staff-password-1")
	e.clock.Advance(e.cfg.StaffIdleTimeout + time.Second)
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: org}), http.StatusUnauthorized)

	// A session that was never used again is removed by the cleanup job.
	e.login(phone, "mat-khau-an-toan")
	e.clock.Advance(e.cfg.SessionLifetime + time.Second)
	if _, err := e.app.accounts.DeleteExpiredSessions(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM sessions`)
	if n != 0 {
		t.Fatalf("%d expired sessions kept", n)
	}
}

// Passwords, phone numbers, citizen ids, session tokens and password hashes
// never reach the log; passwords and hashes never reach a response.
func TestSecretsStayOutOfLogsAndResponses(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newTestEnv(t, withLog(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	var responses []*testResponse
	do := func(method, path string, body any, r request) *testResponse {
		res := e.do(method, path, body, r)
		responses = append(responses, res)
		return res
	}
	admin := e.staff("admin", "quantri")
	const (
		password  = "Mk-ThiSinh-7731"
		wrong     = "Mk-Sai-5520"
		staffPass = "Mk-CanBo-9083"
		citizenID = "001099007731"
	)
	phone := newPhone()
	body := registration("+84 " + phone[1:])
	body["password"] = password
	body["citizen_id"] = citizenID
	res := do("POST", "/api/v1/participants", body, request{})
	var reg struct{ Token, CSRF string }
	e.expect(res, http.StatusCreated).decode(t, &reg)
	tokens := []string{reg.Token}

	// Every path a password takes: logins that work and fail, a taken
	// phone, a refused password, malformed JSON, an unknown field.
	var login struct{ Token string }
	e.expect(do("POST", "/api/v1/sessions", map[string]string{"login": phone, "password": password}, request{}), http.StatusOK).decode(t, &login)
	tokens = append(tokens, login.Token)
	do("POST", "/api/v1/sessions", map[string]string{"login": phone, "password": wrong}, request{})
	do("POST", "/api/v1/sessions", map[string]string{"login": "0399999999", "password": wrong}, request{})
	do("POST", "/api/v1/participants", body, request{})
	short := registration(newPhone())
	short["password"] = "Mk-1"
	do("POST", "/api/v1/participants", short, request{})
	do("POST", "/api/v1/participants", nil, request{raw: []byte(`{"phone": "` + phone + `", "password": "` + wrong + `"`)})
	do("PATCH", "/api/v1/me", nil, request{token: login.Token, raw: []byte(`{"password": "` + wrong + `"}`)})
	do("POST", "/api/v1/admin/users", map[string]string{"username": "giamkhao", "password": staffPass, "role": "judge", "display_name": "Giám khảo"}, request{token: admin})
	do("GET", "/api/v1/me", nil, request{token: login.Token})
	do("GET", "/api/v1/admin/participants?q="+phone, nil, request{token: admin})
	do("GET", "/api/v1/me", nil, request{token: "not-a-token-" + password})
	tokens = append(tokens, e.login("giamkhao", staffPass), admin)
	do("DELETE", "/api/v1/sessions", nil, request{token: login.Token})

	var hash string
	if err := e.db.Get(&hash, `SELECT password_hash FROM users WHERE phone = $1`, phone); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, password) {
		t.Fatalf("stored password %q", hash)
	}
	for _, res := range responses {
		for _, secret := range []string{password, wrong, staffPass, "staff-password-1", "$argon2id$", hash[30:]} {
			if strings.Contains(string(res.Body), secret) || strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), " "), secret) {
				t.Errorf("a response carries %q: %s", secret, res.Body)
			}
		}
	}
	log := logs.String()
	if !strings.Contains(log, `"route":"/api/v1/sessions"`) {
		t.Fatalf("the log was not captured:\n%s", log)
	}
	secrets := []string{password, wrong, staffPass, "staff-password-1", "$argon2id$", hash[30:], phone, phone[1:], citizenID}
	secrets = append(secrets, tokens...)
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("the log holds %q", s)
		}
	}
	var audit string
	e.db.Get(&audit, `SELECT coalesce(string_agg(details::text, ' '), '') FROM audit_log`)
	for _, s := range []string{staffPass, "$argon2id$"} {
		if strings.Contains(audit, s) {
			t.Errorf("the audit log holds %q: %s", s, audit)
		}
	}
}

// Login costs one argon2 verification whether the account exists or not,
// so its time does not tell an attacker which phones are registered. This
// counts verifications rather than timing them.
func TestLoginRunsOneVerificationForUnknownUsersToo(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	phone := newPhone()
	e.expect(e.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)
	disabled := newPhone()
	e.expect(e.do("POST", "/api/v1/participants", registration(disabled), request{}), http.StatusCreated)
	if _, err := e.db.Exec(`UPDATE users SET disabled_at = now() WHERE phone = $1`, disabled); err != nil {
		t.Fatal(err)
	}
	e.staff("judge", "giamkhao")
	cases := []struct {
		name, login, password string
		status                int
	}{
		{"right password", phone, "mat-khau-an-toan", 200},
		{"wrong password", phone, "sai-mat-khau", 401},
		{"unknown phone", "0399999999", "sai-mat-khau", 401},
		{"unknown phone, another form", "+84 399 999 998", "mat-khau-an-toan", 401},
		{"unknown username", "khong-ai-ca", "sai-mat-khau", 401},
		{"disabled account", disabled, "mat-khau-an-toan", 401},
		{"staff, wrong password", "giamkhao", "sai-mat-khau", 401},
	}
	for _, c := range cases {
		before := e.app.hasher.Verifications()
		e.expect(e.do("POST", "/api/v1/sessions", map[string]string{"login": c.login, "password": c.password}, request{}), c.status)
		if n := e.app.hasher.Verifications() - before; n != 1 {
			t.Errorf("%s: %d argon2 verifications, want 1", c.name, n)
		}
	}
}

// Redis flushed: the session is in Postgres, nobody is logged out (the
// foundation tests this too); here with the CSRF token, which is derived
// from the session and a secret in Postgres, so it also survives.
func TestCSRFTokenSurvivesRedisLoss(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	browser := e.browserClient()
	e.expect(e.do("POST", "/api/v1/participants", registration(newPhone()), request{client: browser}), http.StatusCreated)
	csrf := e.csrfOf(browser)
	if err := dbtest.FlushPrefix(context.Background(), e.rdb, e.prefix); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("DELETE", "/api/v1/sessions", nil, request{client: browser, csrf: csrf}), http.StatusNoContent)
}

// A participant's last-seen time is queued and written with others by
// FlushTouches (once a second in a running server), never moving back; a
// staff session's is written by the request itself, since its idle
// timeout is checked against it.
func TestLastSeenTouches(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	tok, _ := e.participant()
	e.staff("organizer", "btc-touch")
	org := e.login("btc-touch", "staff-password-1")
	lastSeen := func(tok string) time.Time {
		t.Helper()
		var at time.Time
		if err := e.db.Get(&at, `SELECT last_seen_at FROM sessions WHERE token_hash = $1`, account.HashToken(tok)); err != nil {
			t.Fatal(err)
		}
		return at.UTC()
	}
	before := lastSeen(tok)

	e.clock.Advance(sessionCacheTTL + time.Minute) // past TouchEvery and the session cache
	seen := e.clock.Now().UTC()
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: org}), http.StatusOK)
	if got := lastSeen(org); !got.Equal(seen) {
		t.Fatalf("staff last seen %v, want %v at once", got, seen)
	}
	if got := lastSeen(tok); !got.Equal(before) {
		t.Fatalf("participant last seen %v before the flush, want still %v", got, before)
	}
	if n, err := e.app.accounts.FlushTouches(ctx); err != nil || n != 1 {
		t.Fatalf("flush wrote %d, %v; want the participant's 1", n, err)
	}
	if got := lastSeen(tok); !got.Equal(seen) {
		t.Fatalf("participant last seen %v after the flush, want %v", got, seen)
	}

	// A flush that fails keeps its touches for the next one.
	e.clock.Advance(sessionCacheTTL + time.Minute)
	seen = e.clock.Now().UTC()
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.app.accounts.FlushTouches(cancelled); err == nil {
		t.Fatal("a flush with a cancelled context reported success")
	}
	if n, err := e.app.accounts.FlushTouches(ctx); err != nil || n != 1 {
		t.Fatalf("the kept touch: flush wrote %d, %v", n, err)
	}
	if got := lastSeen(tok); !got.Equal(seen) {
		t.Fatalf("participant last seen %v after the second flush, want %v", got, seen)
	}
}
