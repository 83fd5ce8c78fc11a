package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// play runs the opening burst, then the open or closed model for
// o.Duration, then lets those still playing finish (without thinking) for
// up to o.Drain before cutting them off.
func play(ctx context.Context, r *runner, pool []vpAccount, opensAt time.Time, rep *Report, st *stats) error {
	o := r.o
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	take := func() (vpAccount, bool) {
		i := next.Add(1) - 1
		if i >= int64(len(pool)) {
			return vpAccount{}, false
		}
		return pool[i], true
	}
	var (
		wg     sync.WaitGroup
		active atomic.Int64
	)
	r.active = &active
	launch := func(acct vpAccount, endpoint string, started func()) {
		wg.Add(1)
		active.Add(1)
		go func() {
			defer wg.Done()
			defer active.Add(-1)
			r.participant(ctx, acct, endpoint, started)
		}()
	}

	// Phones waiting on the page press "start" as the round opens.
	if !sleep(ctx, time.Until(opensAt)+20*time.Millisecond, nil) {
		return ctx.Err()
	}
	start := time.Now()
	if o.Burst > 0 {
		progress("opening burst: %d phones", o.Burst)
		burstFrom := r.cpu.sample()
		var (
			started sync.WaitGroup
			last    atomic.Int64
		)
		for i := 0; i < o.Burst; i++ {
			acct, ok := take()
			if !ok {
				break
			}
			if o.BurstRate > 0 {
				// Phones opening the page over the first seconds, at a rate.
				at := start.Add(time.Duration(float64(i) / o.BurstRate * float64(time.Second)))
				if !sleep(ctx, time.Until(at), nil) {
					break
				}
			}
			started.Add(1)
			launch(acct, "start_burst", func() {
				last.Store(int64(time.Since(start)))
				started.Done()
			})
		}
		started.Wait()
		progress("opening burst done")
		n := st.endpoint("start_burst")
		rep.Burst = burstFigures{Starts: int(n.ok.Load()), Span: time.Duration(last.Load()), P99: n.lat.quantile(.99)}
		if rep.Burst.Span > 0 {
			rep.Burst.PerSec = float64(rep.Burst.Starts) / rep.Burst.Span.Seconds()
		}
		n.mu.Lock()
		rep.Burst.Shed503 = n.errors["503 unavailable"]
		n.mu.Unlock()
		// What a start costs the machine, when the burst's phones then read
		// their first question for longer than the burst lasts (the burst
		// commands; a read is at least half of -think): the window holds
		// their starts and nothing else.
		if o.Think/2 > rep.Burst.Span {
			r.cpu.record("start (opening burst)", costAlone, burstFrom, float64(rep.Burst.Starts))
		}
	}

	end := time.Now().Add(o.Duration)
	// What an attempt costs the machine over the steady window (the burst
	// left out), and how busy the machine was: at 70 % of the maximum rate
	// every endpoint's tail is a wait for a core, so this is the figure to
	// read beside the latencies. Attempts are counted as they submit: a
	// burst's attempts that submit in the window are counted without their
	// start (a few per cent low in the maximum command, whose burst is
	// 1,000 starts against some 15,000 attempts).
	steadyFrom, submitsBefore := r.cpu.sample(), st.okSoFar("submit")
	switch o.Model {
	case "open":
		// Arrivals follow a Poisson process at o.Rate: a slow server does
		// not slow them down.
		at := time.Now()
		for {
			at = at.Add(time.Duration(rand.ExpFloat64() / o.Rate * float64(time.Second)))
			if at.After(end) {
				break
			}
			if !sleep(ctx, time.Until(at), nil) {
				break
			}
			if active.Load() >= int64(o.MaxActive) {
				rep.Dropped++
				continue
			}
			acct, ok := take()
			if !ok {
				rep.Dropped++
				continue
			}
			launch(acct, "start", nil)
		}
	case "closed":
		var users sync.WaitGroup
		for u := 0; u < o.Users; u++ {
			users.Add(1)
			go func() {
				defer users.Done()
				for time.Now().Before(end) && ctx.Err() == nil {
					acct, ok := take()
					if !ok {
						return
					}
					active.Add(1)
					r.participant(ctx, acct, "start", nil)
					active.Add(-1)
				}
			}()
		}
		users.Wait()
	}
	sleep(ctx, time.Until(end), nil)
	r.cpu.record("attempt (steady load)", costAlone, steadyFrom, float64(st.okSoFar("submit")-submitsBefore))
	close(r.hurry)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(o.Drain):
		cancel()
		<-done
	case <-ctx.Done():
		<-done
	}
	rep.Window = time.Since(start)
	return nil
}

// rssSampler reads a process's resident memory twice a second and keeps
// the peak, with the number of attempts in progress at that moment.
type rssSampler struct {
	stopc    chan struct{}
	done     chan struct{}
	peak     atomic.Int64
	atActive atomic.Int64
	active   func() int64
}

func (s *rssSampler) start(pid int, active func() int64) {
	s.stopc, s.done, s.active = make(chan struct{}), make(chan struct{}), active
	go func() {
		defer close(s.done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := readRSS(pid); err == nil && v > s.peak.Load() {
				s.peak.Store(v)
				s.atActive.Store(s.active())
			}
			select {
			case <-s.stopc:
				return
			case <-t.C:
			}
		}
	}()
}

func (s *rssSampler) stop() (int64, int64) {
	close(s.stopc)
	<-s.done
	return s.peak.Load(), s.atActive.Load()
}

func readRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
