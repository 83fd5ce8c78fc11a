package server

import "sync"

// bodyCache keeps the encoded JSON of recently served board pages. The
// board's page is already cached in-process for a second or two, but the
// load test's profile of a hot board showed the server spending nearly half
// its CPU encoding the same 50 lines again for every reader: the bytes are
// now encoded once per page read from Redis. Keys name the page and the
// moment it was read, so an entry is never served for a newer page; the
// map is emptied when it fills (its entries are seconds old by then).
type bodyCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

const maxBodies = 256

func (c *bodyCache) get(key string, encode func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	b, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := encode()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxBodies {
		c.m = make(map[string][]byte, maxBodies)
	}
	c.m[key] = b
	c.mu.Unlock()
	return b, nil
}
