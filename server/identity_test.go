package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/server/db/dbtest"
)

func TestRegisterRefusesEachFieldWithItsOwnMessage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cases := []struct {
		field string
		value any
	}{
		{"full_name", ""},
		{"full_name", "Nguyễn <script>"},
		{"birth_date", "31/05/2008"},
		{"birth_date", "2027-01-01"}, // in the future of the test clock
		{"birth_date", "1900-01-01"}, // more than 120 years ago
		{"phone", "12345"},
		{"phone", ""},
		{"password", "ngan"},
		{"citizen_id", "12345678901"},
		{"citizen_id", "00109900123a"},
		{"email", "khong-phai-email"},
		{"unit_id", "999999"},
		{"category", "nguoi_ngoai_hanh_tinh"},
	}
	messages := map[string]string{}
	for _, c := range cases {
		body := registration(newPhone())
		body[c.field] = c.value
		res := e.expect(e.do("POST", "/api/v1/participants", body, request{}), http.StatusUnprocessableEntity)
		er := res.apiError(t)
		if er.Code != "validation" {
			t.Errorf("%s=%v: code %q", c.field, c.value, er.Code)
		}
		msg := er.Fields[c.field]
		if msg == "" {
			t.Errorf("%s=%v: no message for the field, got fields %v", c.field, c.value, er.Fields)
			continue
		}
		if len(er.Fields) != 1 {
			t.Errorf("%s=%v: other fields refused too: %v", c.field, c.value, er.Fields)
		}
		if prev, seen := messages[msg]; seen && !strings.HasPrefix(prev, c.field+"=") {
			t.Errorf("fields %s and %s share the message %q", prev, c.field, msg)
		}
		messages[msg] = c.field + "="
	}
	var n int
	e.db.Get(&n, "SELECT count(*) FROM users")
	if n != 0 {
		t.Fatalf("refused registrations stored %d users", n)
	}
}

func TestRegisterNormalizesAndRefusesDuplicates(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	body := registration("+84 912 345 678")
	body["full_name"] = "  Nguye\u0302\u0303n   Văn An "
	body["citizen_id"] = "001099001234"
	res := e.expect(e.do("POST", "/api/v1/participants", body, request{}), http.StatusCreated)
	var out struct {
		Participant participantView `json:"participant"`
		Token       string          `json:"token"`
	}
	res.decode(t, &out)
	if out.Participant.Phone != "0912345678" || out.Participant.FullName != "Nguyễn Văn An" || out.Token == "" {
		t.Fatalf("normalized participant: %+v", out.Participant)
	}
	if c := res.Header.Get("Set-Cookie"); !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
		t.Fatalf("session cookie flags: %q", c)
	}

	// The same phone written another way is the same person.
	again := registration("84912345678")
	res = e.expect(e.do("POST", "/api/v1/participants", again, request{}), http.StatusConflict)
	if er := res.apiError(t); er.Code != "conflict" || er.Fields["phone"] == "" {
		t.Fatalf("duplicate phone: %+v", er)
	}
	again = registration(newPhone())
	again["citizen_id"] = "001099001234"
	res = e.expect(e.do("POST", "/api/v1/participants", again, request{}), http.StatusConflict)
	if er := res.apiError(t); er.Fields["citizen_id"] == "" {
		t.Fatalf("duplicate citizen id: %+v", er)
	}
	// The phone logs in in any of its forms.
	e.login("0912.345.678", "mat-khau-an-toan")
}

func TestLoginFailuresLookAlikeAndAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	phone := newPhone()
	e.expect(e.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)

	wrong := e.expect(e.do("POST", "/api/v1/sessions", map[string]string{"login": phone, "password": "sai-mat-khau"}, request{}), http.StatusUnauthorized)
	unknown := e.expect(e.do("POST", "/api/v1/sessions", map[string]string{"login": "0987654321", "password": "sai-mat-khau"}, request{}), http.StatusUnauthorized)
	if w, u := wrong.apiError(t), unknown.apiError(t); w.Code != u.Code || w.Message != u.Message || w.Code != "unauthenticated" {
		t.Fatalf("wrong password %+v and unknown login %+v differ", w, u)
	}
	// Four more wrong passwords make five; the sixth try is refused before
	// the password is even checked, the right one included.
	for i := 0; i < 4; i++ {
		e.expect(e.do("POST", "/api/v1/sessions", map[string]string{"login": phone, "password": "sai-mat-khau"}, request{}), http.StatusUnauthorized)
	}
	res := e.expect(e.do("POST", "/api/v1/sessions", map[string]string{"login": phone, "password": "mat-khau-an-toan"}, request{}), http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" || res.apiError(t).Code != "rate_limited" {
		t.Fatalf("6th login: %v %s", res.Header, res.Body)
	}
	// Another person's login is not affected.
	other := newPhone()
	e.expect(e.do("POST", "/api/v1/participants", registration(other), request{}), http.StatusCreated)
	e.login(other, "mat-khau-an-toan")
}

