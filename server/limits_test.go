package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/server/ratelimit"
)

// expectRateLimited fails unless res is a 429 in the error shape with a
// Retry-After within the rule's window.
func expectRateLimited(t *testing.T, what string, rule ratelimit.Rule, res *testResponse) {
	t.Helper()
	if res.Status != http.StatusTooManyRequests {
		t.Fatalf("%s past the budget of %d: %d %s", what, rule.Limit, res.Status, res.Body)
	}
	if res.apiError(t).Code != "rate_limited" {
		t.Fatalf("%s: %s", what, res.Body)
	}
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > rule.Window+time.Second {
		t.Fatalf("%s: Retry-After %q", what, res.Header.Get("Retry-After"))
	}
}

// A second App over the same database and Redis keys: another instance.
func (e *testEnv) secondInstance() *httptest.Server {
	_, srv := e.secondApp()
	return srv
}

func (e *testEnv) secondApp() (*App, *httptest.Server) {
	e.t.Helper()
	app, err := New(context.Background(), e.cfg, Deps{DB: e.db, Redis: e.rdb, KeyPrefix: e.prefix, Clock: e.clock, Log: e.app.log})
	if err != nil {
		e.t.Fatal(err)
	}
	app.contests = e.app.contests // the same question source as the first
	srv := httptest.NewServer(app.Handler())
	e.t.Cleanup(srv.Close)
	startSessionCache(e.t, app)
	return app, srv
}

func TestQuizRateLimitsPerParticipantAcrossInstances(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	round := q.round(nil)
	tok, _ := q.participant()
	other, _ := q.participant()
	second := q.secondInstance()

	// Starting (and resuming): the budget is shared by both instances.
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &a)
	for i := int64(1); i < ruleStart.Limit; i++ {
		srv := q.srv.URL
		if i%2 == 0 {
			srv = second.URL
		}
		q.expect(q.doAt(srv, "POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusOK)
	}
	expectRateLimited(t, "start", ruleStart, q.doAt(second.URL, "POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}))
	expectRateLimited(t, "start", ruleStart, q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}))
	// Somebody else is not affected.
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: other}), http.StatusCreated)

	// Autosaves (answers and the prediction share one budget), from many
	// connections at once as a phone replaying its queue would.
	qid, opt := a.Attempt.Questions[0].ID, a.Attempt.Questions[0].Options[0].ID
	var wg sync.WaitGroup
	statuses := make([]int, ruleAutosave.Limit)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(statuses); i += 8 {
				srv := q.srv.URL
				if i%2 == 1 {
					srv = second.URL
				}
				path := "/api/v1/attempts/" + a.Attempt.ID + "/answers/" + qid
				var body any = map[string]string{"option_id": opt}
				if i%10 == 0 {
					path, body = "/api/v1/attempts/"+a.Attempt.ID+"/prediction", map[string]int{"prediction": i}
				}
				statuses[i] = q.doAt(srv, "PUT", path, body, request{token: tok}).Status
			}
		}(w)
	}
	wg.Wait()
	// Autosaves lease their budget in Redis per instance (see
	// ratelimit.Rule.Lease): over two instances, up to Lease-1 events
	// leased by one and not spent there may be refused on the other.
	ok := 0
	for i, s := range statuses {
		switch s {
		case http.StatusNoContent:
			ok++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("autosave %d within the budget: %d", i, s)
		}
	}
	if min := ruleAutosave.Limit - (ruleAutosave.Lease - 1); int64(ok) < min {
		t.Fatalf("%d autosaves of a budget of %d went through over two instances, want at least %d", ok, ruleAutosave.Limit, min)
	}
	// Once both instances have spent what they leased, exactly the budget
	// has gone through.
	for i := int64(0); i < 2*ruleAutosave.Lease; i++ {
		srv := q.srv.URL
		if i%2 == 1 {
			srv = second.URL
		}
		if q.doAt(srv, "PUT", "/api/v1/attempts/"+a.Attempt.ID+"/answers/"+qid, map[string]string{"option_id": opt},
			request{token: tok}).Status == http.StatusNoContent {
			ok++
		}
	}
	if int64(ok) != ruleAutosave.Limit {
		t.Fatalf("%d autosaves went through over two instances, budget %d", ok, ruleAutosave.Limit)
	}
	expectRateLimited(t, "autosave", ruleAutosave, q.doAt(second.URL, "PUT", "/api/v1/attempts/"+a.Attempt.ID+"/answers/"+qid,
		map[string]string{"option_id": opt}, request{token: tok}))
	expectRateLimited(t, "prediction", ruleAutosave, q.do("PUT", "/api/v1/attempts/"+a.Attempt.ID+"/prediction",
		map[string]int{"prediction": 3}, request{token: tok}))

	// Submitting: the first finishes the attempt, repeats return the same
	// result, until the budget is spent.
	for i := int64(0); i < ruleSubmit.Limit; i++ {
		q.expect(q.do("POST", "/api/v1/attempts/"+a.Attempt.ID+"/submit", map[string]any{"answers": map[string]string{}}, request{token: tok}), http.StatusOK)
	}
	expectRateLimited(t, "submit", ruleSubmit, q.doAt(second.URL, "POST", "/api/v1/attempts/"+a.Attempt.ID+"/submit",
		map[string]any{"answers": map[string]string{}}, request{token: tok}))

	// A refused request changed nothing: the answer saved is the one of
	// the budget, and the attempt was submitted once.
	var status string
	q.db.Get(&status, `SELECT status FROM attempts WHERE id = $1`, a.Attempt.ID)
	if status != "submitted" {
		t.Fatalf("attempt %s", status)
	}
}

