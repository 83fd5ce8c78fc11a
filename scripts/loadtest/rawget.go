package main

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// getConn is a minimal HTTP/1.1 client for the board-only phase: one
// keep-alive connection sending one GET again and again, reading the
// status line, the headers and a Content-Length body. The board target
// compares the server's reads per second with raw Redis ZREVRANGE through
// go-redis, a lean client; Go's net/http client spent as much CPU per
// request as the server on this machine (the two share its cores), so it
// measured the client. This is what wrk would do, in Go, on loopback only.
type getConn struct {
	conn    net.Conn
	br      *bufio.Reader
	req     []byte
	body    []byte
	checked []byte // the last gzipped page found to be the board
}

func dialGet(ctx context.Context, base, path string) (*getConn, error) {
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
	// A phone's browser asks for gzip; the board's page is kept gzipped.
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: lawcontest-loadtest\r\nAccept-Encoding: gzip\r\n\r\n"
	return &getConn{conn: conn, br: bufio.NewReaderSize(conn, 16<<10), req: []byte(req)}, nil
}

// get sends the request and reads the whole answer: its status and body
// (valid until the next get).
func (g *getConn) get(deadline time.Time) (int, []byte, error) {
	g.conn.SetDeadline(deadline)
	if _, err := g.conn.Write(g.req); err != nil {
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
	length := -1
	for {
		h, err := g.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(h, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return 0, nil, fmt.Errorf("bad Content-Length %q", v)
			}
		}
	}
	if length < 0 {
		return 0, nil, fmt.Errorf("answer without Content-Length (status %d)", status)
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

func (g *getConn) close() { g.conn.Close() }

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
		c, err := dialGet(ctx, o.BaseURL, path)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.close()
			for ctx.Err() == nil {
				start := time.Now()
				status, body, err := c.get(time.Now().Add(10 * time.Second))
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
func (g *getConn) isBoardPage(body []byte) bool {
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