func TestRolesAreCheckedOnEveryRoute(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	judge := e.staff("judge", "giamkhao")
	participant, _ := e.participant()
	body := map[string]string{"username": "moi", "password": "mat-khau-moi-1", "role": "organizer", "display_name": "Mới"}
	e.expect(e.do("POST", "/api/v1/admin/users", body, request{}), http.StatusUnauthorized)
	for _, tok := range []string{judge, participant, e.staff("organizer", "bantochuc")} {
		res := e.expect(e.do("POST", "/api/v1/admin/users", body, request{token: tok}), http.StatusForbidden)
		if res.apiError(t).Code != "forbidden" {
			t.Fatal(string(res.Body))
		}
	}
	admin := e.staff("admin", "quantri")
	e.expect(e.do("POST", "/api/v1/admin/users", body, request{token: admin}), http.StatusCreated)
	var audits int
	e.db.Get(&audits, "SELECT count(*) FROM audit_log WHERE action = 'user.create'")
	if audits != 1 {
		t.Fatalf("staff creation audited %d times", audits)
	}
	e.login("moi", "mat-khau-moi-1")
}

func TestCookieRequestsNeedTheCSRFToken(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	browser := e.browserClient()
	res := e.expect(e.do("POST", "/api/v1/participants", registration(newPhone()), request{client: browser}), http.StatusCreated)
	var reg struct {
		CSRF string `json:"csrf_token"`
	}
	res.decode(t, &reg)

	// Logging out is a state change: the cookie alone is not enough.
	res = e.expect(e.do("DELETE", "/api/v1/sessions", nil, request{client: browser}), http.StatusForbidden)
	if res.apiError(t).Code != "forbidden" {
		t.Fatal(string(res.Body))
	}
	e.expect(e.do("DELETE", "/api/v1/sessions", nil, request{client: browser, csrf: "forged"}), http.StatusForbidden)

	// The token from GET /api/v1/session is the one that works.
	var sess struct {
		User *userBrief `json:"user"`
		CSRF string     `json:"csrf_token"`
	}
	e.expect(e.do("GET", "/api/v1/session", nil, request{client: browser}), http.StatusOK).decode(t, &sess)
	if sess.User == nil || sess.CSRF != reg.CSRF {
		t.Fatalf("session: %+v, register gave %q", sess, reg.CSRF)
	}
	e.expect(e.do("DELETE", "/api/v1/sessions", nil, request{client: browser, csrf: sess.CSRF}), http.StatusNoContent)
	// Logged out: the cookie no longer opens a session.
	e.expect(e.do("GET", "/api/v1/session", nil, request{client: browser}), http.StatusOK).decode(t, &sess)
	if sess.User != nil {
		t.Fatal("still signed in after logout")
	}
}

func TestLogoutKillsTheTokenAtOnce(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok, _ := e.participant()
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	e.expect(e.do("DELETE", "/api/v1/sessions", nil, request{token: tok}), http.StatusNoContent)
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusUnauthorized)
}

func TestStaffSessionsExpireWhenIdle(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	org := e.staff("organizer", "bantochuc")
	part, _ := e.participant()
	e.clock.Advance(e.cfg.StaffIdleTimeout + time.Minute)
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: org}), http.StatusUnauthorized)
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: part}), http.StatusOK)
}

func TestSessionSurvivesRedisLoss(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok, _ := e.participant()
	// The test's own FLUSHALL: every key of this server is gone.
	if err := dbtest.FlushPrefix(context.Background(), e.rdb, e.prefix); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
}

func TestRedisDownReadyzSaysSoAndSessionsStillWork(t *testing.T) {
	t.Parallel()
	dead := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:1"}, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	e := newTestEnv(t, withRedis(dead))
	// Registering and logging in work while the limiter fails open.
	tok, _ := e.participant()
	res := e.expect(e.do("GET", "/readyz", nil, request{}), http.StatusServiceUnavailable)
	var ready struct {
		Redis    string      `json:"redis"`
		Postgres string      `json:"postgres"`
		Error    errorDetail `json:"error"`
	}
	res.decode(t, &ready)
	if ready.Redis != "down" || ready.Postgres != "ok" || ready.Error.Code != "unavailable" || !strings.Contains(ready.Error.Message, "Redis") {
		t.Fatalf("readyz: %s", res.Body)
	}
	var me struct{ User participantView }
	e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK).decode(t, &me)
	if me.User.Role != "participant" {
		t.Fatalf("me: %+v", me)
	}
}

