package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"lawcontest/account"
	"lawcontest/clock"
	"lawcontest/server/db/dbtest"
)

// testEnv is one whole server for one test: its own database, its own Redis
// key prefix, a fake clock and a real HTTP listener.
type testEnv struct {
	t      *testing.T
	app    *App
	srv    *httptest.Server
	db     *sqlx.DB
	rdb    redis.UniversalClient
	prefix string
	clock  *clock.Fake
	cfg    Config
}

// testNow is the fake clock's start: a Monday morning in Hanoi.
var testNow = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

type envOption func(*Config, *Deps)

// withRedis replaces the test's Redis client (for outage tests).
func withRedis(rdb redis.UniversalClient) envOption {
	return func(_ *Config, d *Deps) { d.Redis = rdb }
}

func newTestEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	pg := dbtest.NewDB(t)
	rdb, prefix := dbtest.NewRedis(t)
	cfg, err := ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(testNow)
	d := Deps{DB: pg, Redis: rdb, KeyPrefix: prefix, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&cfg, &d)
	}
	app, err := New(context.Background(), cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	startSessionCache(t, app)
	return &testEnv{t: t, app: app, srv: srv, db: pg, rdb: d.Redis, prefix: prefix, clock: clk, cfg: cfg}
}

// testResponse is a response read whole.
type testResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *testResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// apiError decodes the API's error shape.
func (r *testResponse) apiError(t *testing.T) errorDetail {
	t.Helper()
	var b errorBody
	r.decode(t, &b)
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not the API's error shape: %s", r.Body)
	}
	return b.Error
}

// request describes one call; the zero value is an anonymous JSON call.
type request struct {
	token   string            // Authorization: Bearer
	client  *http.Client      // a client with a cookie jar (browser-like)
	csrf    string            // X-CSRF-Token
	raw     []byte            // body sent as is
	ctype   string            // Content-Type for raw
	headers map[string]string // extra headers
}

func (e *testEnv) do(method, path string, body any, r request) *testResponse {
	e.t.Helper()
	return e.doAt(e.srv.URL, method, path, body, r)
}

// doAt is do against another server (a second instance) at base.
func (e *testEnv) doAt(base, method, path string, body any, r request) *testResponse {
	e.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch {
	case r.raw != nil:
		rd = bytes.NewReader(r.raw)
		if r.ctype != "" {
			ctype = r.ctype
		}
	case body != nil:
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.csrf != "" {
		req.Header.Set(csrfHeader, r.csrf)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	client := r.client
	if client == nil {
		client = e.srv.Client()
	}
	res, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &testResponse{Status: res.StatusCode, Header: res.Header, Body: b}
}

// expect fails the test unless the response has the status, and returns it.
func (e *testEnv) expect(res *testResponse, status int) *testResponse {
	e.t.Helper()
	if res.Status != status {
		e.t.Fatalf("want status %d, got %d: %s", status, res.Status, res.Body)
	}
	return res
}

func (e *testEnv) browserClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := e.srv.Client()
	c.Jar = jar
	return c
}

var phoneSeq atomic.Int64

// newPhone returns a fresh valid mobile number.
func newPhone() string {
	n := phoneSeq.Add(1)
	return "0912" + strings.Repeat("0", 6-len(itoa(n))) + itoa(n)
}

func itoa(n int64) string { return idString(n) }

// registration returns a valid registration body.
func registration(phone string) map[string]any {
	return map[string]any{
		"full_name":  "Trần Thị Bình",
		"birth_date": "2008-05-31",
		"phone":      phone,
		"password":   "mat-khau-an-toan",
		"category":   "hoc_sinh",
	}
}

// participant registers a new participant and returns its token and id.
func (e *testEnv) participant() (token, id string) {
	e.t.Helper()
	res := e.expect(e.do("POST", "/api/v1/participants", registration(newPhone()), request{}), http.StatusCreated)
	var out struct {
		Participant struct{ ID string } `json:"participant"`
		Token       string              `json:"token"`
	}
	res.decode(e.t, &out)
	return out.Token, out.Participant.ID
}

// staff creates a staff account directly and returns a bearer token.
func (e *testEnv) staff(role, username string) string {
	e.t.Helper()
	u, err := e.app.accounts.CreateStaff(context.Background(), e.db, account.NewStaff{
		Username: username, Password: "staff-password-1", Role: role, DisplayName: "Cán bộ " + username})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.login(*u.Username, "staff-password-1")
}

func (e *testEnv) login(login, password string) string {
	e.t.Helper()
	res := e.expect(e.do("POST", "/api/v1/sessions", map[string]string{"login": login, "password": password}, request{}), http.StatusOK)
	var out struct{ Token string }
	res.decode(e.t, &out)
	return out.Token
}

// startSessionCache runs the app's session cache as Start does (tests do
// not start the other background jobs) and waits until it is on, so every
// test exercises the cache and its invalidations. With a Redis that does
// not answer it stays off, as in production.
func startSessionCache(t *testing.T, app *App) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		app.sessionCache.listen(ctx, func(error) {})
	}()
	t.Cleanup(func() { cancel(); <-done })
	for i := 0; i < 200 && !app.sessionCache.isEnabled(); i++ {
		time.Sleep(5 * time.Millisecond)
	}
}
