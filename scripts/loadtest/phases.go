package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The mixed load measures the contest as phones play it, where one submit
// comes with nineteen autosaves. Issue 7's autosave and submit targets are
// each path's own maximum, so after the mixed load two phases drive one
// path at a time, as fast as -phase-clients clients can: autosaves on
// attempts started for the phase, then submits of attempts started and
// answered for it. Everything they are told is verified at the end with
// the rest of the run.

// phaseAccounts is how many accounts the two phases take.
func (o Options) phaseAccounts() int {
	n := 0
	if o.AutosavePhase > 0 {
		n += o.PhaseClients * attemptsPerAutosaveClient
	}
	if o.SubmitPhase > 0 {
		n += o.SubmitPhase
	}
	return n
}

// attemptsPerAutosaveClient: each client of the autosave phase answers
// several attempts in turn, so that no participant goes past the
// per-participant autosave budget (600 a minute), which no phone reaches.
const attemptsPerAutosaveClient = 10

// eachOf calls fn(i) for i in [0, n) from clients goroutines at once,
// each taking the next index, until all are done or ctx ends.
func eachOf(ctx context.Context, n, clients int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// startAll starts one attempt per account with clients at once (not timed
// as part of any phase) and returns the attempts started.
func (r *runner) startAll(ctx context.Context, accts []vpAccount, clients int) []*phaseAttempt {
	out := make([]*phaseAttempt, len(accts))
	eachOf(ctx, len(accts), clients, func(i int) { out[i] = r.startForPhase(ctx, accts[i]) })
	var started []*phaseAttempt
	for _, a := range out {
		if a != nil {
			started = append(started, a)
		}
	}
	return started
}

type phaseAttempt struct {
	acct vpAccount
	rec  *attemptRecord
	qs   []phaseQuestion
}

type phaseQuestion struct {
	id   string
	opts []string
}

func (r *runner) startForPhase(ctx context.Context, acct vpAccount) *phaseAttempt {
	res := r.call(ctx, "start_phase", http.MethodPost, "/api/v1/rounds/"+r.roundID+"/attempts", acct.Token, nil, http.StatusCreated)
	if res == nil || res.status != http.StatusCreated {
		return nil
	}
	var v attemptView
	if err := json.Unmarshal(res.body, &v); err != nil || v.Attempt.ID == "" {
		r.fail("start: undecodable answer: %s", truncate(res.body, 200))
		return nil
	}
	a := &phaseAttempt{acct: acct, rec: &attemptRecord{accountID: acct.ID, attemptID: v.Attempt.ID,
		expected: map[string]string{}, uncertain: map[string]bool{}}}
	for _, q := range v.Attempt.Questions {
		pq := phaseQuestion{id: q.ID}
		for _, o := range q.Options {
			pq.opts = append(pq.opts, o.ID)
		}
		a.qs = append(a.qs, pq)
	}
	r.mu.Lock()
	r.records = append(r.records, a.rec)
	r.mu.Unlock()
	return a
}

// autosavePhase: each client autosaves answers of its own attempts, one
// after the other without thinking, for d; the attempts are submitted
// afterwards. It returns acknowledged autosaves per second, and the raw
// INSERT rate measured right before. Requests go through the runner's
// client, over its pool of lean connections.
func (r *runner) autosavePhase(ctx context.Context, accts []vpAccount, clients int, d time.Duration) (rate, rawInsert float64) {
	attempts := r.startAll(ctx, accts, clients)
	rawInsert = r.rawInsert(ctx)
	progress("autosave phase: %d attempts started, autosaving for %s", len(attempts), d)
	var acked atomic.Int64
	phase, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	from, start := r.cpu.sample(), time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []*phaseAttempt
			for i := c; i < len(attempts); i += clients {
				mine = append(mine, attempts[i])
			}
			for i := 0; !ended(phase) && len(mine) > 0; i++ {
				a := mine[i%len(mine)]
				q := a.qs[(i/len(mine))%len(a.qs)]
				before := a.rec.acked
				r.autosaveAs(phase, "autosave_only", a.acct, a.rec, q.id, q.opts[rand.IntN(len(q.opts))])
				acked.Add(int64(a.rec.acked - before))
			}
		}()
	}
	wg.Wait()
	r.cpu.record("autosave (only)", costVsInsert, from, float64(acked.Load()))
	rate = float64(acked.Load()) / time.Since(start).Seconds()
	progress("autosave phase done")
	for _, a := range attempts {
		r.submit(ctx, "submit_phase", a.acct, a.rec, map[string]string{})
	}
	return rate, rawInsert
}

// rawInsert measures the raw INSERT rate again, right before a phase (the
// machine's speed drifts within a run); 0 with -skip-raw.
func (r *runner) rawInsert(ctx context.Context) float64 {
	if r.meter == nil {
		return 0
	}
	n, err := r.meter.insert(ctx)
	if err != nil {
		r.fail("raw INSERT before a phase: %v", err)
		return 0
	}
	return n
}

// submitPhase: every attempt started for the phase has its answers
// autosaved (not timed), then is submitted, by clients at once, as a phone
// submits once its answers are saved: the body carries only the
// prediction. It returns acknowledged submits per second, and the raw
// INSERT rate measured right before.
func (r *runner) submitPhase(ctx context.Context, accts []vpAccount, clients int) (rate, rawInsert float64) {
	attempts := r.startAll(ctx, accts, clients)
	eachOf(ctx, len(attempts), clients, func(i int) {
		a := attempts[i]
		for _, q := range a.qs {
			r.autosaveAs(ctx, "autosave_phase", a.acct, a.rec, q.id, q.opts[rand.IntN(len(q.opts))])
		}
	})

	rawInsert = r.rawInsert(ctx)
	progress("submit phase: %d attempts ready, submitting", len(attempts))
	var acked atomic.Int64
	from, start := r.cpu.sample(), time.Now()
	eachOf(ctx, len(attempts), clients, func(i int) {
		a := attempts[i]
		// Whatever was not acknowledged goes in the body, as the quiz page
		// sends its offline queue.
		body := map[string]string{}
		for _, q := range a.qs {
			if _, ok := a.rec.expected[q.id]; !ok || a.rec.uncertain[q.id] {
				body[q.id] = q.opts[rand.IntN(len(q.opts))]
			}
		}
		if r.submit(ctx, "submit_only", a.acct, a.rec, body) {
			acked.Add(1)
		}
	})
	r.cpu.record("submit (only)", costVsInsert, from, float64(acked.Load()))
	rate = float64(acked.Load()) / time.Since(start).Seconds()
	progress("submit phase done")
	return rate, rawInsert
}