// With Redis down the limits let everything through: a Redis outage must
// not stop a contest.
func TestQuizRateLimitsFailOpen(t *testing.T) {
	t.Parallel()
	dead := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:1"}, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { dead.Close() })
	q := newQuizEnv(t, withRedis(dead))
	round := q.round(nil)
	tok, _ := q.participant()
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &a)
	for i := int64(0); i < ruleStart.Limit+5; i++ {
		q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusOK)
	}
	for i := int64(0); i < ruleSubmit.Limit+5; i++ {
		q.expect(q.do("POST", "/api/v1/attempts/"+a.Attempt.ID+"/submit", map[string]any{"answers": map[string]string{}}, request{token: tok}), http.StatusOK)
	}
}

// shedLoad: with MAX_IN_FLIGHT requests in progress the next one gets 503
// and Retry-After at once, health checks still answer, and the server
// serves again as soon as one finishes. The request in flight is held by
// a row lock the test takes in Postgres, so nothing in the server is
// stubbed.
func TestLoadIsShedPastMaxInFlight(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t, func(c *Config, _ *Deps) { c.MaxInFlight = 1 })
	round := q.round(nil)
	tok, _ := q.participant()
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &a)

	ctx := context.Background()
	tx, err := q.db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT id FROM attempts WHERE id = $1 FOR UPDATE`, a.Attempt.ID); err != nil {
		t.Fatal(err)
	}
	held := make(chan *testResponse, 1)
	go func() {
		held <- q.do("POST", "/api/v1/attempts/"+a.Attempt.ID+"/submit", map[string]any{"answers": map[string]string{}}, request{token: tok})
	}()
	// Wait (bounded) until the submit holds the only slot: it is then
	// waiting for the test's row lock. Nothing else may be sent before, or
	// it could take the slot itself.
	waiting := 0
	for deadline := time.Now().Add(20 * time.Second); waiting == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := q.db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			t.Fatal(err)
		}
	}
	if waiting == 0 {
		tx.Rollback()
		t.Fatalf("the submit never reached the row lock: %+v", <-held)
	}
	shed := q.do("GET", "/api/v1/session", nil, request{})
	if shed.Status != http.StatusServiceUnavailable {
		tx.Rollback()
		t.Fatalf("with MAX_IN_FLIGHT=1 and one request in flight: %d", shed.Status)
	}
	if shed.apiError(t).Code != "unavailable" || shed.Header.Get("Retry-After") == "" {
		t.Fatalf("shed: %v %s", shed.Header, shed.Body)
	}
	res := q.do("PUT", "/api/v1/attempts/"+a.Attempt.ID+"/answers/"+a.Attempt.Questions[0].ID,
		map[string]string{"option_id": a.Attempt.Questions[0].Options[0].ID}, request{token: tok})
	if res.Status != http.StatusServiceUnavailable {
		t.Fatalf("autosave while full: %d", res.Status)
	}
	q.expect(q.do("GET", "/healthz", nil, request{}), http.StatusOK)
	q.expect(q.do("GET", "/metrics", nil, request{}), http.StatusOK)

	tx.Rollback()
	q.expect(<-held, http.StatusOK)
	q.expect(q.do("GET", "/api/v1/session", nil, request{}), http.StatusOK)
	// The shed autosave was not stored (the attempt was submitted without it).
	var answers int
	q.db.Get(&answers, `SELECT count(*) FROM attempt_answers WHERE attempt_id = $1`, a.Attempt.ID)
	if answers != 0 {
		t.Fatalf("%d answers stored by refused requests", answers)
	}
}

// Autosaves of answers and of the prediction of one attempt, many at once
// (a phone replaying its queue, a second tab): every one is answered 204.
// The prediction used to take a stronger row lock than the answers, and
// the mix deadlocked in Postgres (a 500 to the participant).
func TestConcurrentAnswerAndPredictionAutosavesAllSucceed(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	round := q.round(nil)
	tok, _ := q.participant()
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &a)
	const workers, each = 8, 60 // within the autosave budget
	var wg sync.WaitGroup
	failed := make(chan string, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				qu := a.Attempt.Questions[(w+i)%len(a.Attempt.Questions)]
				path, body := "/api/v1/attempts/"+a.Attempt.ID+"/answers/"+qu.ID, any(map[string]string{"option_id": qu.Options[i%len(qu.Options)].ID})
				if i%2 == 0 {
					path, body = "/api/v1/attempts/"+a.Attempt.ID+"/prediction", map[string]int{"prediction": w*1000 + i}
				}
				if res := q.do("PUT", path, body, request{token: tok}); res.Status != http.StatusNoContent {
					failed <- strconv.Itoa(res.Status) + " " + string(res.Body)
				}
			}
		}()
	}
	wg.Wait()
	close(failed)
	for f := range failed {
		t.Error(f)
	}
}
