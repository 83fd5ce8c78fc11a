package server

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"lawcontest/account"
)

// Past MAX_IN_FLIGHT the server answers 503 unavailable at once with a
// Retry-After of 1 to 4 seconds (spread, so a shed burst does not come
// back all at once), rather than letting requests queue until they time
// out; health checks still answer; the requests in flight finish.
func TestShedsLoadPastMaxInFlight(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, func(c *Config, _ *Deps) { c.MaxInFlight = 10 })
	tok := e.staff("organizer", "btc-shed")

	// Requests in flight are held on the session row: a minute later every
	// request of a staff session touches last_seen_at at once, which waits
	// for this lock.
	e.clock.Advance(2 * time.Minute)
	tx, err := e.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`SELECT 1 FROM sessions WHERE token_hash = $1 FOR UPDATE`, account.HashToken(tok)); err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, e.cfg.MaxInFlight)
	for i := range tokens {
		tokens[i] = tok
	}
	held := sendHeld(e.srv.URL+"/api/v1/me", http.MethodGet, tokens)
	for len(e.app.inFlight) < e.cfg.MaxInFlight {
		time.Sleep(2 * time.Millisecond)
	}

	seen := map[string]bool{}
	for i := 0; i < 40; i++ {
		res := e.do("GET", "/api/v1/contests", nil, request{})
		e.expect(res, http.StatusServiceUnavailable)
		if res.apiError(t).Code != "unavailable" {
			t.Fatalf("shed with %s", res.Body)
		}
		ra := res.Header.Get("Retry-After")
		if n, err := strconv.Atoi(ra); err != nil || n < 1 || n > 4 {
			t.Fatalf("Retry-After %q, want 1 to 4 seconds", ra)
		}
		seen[ra] = true
	}
	if len(seen) < 2 {
		t.Errorf("40 shed answers all said Retry-After %v: not spread", seen)
	}
	e.expect(e.do("GET", "/healthz", nil, request{}), http.StatusOK)

	tx.Rollback()
	for _, s := range held() {
		if s != http.StatusOK {
			t.Fatalf("a request in flight ended with %d", s)
		}
	}
}

// sendHeld sends one request to url per token at once, and returns a
// function that waits for their answers' statuses (0: no answer).
func sendHeld(url, method string, tokens []string) (statuses func() []int) {
	var wg sync.WaitGroup
	got := make([]int, len(tokens))
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(method, url, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			got[i] = res.StatusCode
		}()
	}
	return func() []int {
		wg.Wait()
		return got
	}
}

// New attempts may take half of MAX_IN_FLIGHT at most: past that a start
// is shed at once while an answer of an attempt in progress is still
// served.
func TestShedsNewAttemptsBeforeAnswers(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t, func(c *Config, _ *Deps) { c.MaxInFlight = 10 })
	round := q.round(nil)
	player, _ := q.participant()
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: player}), http.StatusCreated).decode(t, &a)
	half := q.cfg.MaxInFlight / 2
	tokens := make([]string, half+1)
	for i := range tokens {
		tokens[i], _ = q.participant()
	}

	// Starts in flight are held on the round's row, which every start
	// share-locks to check that the round is still open.
	tx, err := q.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1 FROM rounds WHERE id = $1 FOR UPDATE`, round); err != nil {
		t.Fatal(err)
	}
	held := sendHeld(q.srv.URL+"/api/v1/rounds/"+round+"/attempts", http.MethodPost, tokens[:half])
	for len(q.app.newWorkInFlight) < half {
		time.Sleep(2 * time.Millisecond)
	}

	res := q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tokens[half]})
	q.expect(res, http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("a shed start without Retry-After")
	}
	qs := a.Attempt.Questions
	q.expect(q.do("PUT", "/api/v1/attempts/"+a.Attempt.ID+"/answers/"+qs[0].ID,
		map[string]string{"option_id": qs[0].Options[0].ID}, request{token: player}), http.StatusNoContent)

	tx.Rollback()
	for _, s := range held() {
		if s != http.StatusCreated {
			t.Fatalf("a start in flight ended with %d", s)
		}
	}
}
