package main

import (
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// histogram records latencies in microseconds in log-linear buckets: 32
// linear sub-buckets per power of two, so any quantile it reports is within
// about 3 % of the true value, in constant memory however long the run.
type histogram struct {
	counts [histBuckets]atomic.Int64
	n      atomic.Int64
	max    atomic.Int64 // microseconds
}

const (
	histSubBits = 6
	histBuckets = 64 * 32 // up to 2^63 µs: every duration
)

func bucketOf(us uint64) int {
	if us < 1<<histSubBits {
		return int(us)
	}
	e := bits.Len64(us) - histSubBits
	return e*32 + int(us>>uint(e))
}

// bucketLow is the smallest value that falls in bucket i.
func bucketLow(i int) uint64 {
	if i < 1<<histSubBits {
		return uint64(i)
	}
	e := i/32 - 1
	sub := uint64(i%32 + 32)
	return sub << uint(e)
}

func (h *histogram) record(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	h.counts[bucketOf(uint64(us))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			return
		}
	}
}

// quantile returns the upper edge of the bucket holding the q-th value.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			hi := bucketLow(i+1) - 1
			if m := uint64(h.max.Load()); hi > m {
				hi = m
			}
			return time.Duration(hi) * time.Microsecond
		}
	}
	return time.Duration(h.max.Load()) * time.Microsecond
}

// endpointStats are the figures of one endpoint: latencies of answered
// requests and counts of failures by code.
type endpointStats struct {
	lat    histogram
	ok     atomic.Int64
	mu     sync.Mutex
	errors map[string]int64
}

// stats holds every endpoint's figures for one run.
type stats struct {
	mu        sync.Mutex
	endpoints map[string]*endpointStats
	order     []string
}

func newStats() *stats { return &stats{endpoints: map[string]*endpointStats{}} }

func (s *stats) endpoint(name string) *endpointStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[name]
	if !ok {
		e = &endpointStats{errors: map[string]int64{}}
		s.endpoints[name] = e
		s.order = append(s.order, name)
	}
	return e
}

// okSoFar is how many requests to name have succeeded so far; unlike
// endpoint, it does not add name to the report.
func (s *stats) okSoFar(name string) int64 {
	s.mu.Lock()
	e := s.endpoints[name]
	s.mu.Unlock()
	if e == nil {
		return 0
	}
	return e.ok.Load()
}

// observe records one request: its latency, and its failure code when it
// was not the success the client expected ("" means success).
func (s *stats) observe(name string, d time.Duration, failure string) {
	e := s.endpoint(name)
	e.lat.record(d)
	if failure == "" {
		e.ok.Add(1)
		return
	}
	e.mu.Lock()
	e.errors[failure]++
	e.mu.Unlock()
}

// endpointFigures is one line of the report.
type endpointFigures struct {
	Name          string
	Requests, OK  int64
	PerSecond     float64 // successful requests per second over the window
	P50, P95, P99 time.Duration
	Max           time.Duration
	Errors        map[string]int64
}

func (s *stats) figures(window time.Duration) []endpointFigures {
	s.mu.Lock()
	names := append([]string(nil), s.order...)
	s.mu.Unlock()
	out := make([]endpointFigures, 0, len(names))
	for _, n := range names {
		e := s.endpoint(n)
		f := endpointFigures{
			Name: n, Requests: e.lat.n.Load(), OK: e.ok.Load(),
			P50: e.lat.quantile(.50), P95: e.lat.quantile(.95), P99: e.lat.quantile(.99),
			Max:    time.Duration(e.lat.max.Load()) * time.Microsecond,
			Errors: map[string]int64{},
		}
		if window > 0 {
			f.PerSecond = float64(f.OK) / window.Seconds()
		}
		e.mu.Lock()
		for k, v := range e.errors {
			f.Errors[k] = v
		}
		e.mu.Unlock()
		out = append(out, f)
	}
	return out
}

func printFigures(w io.Writer, fs []endpointFigures) {
	fmt.Fprintf(w, "%-16s %9s %9s %9s %9s %9s %9s %9s  %s\n", "endpoint", "requests", "ok/s", "p50", "p95", "p99", "max", "errors", "errors by code")
	for _, f := range fs {
		var codes []string
		var nerr int64
		for k, v := range f.Errors {
			codes = append(codes, fmt.Sprintf("%s=%d", k, v))
			nerr += v
		}
		sort.Strings(codes)
		fmt.Fprintf(w, "%-16s %9d %9.1f %9s %9s %9s %9s %9d  %s\n", f.Name, f.Requests, f.PerSecond,
			ms(f.P50), ms(f.P95), ms(f.P99), ms(f.Max), nerr, strings.Join(codes, " "))
	}
}

// ms prints a latency in milliseconds with a precision that suits it.
func ms(d time.Duration) string {
	v := float64(d.Microseconds()) / 1000
	switch {
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 100:
		return fmt.Sprintf("%.1fms", v)
	default:
		return fmt.Sprintf("%.0fms", v)
	}
}
