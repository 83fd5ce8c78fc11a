package server

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lawcontest/contest"
)

// metrics are the Prometheus series of one App, on a registry of its own
// (no global registry: tests build many Apps in one process).
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	shed     prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lawcontest_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lawcontest_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lawcontest_http_shed_total",
			Help: "Requests refused with 503 because too many were in flight.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.shed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// registerInFlight reports the requests being served now (the load
// shedder's count, see shedLoad).
func (m *metrics) registerInFlight(inFlight chan struct{}) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lawcontest_http_in_flight",
		Help: "Requests being served now (MAX_IN_FLIGHT bounds it).",
	}, func() float64 { return float64(len(inFlight)) }))
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// serveMetrics leaves compression to the gzip middleware.
func (a *App) serveMetrics(c echo.Context) error {
	promhttp.HandlerFor(a.metrics.registry, promhttp.HandlerOpts{DisableCompression: true}).ServeHTTP(c.Response(), c.Request())
	return nil
}

// groupCollector reports the contest's group commits (autosaves, starts,
// submits): groups, items and summed commit time, so an operator can see
// the mean group size and commit time of each path.
type groupCollector struct {
	stats                       func() map[string]contest.GroupStats
	groups, items, failed, secs *prometheus.Desc
}

func newGroupCollector(stats func() map[string]contest.GroupStats) *groupCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"kind"}, nil)
	}
	return &groupCollector{stats: stats,
		groups: desc("lawcontest_group_commits_total", "Group commits by kind (autosave, start, submit)."),
		items:  desc("lawcontest_group_commit_items_total", "Requests committed in groups, by kind."),
		failed: desc("lawcontest_group_commit_failures_total", "Group commits that failed, by kind."),
		secs:   desc("lawcontest_group_commit_seconds_total", "Time spent committing groups, by kind (a submit group's includes its board update)."),
	}
}

func (g *groupCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- g.groups
	ch <- g.items
	ch <- g.failed
	ch <- g.secs
}

func (g *groupCollector) Collect(ch chan<- prometheus.Metric) {
	for kind, s := range g.stats() {
		ch <- prometheus.MustNewConstMetric(g.groups, prometheus.CounterValue, float64(s.Groups), kind)
		ch <- prometheus.MustNewConstMetric(g.items, prometheus.CounterValue, float64(s.Items), kind)
		ch <- prometheus.MustNewConstMetric(g.failed, prometheus.CounterValue, float64(s.Failed), kind)
		ch <- prometheus.MustNewConstMetric(g.secs, prometheus.CounterValue, s.CommitTime.Seconds(), kind)
	}
}
