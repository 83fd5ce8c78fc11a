package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// attemptRecord is what one virtual participant was told, kept to check
// against Postgres at the end.
type attemptRecord struct {
	accountID int64
	attemptID string
	// expected is the option each question must have in Postgres: the last
	// acknowledged autosave, or the submit body's answer once the submit
	// was acknowledged (the body wins).
	expected map[string]string
	// uncertain questions had a request whose outcome the client never
	// learnt (a broken connection): either value may be stored.
	uncertain map[string]bool
	// acked counts the autosaves the server acknowledged.
	acked int

	submitted       bool // the submit was acknowledged
	submitUncertain bool // a submit was sent but no answer came back
	told            attemptResult
	rank            *rankView
}

type attemptResult struct {
	ID            string    `json:"id"`
	Status        string    `json:"status"`
	Score         int       `json:"score"`
	CorrectCount  int       `json:"correct_count"`
	QuestionCount int       `json:"question_count"`
	DurationMS    int64     `json:"duration_ms"`
	SubmittedAt   time.Time `json:"submitted_at"`
}

type rankView struct {
	Position int64 `json:"position"`
	Total    int64 `json:"total"`
}

type attemptView struct {
	Attempt struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		Questions []struct {
			ID      string `json:"id"`
			Options []struct {
				ID string `json:"id"`
			} `json:"options"`
		} `json:"questions"`
		Answers map[string]string `json:"answers"`
	} `json:"attempt"`
}

type submitView struct {
	Attempt attemptResult `json:"attempt"`
	Rank    *rankView     `json:"rank"`
}

// runner plays virtual participants against one round.
type runner struct {
	o       Options
	c       *client
	roundID string
	board   bool      // the board endpoints exist
	meter   *rawMeter // nil: raw limits not measured (-skip-raw)
	cpu     *cpuMeter // nil: CPU not measured

	hurry  chan struct{} // closed when the load window ends: no more thinking
	active *atomic.Int64 // participants playing now
	// inProgress counts attempts started and not yet submitted or given up
	inProgress atomic.Int64
	mu         sync.Mutex
	records    []*attemptRecord
	broken     []string // correctness failures seen during the run
}

func (r *runner) fail(format string, args ...any) {
	r.mu.Lock()
	r.broken = append(r.broken, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// call sends a request as a phone does: a 503 or 429 answer is retried
// after its Retry-After (at least 200 ms), a few times. It returns nil when
// no usable answer came back (ctx ended or the network failed).
func (r *runner) call(ctx context.Context, endpoint, method, path, token string, body any, want ...int) *response {
	for try := 0; ; try++ {
		res, err := r.c.do(ctx, endpoint, method, path, token, body, want...)
		if err != nil {
			return nil
		}
		if (res.status != http.StatusServiceUnavailable && res.status != http.StatusTooManyRequests) || try >= r.o.Retries {
			return res
		}
		wait := max(res.retryAfter, 200*time.Millisecond)
		// Spread the retries of a shed burst so they do not come back at once.
		wait += time.Duration(rand.Int64N(int64(wait)))
		if !sleep(ctx, wait, nil) {
			return nil
		}
	}
}

// sleep waits d, or less when hurry is closed; false when ctx ended.
func sleep(ctx context.Context, d time.Duration, hurry <-chan struct{}) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-hurry:
		return ctx.Err() == nil
	case <-t.C:
		return true
	}
}

// think is a participant reading a question: uniform in [0.5, 1.5] x Think.
func (r *runner) think(ctx context.Context) bool {
	if r.o.Think <= 0 {
		return ctx.Err() == nil
	}
	d := time.Duration(float64(r.o.Think) * (0.5 + rand.Float64()))
	return sleep(ctx, d, r.hurry)
}

// participant takes one attempt from start to submit, as a phone does.
func (r *runner) participant(ctx context.Context, acct vpAccount, startEndpoint string, started func()) {
	rec := &attemptRecord{accountID: acct.ID, expected: map[string]string{}, uncertain: map[string]bool{}}
	defer func() {
		if rec.attemptID != "" {
			r.mu.Lock()
			r.records = append(r.records, rec)
			r.mu.Unlock()
		}
	}()
	res := r.call(ctx, startEndpoint, http.MethodPost, "/api/v1/rounds/"+r.roundID+"/attempts", acct.Token, nil,
		http.StatusCreated, http.StatusOK)
	if started != nil {
		started()
	}
	if res == nil || (res.status != http.StatusCreated && res.status != http.StatusOK) {
		return
	}
	var v attemptView
	if err := json.Unmarshal(res.body, &v); err != nil || v.Attempt.ID == "" {
		r.fail("start: undecodable answer: %s", truncate(res.body, 200))
		return
	}
	rec.attemptID = v.Attempt.ID
	r.inProgress.Add(1)
	defer r.inProgress.Add(-1)
	for k, o := range v.Attempt.Answers { // a resumed attempt
		rec.expected[k] = o
	}
	qs := v.Attempt.Questions
	chosen := map[string]string{}
	for i, q := range qs {
		if !r.think(ctx) {
			return
		}
		opt := q.Options[rand.IntN(len(q.Options))].ID
		chosen[q.ID] = opt
		r.autosave(ctx, acct, rec, q.ID, opt)
		if i > 0 && rand.Float64() < r.o.PChange {
			// Changing one's mind about an earlier question.
			p := qs[rand.IntN(i)]
			o := p.Options[rand.IntN(len(p.Options))].ID
			chosen[p.ID] = o
			r.autosave(ctx, acct, rec, p.ID, o)
		}
		if rand.Float64() < r.o.PReload {
			r.reload(ctx, acct, rec)
		}
	}
	if !r.think(ctx) {
		return
	}
	// The body carries what the phone could not save (its offline queue),
	// as the quiz page sends it, and in a fifth of the submits every
	// answer, as the page did until the fifteenth pass (and may still do
	// from a phone's cache): answers sent again unchanged are not
	// rewritten, and this keeps that path in the load.
	body := map[string]string{}
	all := rand.Float64() < 0.2
	for q, o := range chosen {
		if all || rec.expected[q] != o || rec.uncertain[q] {
			body[q] = o
		}
	}
	if !r.submit(ctx, "submit", acct, rec, body) {
		return
	}
	if rand.Float64() < r.o.PRepeat {
		r.repeatSubmit(ctx, acct, rec, qs)
	}
	if r.board {
		r.call(ctx, "board_top50", http.MethodGet, "/api/v1/rounds/"+r.roundID+"/leaderboard?limit=50", acct.Token, nil, http.StatusOK)
		r.call(ctx, "board_me", http.MethodGet, "/api/v1/rounds/"+r.roundID+"/leaderboard/me", acct.Token, nil, http.StatusOK)
	}
}