func TestBadBodiesGetTheErrorShape(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cases := []struct {
		name   string
		req    request
		status int
		code   string
	}{
		{"malformed", request{raw: []byte(`{"phone": "09`)}, 400, "bad_request"},
		{"trailing", request{raw: []byte(`{"phone": "0912345678"} {}`)}, 400, "bad_request"},
		{"invalid utf-8", request{raw: []byte("{\"full_name\": \"\xff\xfe\"}")}, 400, "bad_request"},
		{"wrong type", request{raw: []byte(`{"phone": 912345678}`)}, 422, "validation"},
		{"unknown field", request{raw: []byte(`{"phone": "0912345678", "is_admin": true}`)}, 422, "validation"},
		{"deep", request{raw: []byte(`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`)}, 400, "bad_request"},
		{"wrong content type", request{raw: []byte(`phone=0912345678`), ctype: "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"oversized", request{raw: []byte(`{"full_name": "` + strings.Repeat("a", 200<<10) + `"}`)}, 413, "too_large"},
	}
	for _, c := range cases {
		res := e.do("POST", "/api/v1/participants", nil, c.req)
		if res.Status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, res.Status, c.status, res.Body)
			continue
		}
		if er := res.apiError(t); er.Code != c.code {
			t.Errorf("%s: code %q, want %q", c.name, er.Code, c.code)
		}
	}
	// Echo's own errors are in the shape too.
	res := e.expect(e.do("GET", "/api/v1/no-such-thing", nil, request{}), http.StatusNotFound)
	if res.apiError(t).Code != "not_found" {
		t.Fatal(string(res.Body))
	}
	res = e.expect(e.do("PUT", "/api/v1/session", nil, request{}), http.StatusMethodNotAllowed)
	res.apiError(t)
	var n int
	e.db.Get(&n, "SELECT count(*) FROM users")
	if n != 0 {
		t.Fatalf("bad bodies stored %d users", n)
	}
}

func TestUnitSearchIgnoresDiacritics(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, name := range []string{"Trường THPT Chu Văn An", "Phường Hoàn Kiếm", "Sở Tư pháp Hà Nội"} {
		if _, err := e.app.accounts.UpsertUnit(context.Background(), unitNamed(name)); err != nil {
			t.Fatal(err)
		}
	}
	var out struct {
		Units []struct{ ID, Name string }
	}
	e.expect(e.do("GET", "/api/v1/units?q=chu%20van%20an", nil, request{}), http.StatusOK).decode(t, &out)
	if len(out.Units) != 1 || out.Units[0].Name != "Trường THPT Chu Văn An" || out.Units[0].ID == "" {
		t.Fatalf("search: %+v", out)
	}
	e.expect(e.do("GET", "/api/v1/units?q=%25", nil, request{}), http.StatusOK).decode(t, &out)
	if len(out.Units) != 0 {
		t.Fatalf("%% matched as a wildcard: %+v", out)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.expect(e.do("GET", "/healthz", nil, request{}), http.StatusOK)
	e.expect(e.do("GET", "/readyz", nil, request{}), http.StatusOK)
	_, id := e.participant()
	e.do("GET", "/api/v1/attempts/"+id, nil, request{}) // an id in the path
	res := e.expect(e.do("GET", "/metrics", nil, request{}), http.StatusOK)
	body := string(res.Body)
	if !strings.Contains(body, `lawcontest_http_requests_total{code="201",method="POST",route="/api/v1/participants"}`) {
		t.Fatalf("no per-route counter in metrics:\n%s", body[:min(len(body), 3000)])
	}
	if !strings.Contains(body, "lawcontest_http_request_duration_seconds_bucket") {
		t.Fatal("no latency histogram")
	}
	if strings.Contains(body, "/api/v1/attempts/"+id) {
		t.Fatal("a raw path became a label")
	}
	if !strings.Contains(body, "lawcontest_http_in_flight ") {
		t.Error("no in-flight gauge")
	}
	for _, kind := range []string{"autosave", "start", "submit"} {
		if !strings.Contains(body, `lawcontest_group_commits_total{kind="`+kind+`"}`) {
			t.Errorf("no group-commit counter for %s", kind)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, p := range []string{"/", "/api/v1/session"} {
		h := e.expect(e.do("GET", p, nil, request{}), http.StatusOK).Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
}

func TestEntityAnswersAreNestedAndFlat(t *testing.T) {
	t.Parallel()
	m, err := entity("contest", struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}{"7", "Thi"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m)
	if string(b) != `{"contest":{"id":"7","title":"Thi"},"id":"7","title":"Thi"}` {
		t.Fatalf("entity: %s", b)
	}
}

func TestContestCreatedThroughTheAPIContractIsVisible(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	org := e.staff("organizer", "bantochuc")
	body := map[string]any{"kind": "quiz", "title": "Cuộc thi A", "description": "",
		"starts_at": testNow.Format(time.RFC3339), "ends_at": testNow.Add(30 * 24 * time.Hour).Format(time.RFC3339)}
	var made struct {
		ID string `json:"id"`
	}
	e.expect(e.do("POST", "/api/v1/admin/contests", body, request{token: org}), http.StatusCreated).decode(t, &made)
	e.expect(e.do("GET", "/api/v1/contests/"+made.ID, nil, request{}), http.StatusOK)
	body["published"] = false
	e.expect(e.do("POST", "/api/v1/admin/contests", body, request{token: org}), http.StatusCreated).decode(t, &made)
	e.expect(e.do("GET", "/api/v1/contests/"+made.ID, nil, request{}), http.StatusNotFound)
}
