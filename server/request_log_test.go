package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// Every request gets a log line with its id, route and status, except the
// public board's successful quick reads (see observe).
func TestRequestLogLines(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newTestEnv(t, withLog(slog.New(slog.NewJSONHandler(&logs, nil))))
	tok, _ := e.participant()
	me := e.expect(e.do("GET", "/api/v1/me", nil, request{token: tok}), http.StatusOK)
	e.do("GET", "/api/v1/rounds/999999/leaderboard", nil, request{})    // fails: logged
	e.do("GET", "/api/v1/rounds/999999/leaderboard/me", nil, request{}) // refused: logged

	type line struct {
		Msg       string `json:"msg"`
		RequestID string `json:"request_id"`
		Route     string `json:"route"`
		Status    int    `json:"status"`
		UserID    int64  `json:"user_id"`
	}
	var lines []line
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("not a JSON log line: %q", l)
		}
		if x.Msg == "request" {
			lines = append(lines, x)
		}
	}
	find := func(route string, status int) *line {
		for i := range lines {
			if lines[i].Route == route && lines[i].Status == status {
				return &lines[i]
			}
		}
		t.Fatalf("no log line for %s %d in %+v", route, status, lines)
		return nil
	}
	if l := find("/api/v1/me", http.StatusOK); l.RequestID != me.Header.Get("X-Request-Id") || l.UserID == 0 {
		t.Fatalf("line %+v, response id %q", *l, me.Header.Get("X-Request-Id"))
	}
	find(boardPath, http.StatusNotFound)
	find(boardMinePath, http.StatusUnauthorized)
}

// A client that leaves mid-request (its context cancelled, the handler
// returning that) is logged at info with 499, not as a server error.
func TestRequestLogClientGone(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := newTestEnv(t, withLog(slog.New(slog.NewJSONHandler(&logs, nil))))
	handler := e.app.observe(func(c echo.Context) error {
		return context.Canceled // what a group commit returns once the caller is gone
	})
	run := func(ctx context.Context) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/api/v1/attempts/1/answers", nil).WithContext(ctx)
		c := e.app.echo.NewContext(req, rec)
		c.SetPath(autosavePath)
		handler(c)
		return rec
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	run(gone)
	// The same error while the client is still there is a bug: 500.
	if rec := run(context.Background()); rec.Code != http.StatusInternalServerError {
		t.Fatalf("context.Canceled with the client present: %d", rec.Code)
	}
	var levels []string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var x struct {
			Level  string `json:"level"`
			Msg    string `json:"msg"`
			Status int    `json:"status"`
		}
		if json.Unmarshal([]byte(l), &x) == nil && x.Msg == "request" {
			levels = append(levels, x.Level+" "+strconv.Itoa(x.Status))
		}
	}
	if got := strings.Join(levels, ", "); got != "INFO 499, ERROR 500" {
		t.Fatalf("request lines %q, want INFO 499 then ERROR 500", got)
	}
}
