package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// leanConn is a minimal HTTP/1.1 client for the phases that measure one
// path at its maximum (board reads, autosaves): one keep-alive connection,
// a request written in one piece, the answer's status line, headers and
// body read back. Those targets compare the server with raw Redis and
// Postgres through lean clients (go-redis, lib/pq); Go's net/http client
// spent as much CPU per request as the server on this machine (the two
// share its cores), so it measured the client. This is what wrk would do,
// in Go, on loopback only.
type leanConn struct {
	// retryAfter is the last answer's Retry-After, 0 when it had none
	retryAfter time.Duration

	gzip    bool // ask for gzip, as a phone's browser does
	gzipped bool // the last answer's body is gzipped
	zr      *gzip.Reader
	host    string
	conn    net.Conn
	br      *bufio.Reader
	req     []byte
	body    []byte
	checked []byte // the last gzipped page found to be the board
}

func dialLean(ctx context.Context, base string, gzip bool) (*leanConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if err := loopbackOnly(u.Hostname()); err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	return &leanConn{gzip: gzip, host: u.Host, conn: conn, br: bufio.NewReaderSize(conn, 16<<10)}, nil
}

// do sends one request (a JSON body when body is not nil) and reads the
// whole answer: its status and body (valid until the next do).
func (g *leanConn) do(method, path, token string, body []byte, deadline time.Time) (int, []byte, error) {
	r := append(g.req[:0], method...)
	r = append(r, ' ')
	r = append(r, path...)
	r = append(r, " HTTP/1.1\r\nHost: "...)
	r = append(r, g.host...)
	r = append(r, "\r\nUser-Agent: lawcontest-loadtest\r\n"...)
	if g.gzip {
		r = append(r, "Accept-Encoding: gzip\r\n"...)
	}
	if token != "" {
		r = append(r, "Authorization: Bearer "...)
		r = append(r, token...)
		r = append(r, "\r\n"...)
	}
	if body != nil {
		r = append(r, "Content-Type: application/json\r\nContent-Length: "...)
		r = strconv.AppendInt(r, int64(len(body)), 10)
		r = append(r, "\r\n"...)
	}
	r = append(r, "\r\n"...)
	r = append(r, body...)
	g.req = r
	g.conn.SetDeadline(deadline)
	if _, err := g.conn.Write(r); err != nil {
		return 0, nil, err
	}
	line, err := g.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	g.retryAfter, g.gzipped = 0, false
	for {
		h, err := g.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return 0, nil, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Content-Encoding")):
			g.gzipped = bytes.EqualFold(v, []byte("gzip"))
		case bytes.EqualFold(k, []byte("Retry-After")):
			if secs, err := strconv.Atoi(string(v)); err == nil && secs >= 0 {
				g.retryAfter = time.Duration(secs) * time.Second
			}
		}
	}
	g.body = g.body[:0]
	switch {
	case status == 204 || status == 304 || method == "HEAD":
		return status, g.body, nil
	case chunked:
		return status, g.body, g.readChunks()
	case length < 0:
		return 0, nil, fmt.Errorf("answer without a length (status %d)", status)
	}
	if cap(g.body) < length {
		g.body = make([]byte, length)
	}
	g.body = g.body[:length]
	if _, err := io.ReadFull(g.br, g.body); err != nil {
		return 0, nil, err
	}
	return status, g.body, nil
}

// readChunks reads a chunked body into g.body.
func (g *leanConn) readChunks() error {
	for {
		line, err := g.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(string(bytes.TrimRight(line, "\r\n")), 16, 64)
		if err != nil || size < 0 || size > 64<<20 {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			_, err := g.br.ReadSlice('\n') // the empty trailer
			return err
		}
		start := len(g.body)
		g.body = append(g.body, make([]byte, size)...)
		if _, err := io.ReadFull(g.br, g.body[start:]); err != nil {
			return err
		}
		if _, err := g.br.Discard(2); err != nil { // CRLF
			return err
		}
	}
}

func (g *leanConn) close() { g.conn.Close() }

// gunzip returns the last answer's body unzipped, as a phone reads it.
// klauspost's decoder (the server compresses with the same module): in a
// profile of the opening burst, where every start's paper comes gzipped,
// the standard library's decoder had a third of the load generator's
// samples, and klauspost's takes half its time on a 4 KB paper (34
// against 64 µs on the seventeenth pass's machine).
func (g *leanConn) gunzip(body []byte) ([]byte, error) {
	if g.zr == nil {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		g.zr = zr
	} else if err := g.zr.Reset(bytes.NewReader(body)); err != nil {
		return nil, err
	}
	// A paper's JSON compresses two- to threefold: room for it in one
	// allocation, not a doubling series.
	out := bytes.NewBuffer(make([]byte, 0, 4*len(body)+512))
	if _, err := out.ReadFrom(g.zr); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// boardPhase is the board-only phase: o.BoardReaders connections, one per
// reader, reading path as fast as they can for o.BoardDuration, each
// answer checked to be a 200 with the board's JSON (gzipped, as a phone
// asks for it).
func boardPhase(ctx context.Context, o Options, st *stats, path string) error {
	ctx, cancel := context.WithTimeout(ctx, o.BoardDuration)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := 0; i < o.BoardReaders; i++ {
		c, err := dialLean(ctx, o.BaseURL, true)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.close()
			for ctx.Err() == nil {
				start := time.Now()
				status, body, err := c.do("GET", path, "", nil, time.Now().Add(10*time.Second))
				if err != nil {
					if ctx.Err() == nil {
						st.observe("board_top50_only", time.Since(start), "net")
						mu.Lock()
						firstErr = cmp.Or(firstErr, err)
						mu.Unlock()
					}
					return
				}
				failure := ""
				if status != 200 || !c.isBoardPage(body) {
					failure = strconv.Itoa(status)
				}
				st.observe("board_top50_only", time.Since(start), failure)
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// isBoardPage reports whether body is the board's JSON, gzipped or not.
// A page already checked on this connection is not unzipped again.
func (g *leanConn) isBoardPage(body []byte) bool {
	if bytes.HasPrefix(body, []byte(`{"entries":`)) || bytes.Equal(body, g.checked) {
		return true
	}
	if !isGzippedBoard(body) {
		return false
	}
	g.checked = append(g.checked[:0], body...)
	return true
}

func isGzippedBoard(body []byte) bool {
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return false
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return false
	}
	head := make([]byte, 11)
	_, err = io.ReadFull(zr, head)
	return err == nil && string(head) == `{"entries":`
}
