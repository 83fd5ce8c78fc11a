package server

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// checkSecurityHeaders fails unless h carries the headers every response
// of the server must: a CSP that allows no inline or foreign script and no
// framing, nosniff and a referrer policy.
func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := map[string][]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			csp[f[0]] = f[1:]
		}
	}
	script := csp["script-src"]
	if script == nil {
		script = csp["default-src"]
	}
	if len(script) == 0 {
		t.Errorf("%s: no script-src in the CSP %q", what, h.Get("Content-Security-Policy"))
	}
	for _, s := range script {
		if s != "'self'" {
			t.Errorf("%s: script-src allows %s", what, s)
		}
	}
	for _, d := range []string{"frame-ancestors", "object-src"} {
		if v := csp[d]; len(v) != 1 || v[0] != "'none'" {
			t.Errorf("%s: %s %v, want 'none'", what, d, v)
		}
	}
	if v := csp["base-uri"]; len(v) == 0 {
		t.Errorf("%s: no base-uri (an injected <base> would move every script)", what)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, h.Get("X-Content-Type-Options"))
	}
	switch h.Get("Referrer-Policy") {
	case "same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin":
	default:
		t.Errorf("%s: Referrer-Policy %q", what, h.Get("Referrer-Policy"))
	}
	if h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: X-Frame-Options %q (for browsers without frame-ancestors)", what, h.Get("X-Frame-Options"))
	}
}

var (
	scriptTag   = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	inlineEvent = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	styleAttr   = regexp.MustCompile(`(?i)<[^>]+\sstyle\s*=`)
	jsURL       = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*["']?\s*javascript:`)
)

// checkNoInlineCode fails when a page would need the CSP relaxed: a script
// with a body (JSON data blocks are fine: they never run), an on*= handler,
// a style attribute or a javascript: URL.
func checkNoInlineCode(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, m := range scriptTag.FindAllSubmatch(body, -1) {
		attrs, code := string(m[1]), strings.TrimSpace(string(m[2]))
		if strings.Contains(attrs, `type="application/json"`) {
			continue
		}
		if code != "" || !strings.Contains(attrs, "src=") {
			t.Errorf("%s: inline script %.120s", what, m[0])
		}
	}
	for _, re := range []*regexp.Regexp{inlineEvent, styleAttr, jsURL} {
		if m := re.Find(body); m != nil {
			t.Errorf("%s: %.120s", what, m)
		}
	}
}

// Every route of the table, called by a caller it allows and by one it
// refuses, answers with the security headers; every page renders without
// inline code. Built on the authorization matrix's fixture, so new routes
// are covered as soon as they have a matrix entry.
func TestSecurityHeadersOnEveryRouteAndPage(t *testing.T) {
	t.Parallel()
	f := newAuthzFixture(t)
	matrix := authzMatrix()
	pages := 0
	for _, r := range f.q.app.routes() {
		c, ok := matrix[r.method+" "+r.path]
		if !ok || r.method != http.MethodGet {
			continue // the matrix test reports missing entries
		}
		page := !r.bare && !strings.HasPrefix(r.path, "/api/")
		callers := []who{c.allow[0]}
		if c.allow[0] != anonymous {
			callers = append(callers, anonymous)
		} else if len(c.allow) < len(everyone) {
			callers = append(callers, owner)
		}
		for _, w := range callers {
			res := f.call(w, f.token(w), r.method, f.pathFor(c, nil), nil, page)
			what := r.path + " as " + w.String()
			checkSecurityHeaders(t, what, res.Header)
			if res.Header.Get("Strict-Transport-Security") != "" {
				t.Errorf("%s: HSTS over plain HTTP without SECURE_COOKIES", what)
			}
			if page && res.Status == http.StatusOK {
				pages++
				checkNoInlineCode(t, what, res.Body)
				if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") && !strings.Contains(res.Header.Get("Cache-Control"), "no-cache") {
					t.Errorf("%s: a page with a CSRF token may be cached: %q", what, res.Header.Get("Cache-Control"))
				}
			}
		}
	}
	if pages < 5 {
		t.Fatalf("only %d pages rendered", pages)
	}
	// Errors of every kind carry them too.
	for _, p := range []string{"/no-such-page", "/api/v1/no-such-thing", "/static/../../etc/passwd", "/attempts/abc"} {
		res := f.q.do("GET", p, nil, request{client: f.noRedirect})
		checkSecurityHeaders(t, p, res.Header)
	}
}

func TestHSTSBehindTLSOrWithSecureCookies(t *testing.T) {
	t.Parallel()
	secure := newTestEnv(t, func(c *Config, _ *Deps) { c.SecureCookies = true })
	for _, p := range []string{"/", "/login", "/api/v1/session", "/static/css/app.css", "/healthz"} {
		res := secure.expect(secure.do("GET", p, nil, request{}), http.StatusOK)
		if hsts := res.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=31536000") {
			t.Errorf("%s with SECURE_COOKIES: HSTS %q", p, hsts)
		}
	}
	res := secure.expect(secure.do("POST", "/api/v1/participants", registration(newPhone()), request{}), http.StatusCreated)
	if c := res.Header.Get("Set-Cookie"); !strings.Contains(c, "; Secure") || !strings.Contains(c, "HttpOnly") {
		t.Errorf("cookie with SECURE_COOKIES: %q", c)
	}

	// Served over TLS directly, without the setting.
	plain := newTestEnv(t)
	tls := httptest.NewTLSServer(plain.app.Handler())
	t.Cleanup(tls.Close)
	req, _ := http.NewRequest("GET", tls.URL+"/", nil)
	r, err := tls.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
	checkSecurityHeaders(t, "/ over TLS", r.Header)
}
