package server

import (
	"net/http"
	"regexp"
	"testing"
)

var assetRef = regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)

// TestPagesAreLight keeps every page under 100 KB on first load: the HTML
// plus every stylesheet and script it references, uncompressed (what goes
// over the wire is gzip-compressed and smaller still).
func TestPagesAreLight(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, page := range []string{"/", "/register", "/login"} {
		res := e.expect(e.do("GET", page, nil, request{}), http.StatusOK)
		total := len(res.Body)
		seen := map[string]bool{}
		for _, m := range assetRef.FindAllStringSubmatch(string(res.Body), -1) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			a := e.expect(e.do("GET", m[1], nil, request{}), http.StatusOK)
			total += len(a.Body)
		}
		// Modules import api.js.
		total += len(e.expect(e.do("GET", "/static/js/api.js", nil, request{}), http.StatusOK).Body)
		if total > 100<<10 {
			t.Errorf("%s weighs %d bytes on first load", page, total)
		}
	}
}