// submit sends a submit with body as its answers and a prediction, and
// records what the server said; true when it was acknowledged.
func (r *runner) submit(ctx context.Context, endpoint string, acct vpAccount, rec *attemptRecord, body map[string]string) bool {
	sub := map[string]any{"answers": body, "prediction": rand.IntN(5000)}
	res := r.call(ctx, endpoint, http.MethodPost, "/api/v1/attempts/"+rec.attemptID+"/submit", acct.Token, sub, http.StatusOK)
	if res == nil {
		rec.submitUncertain = true
		for q := range body {
			rec.uncertain[q] = true
		}
		return false
	}
	if res.status != http.StatusOK {
		return false
	}
	var sv submitView
	if err := json.Unmarshal(res.body, &sv); err != nil || sv.Attempt.ID != rec.attemptID {
		r.fail("submit %s: undecodable answer: %s", rec.attemptID, truncate(res.body, 200))
		return false
	}
	rec.submittedAs(sv, body)
	return true
}

// submittedAs records an acknowledged submit of body.
func (rec *attemptRecord) submittedAs(sv submitView, body map[string]string) {
	rec.submitted, rec.told, rec.rank = true, sv.Attempt, sv.Rank
	if sv.Attempt.Status == "submitted" { // an expired attempt ignores the body
		for q, o := range body {
			rec.expected[q] = o
			delete(rec.uncertain, q)
		}
	}
}

// saved records an acknowledged autosave.
func (rec *attemptRecord) saved(q, opt string) {
	rec.expected[q] = opt
	rec.acked++
	delete(rec.uncertain, q)
}

func (r *runner) autosave(ctx context.Context, acct vpAccount, rec *attemptRecord, q, opt string) {
	r.autosaveAs(ctx, "autosave", acct, rec, q, opt)
}

func (r *runner) autosaveAs(ctx context.Context, endpoint string, acct vpAccount, rec *attemptRecord, q, opt string) {
	res := r.call(ctx, endpoint, http.MethodPut, "/api/v1/attempts/"+rec.attemptID+"/answers/"+q, acct.Token,
		map[string]string{"option_id": opt}, http.StatusNoContent)
	switch {
	case res == nil:
		rec.uncertain[q] = true
	case res.status == http.StatusNoContent:
		rec.saved(q, opt)
	}
}

// reload is a phone reopening the page: every acknowledged answer must be
// in what the server gives back.
func (r *runner) reload(ctx context.Context, acct vpAccount, rec *attemptRecord) {
	res := r.call(ctx, "get_attempt", http.MethodGet, "/api/v1/attempts/"+rec.attemptID, acct.Token, nil, http.StatusOK)
	if res == nil || res.status != http.StatusOK {
		return
	}
	var v attemptView
	if err := json.Unmarshal(res.body, &v); err != nil {
		r.fail("reload %s: undecodable answer", rec.attemptID)
		return
	}
	for q, o := range rec.expected {
		if !rec.uncertain[q] && v.Attempt.Answers[q] != o {
			r.fail("reload of attempt %s: question %s shows %q, the autosave of %q was acknowledged",
				rec.attemptID, q, v.Attempt.Answers[q], o)
		}
	}
}

// repeatSubmit sends the submit again, with other answers and another
// prediction: the stored result must not change.
func (r *runner) repeatSubmit(ctx context.Context, acct vpAccount, rec *attemptRecord, qs []struct {
	ID      string `json:"id"`
	Options []struct {
		ID string `json:"id"`
	} `json:"options"`
}) {
	body := map[string]string{}
	for _, q := range qs {
		body[q.ID] = q.Options[rand.IntN(len(q.Options))].ID
	}
	res := r.call(ctx, "submit_repeat", http.MethodPost, "/api/v1/attempts/"+rec.attemptID+"/submit", acct.Token,
		map[string]any{"answers": body, "prediction": rand.IntN(5000)}, http.StatusOK)
	if res == nil || res.status != http.StatusOK {
		return
	}
	var sv submitView
	if err := json.Unmarshal(res.body, &sv); err != nil {
		r.fail("repeat submit %s: undecodable answer", rec.attemptID)
		return
	}
	a, b := sv.Attempt, rec.told
	if a.Status != b.Status || a.Score != b.Score || a.CorrectCount != b.CorrectCount || a.DurationMS != b.DurationMS ||
		!a.SubmittedAt.Equal(b.SubmittedAt) {
		r.fail("repeat submit of attempt %s changed the result: %+v then %+v", rec.attemptID, b, a)
	}
}

func parseID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
