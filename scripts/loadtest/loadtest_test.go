package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"lawcontest/clock"
	"lawcontest/server"
	"lawcontest/server/db/dbtest"
)

// TestSmoke runs the load generator for a few seconds against an in-process
// server with its own database and Redis prefix, so it does not rot. It
// asserts correctness (every acknowledged answer and submit is in
// Postgres as told), never speed.
func TestSmoke(t *testing.T) {
	pg := dbtest.NewDB(t)
	rdb, prefix := dbtest.NewRedis(t)
	ctx := context.Background()
	cfg, err := server.ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.New(ctx, cfg, server.Deps{DB: pg, Redis: rdb, KeyPrefix: prefix, Clock: clock.Real{},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	app.Start() // the board's repairer and the sweeper, as `lawcontest serve` runs them
	defer app.Close()
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	if res, err := http.Post(srv.URL+"/api/v1/admin/questions/import", "text/csv", nil); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusNotFound {
			t.Skip("no question bank import in this build: rounds cannot be set up through the API")
		}
	}

	o := defaultOptions()
	o.BaseURL, o.KeyPrefix = srv.URL, prefix
	o.Model, o.Users, o.Burst = "closed", 4, 8
	o.Duration, o.Drain, o.OpenDelay = 1500*time.Millisecond, 20*time.Second, 0
	o.PChange, o.PReload, o.PRepeat = 0.3, 0.3, 0.5 // exercise every path in a short run
	o.RawConcurrency, o.RawDuration, o.RawBoardSize = 4, 200*time.Millisecond, 1000
	o.BoardReaders, o.BoardDuration = 2, 200*time.Millisecond
	o.PhaseClients, o.AutosavePhase, o.SubmitPhase = 2, 300*time.Millisecond, 4
	o.Accounts, o.Real = 200, 2
	var out bytes.Buffer
	rep, err := Run(ctx, o, pg, rdb, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Failures(); len(f) > 0 {
		t.Fatalf("correctness failures:\n%s", strings.Join(f, "\n"))
	}
	v := rep.Verification
	if rep.Completed == 0 || v.SubmitsChecked < rep.Completed || v.AnswersChecked == 0 || v.BoardChecked == 0 {
		t.Fatalf("nothing checked: %d submitted, %d submits, %d answers and %d board places checked",
			rep.Completed, v.SubmitsChecked, v.AnswersChecked, v.BoardChecked)
	}
	for _, name := range []string{"start_burst", "autosave", "submit", "board_top50", "board_me", "autosave_only", "submit_only"} {
		if rep.endpoint(name).OK == 0 {
			t.Errorf("no successful %s in the report", name)
		}
	}
	if rep.Raw == nil || rep.Raw.InsertPerSec <= 0 || rep.Raw.ZRangePerSec <= 0 {
		t.Errorf("raw limits not measured: %+v", rep.Raw)
	}
	// The raw measurement leaves nothing behind.
	if n, err := rdb.Exists(ctx, prefix+"loadtest:raw:{r0}").Result(); err != nil || n != 0 {
		t.Errorf("raw board key left behind (%d, %v)", n, err)
	}
}
