package server

import (
	"bytes"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"

	"lawcontest/contest"
)

// The body of a start and of a reload is the whole paper: about 11.5 KB of
// JSON for nineteen real questions, 3.6 KB gzipped. Phones ask for gzip,
// and the Echo middleware's compressor (the standard library's, at its
// fastest level) took about 150 µs of the server's CPU per start, a
// quarter of it in an opening burst. So these two answers are written and
// compressed here instead, outside the middleware (skipGzip): the JSON by
// the contest service without reflection (contest/attemptjson.go), the
// gzip by klauspost/compress, whose fastest level gives about the same
// size in about a third of the time (BenchmarkAttemptGzip). It is the compression
// library much of Go's ecosystem leans on (the Prometheus client, already
// one of our dependencies, uses it), and it writes plain gzip, so nothing
// changes for a phone.

// attemptJSON answers {"attempt": v}, gzipped when the caller accepts it
// and the body is worth it (the middleware's threshold).
func (a *App) attemptJSON(c echo.Context, status int, v contest.AttemptView) error {
	buf := attemptBufs.Get().(*attemptBuf)
	defer attemptBufs.Put(buf)
	b := append(buf.plain[:0], `{"attempt":`...)
	b, err := a.contests.AppendAttemptJSON(b, v)
	if err != nil {
		return err
	}
	b = append(b, "}\n"...) // as c.JSON ends a body
	buf.plain = b

	h := c.Response().Header()
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if len(b) < gzipMinLength || !acceptsGzip(c.Request()) {
		return c.JSONBlob(status, b)
	}
	buf.gzipped.Reset()
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf.gzipped)
	_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	gzipWriters.Put(zw) // before the answer is sent: a slow phone holds no compressor
	h.Set(echo.HeaderContentEncoding, "gzip")
	return c.Blob(status, echo.MIMEApplicationJSON, buf.gzipped.Bytes())
}

// attemptBuf holds one answer while it is sent: the response copies it
// before c.Blob returns.
type attemptBuf struct {
	plain   []byte
	gzipped bytes.Buffer
}

var (
	attemptBufs = sync.Pool{New: func() any { return new(attemptBuf) }}
	gzipWriters = sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a valid level: no error
		return zw
	}}
)
