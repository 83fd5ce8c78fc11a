package server

import (
	"bytes"
	"compress/gzip"
	"sync"
)

// bodyCache keeps the encoded JSON of recently served board pages, plain
// and gzipped. The board's page is already cached in-process for a second
// or two, but the load test's profile of a hot board showed the server
// spending nearly half its CPU encoding the same 50 lines again for every
// reader, and then compressing them again: the bytes are now encoded and
// compressed once per page read from Redis. Keys name the page and the
// moment it was read, so an entry is never served for a newer page; the
// map is emptied when it fills (its entries are seconds old by then).
type bodyCache struct {
	mu sync.Mutex
	m  map[string]encodedBody
}

// encodedBody is one page, as JSON and as gzipped JSON.
type encodedBody struct {
	plain, gzipped []byte
}

const maxBodies = 256

func (c *bodyCache) get(key string, encode func() ([]byte, error)) (encodedBody, error) {
	c.mu.Lock()
	b, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	plain, err := encode()
	if err != nil {
		return encodedBody{}, err
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(plain)
	if err := w.Close(); err != nil {
		return encodedBody{}, err
	}
	b = encodedBody{plain: plain, gzipped: gz.Bytes()}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxBodies {
		c.m = make(map[string]encodedBody, maxBodies)
	}
	c.m[key] = b
	c.mu.Unlock()
	return b, nil
}
