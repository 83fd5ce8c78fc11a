package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// client speaks the JSON API of one server as phones do: Bearer tokens,
// JSON bodies, 503 + Retry-After honoured by the caller.
type client struct {
	base  string
	http  *http.Client // uploads only (multipart)
	stats *stats
	// lean connections (lean.go) carry every other request: Go's net/http
	// client took a quarter of the machine's CPU in the mixed load. At most
	// cap(slots) are open at once, like the net/http pool it replaced.
	slots chan struct{}
	idle  chan *leanConn
}

// newClient refuses any address but the loopback: a load test here never
// sends traffic anywhere else.
func newClient(base string, maxConns int, st *stats) (*client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("-base-url: want http://127.0.0.1:PORT, got %q", base)
	}
	if err := loopbackOnly(u.Hostname()); err != nil {
		return nil, fmt.Errorf("-base-url: %w", err)
	}
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		MaxConnsPerHost:     maxConns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true, // uploads only: their answers are small
	}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}, stats: st,
		slots: make(chan struct{}, maxConns), idle: make(chan *leanConn, maxConns)}, nil
}

// loopbackOnly refuses a host that is not this machine's loopback.
func loopbackOnly(host string) error {
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("only loopback addresses (127.0.0.1, ::1, localhost) are allowed, got %q", host)
	}
	return nil
}

// response is an answer read whole.
type response struct {
	status     int
	body       []byte
	code       string // the API error code, when the answer is an error
	retryAfter time.Duration
}

// failure is how the report names a response that is not the expected
// status: "409 deadline_passed", "503 unavailable", "net".
func (r *response) failure(want ...int) string {
	for _, w := range want {
		if r.status == w {
			return ""
		}
	}
	if r.status == 0 {
		return "net"
	}
	if r.code != "" {
		return strconv.Itoa(r.status) + " " + r.code
	}
	return strconv.Itoa(r.status)
}

// do sends one request and records it under endpoint when endpoint is not
// empty. err is set only when no HTTP answer came back (the request may or
// may not have reached the server).
func (c *client) do(ctx context.Context, endpoint, method, path, token string, body any, want ...int) (*response, error) {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return &response{}, ctx.Err()
	}
	defer func() { <-c.slots }()
	if ended(ctx) {
		return &response{}, context.DeadlineExceeded
	}
	var conn *leanConn
	select {
	case conn = <-c.idle:
	default:
		var err error
		// Asking for gzip as a phone's browser does: the server compresses
		// a start's paper and a reloaded attempt (several KB each) and
		// sends the board's cached compressed page.
		if conn, err = dialLean(ctx, c.base, true); err != nil {
			if endpoint != "" && !ended(ctx) {
				c.stats.observe(endpoint, 0, "net")
			}
			return &response{}, err
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	start := time.Now()
	status, rb, err := conn.do(method, path, token, b, deadline)
	elapsed := time.Since(start)
	if err != nil {
		conn.close()
		if endpoint != "" && !ended(ctx) {
			c.stats.observe(endpoint, elapsed, "net")
		}
		return &response{}, err
	}
	r := &response{status: status, retryAfter: conn.retryAfter}
	if conn.gzipped {
		if r.body, err = conn.gunzip(rb); err != nil {
			conn.close()
			if endpoint != "" && !ended(ctx) {
				c.stats.observe(endpoint, elapsed, "net")
			}
			return &response{}, fmt.Errorf("%s %s: bad gzip body: %w", method, path, err)
		}
	} else {
		r.body = append([]byte(nil), rb...)
	}
	c.idle <- conn
	if status >= 400 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(r.body, &e) == nil {
			r.code = e.Error.Code
		}
	}
	if endpoint != "" {
		c.stats.observe(endpoint, elapsed, r.failure(want...))
	}
	return r, nil
}

// ended reports whether ctx is over, its deadline included: a phase's
// context reports its end only once its timer has run, and in between, on
// a busy machine, the phase's workers went on failing at once against the
// passed deadline, tens of thousands of times, counted as network errors.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

func (c *client) send(req *http.Request, endpoint, token string, want []int) (*response, error) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		if endpoint != "" && req.Context().Err() == nil {
			c.stats.observe(endpoint, time.Since(start), "net")
		}
		return &response{}, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		if endpoint != "" && req.Context().Err() == nil {
			c.stats.observe(endpoint, elapsed, "net")
		}
		return &response{}, err
	}
	r := &response{status: res.StatusCode, body: b}
	if res.StatusCode >= 400 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil {
			r.code = e.Error.Code
		}
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s >= 0 {
			r.retryAfter = time.Duration(s) * time.Second
		}
	}
	if endpoint != "" {
		c.stats.observe(endpoint, elapsed, r.failure(want...))
	}
	return r, nil
}

// upload sends a multipart form with one file, as the organizer page does.
func (c *client) upload(ctx context.Context, path, token, field, filename string, content []byte) (*response, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		return nil, err
	}
	fw.Write(content)
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, &buf)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req, "", token, nil)
}

// must sends a setup call and turns an unexpected answer into an error.
func (c *client) must(ctx context.Context, what, endpoint, method, path, token string, body any, want ...int) (*response, error) {
	r, err := c.do(ctx, endpoint, method, path, token, body, want...)
	return expect(r, err, what, want...)
}

// expect turns an unexpected answer of a setup call into an error.
func expect(r *response, err error, what string, want ...int) (*response, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if r.failure(want...) != "" {
		return nil, fmt.Errorf("%s: HTTP %d: %s", what, r.status, truncate(r.body, 300))
	}
	return r, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
