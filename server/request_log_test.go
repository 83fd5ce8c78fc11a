package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
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
