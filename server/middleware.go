package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lawcontest/account"
	"lawcontest/apperr"
	"lawcontest/server/ratelimit"
)

const (
	sessionCookie = "lc_session"
	csrfHeader    = "X-CSRF-Token"
	ctxRequestID  = "request_id"
	ctxSession    = "session"
	ctxViaCookie  = "via_cookie"
	// defaultMaxBody bounds JSON request bodies; routes that take files or
	// essays set their own limit in the route table.
	defaultMaxBody = 64 << 10
)

func randUint64() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func newRequestID() string {
	var b [9]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// observe gives each request an id, a logger carrying it, a log line and
// metrics labelled by the route pattern (never the raw path, which would
// carry ids and make a label per attempt), and turns panics into 500s.
//
// The routes every phone calls many times a minute are the exception to a
// line per request: the board's reads (the load test's profile had the log
// line as 14 % of the server's CPU on a hot board) and autosaves (19 of
// the 23 requests of an attempt, 8 % of the server's CPU in the mixed
// load, and 15 million lines a contest month). Their failures and slow
// answers are logged; their counts and latencies are in the metrics; an
// acknowledged autosave's record is its row in Postgres, with its time.
func (a *App) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		id := newRequestID()
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		c.Set(ctxRequestID, id)
		defer func() {
			if r := recover(); r != nil {
				a.reqLog(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = apperr.New(apperr.Internal, "error.internal")
			}
			switch {
			case err != nil && errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil:
				// The client went away mid-request (a phone lost its
				// network, a reload): nobody is left to answer and
				// nothing failed here. Logged as nginx's 499, not as a
				// server error.
				c.Response().Status = statusClientClosed
			case err != nil:
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			status := c.Response().Status
			elapsed := time.Since(start)
			a.metrics.observe(c.Request().Method, route, status, elapsed)
			if quietRoutes[route] && status < 400 && elapsed < slowRequest {
				return
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{slog.String("request_id", id), slog.String("method", c.Request().Method),
				slog.String("route", route), slog.Int("status", status),
				slog.Float64("ms", float64(elapsed.Microseconds())/1000), slog.Int64("bytes", c.Response().Size)}
			if s := sessionOf(c); s != nil {
				attrs = append(attrs, slog.Int64("user_id", s.User.ID))
			}
			a.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
		}()
		return next(c)
	}
}

// statusClientClosed is what the request log and metrics say of a request
// whose client left before the answer (nginx's convention).
const statusClientClosed = 499

// quietRoutes are logged only when they fail or are slow (see observe).
var quietRoutes = map[string]bool{boardPath: true, boardMinePath: true, autosavePath: true, predictionPath: true}

// slowRequest is when a quiet route's request is logged all the same.
const slowRequest = time.Second

// reqLog returns a logger carrying the request's id.
func (a *App) reqLog(c echo.Context) *slog.Logger {
	if id, ok := c.Get(ctxRequestID).(string); ok {
		return a.log.With("request_id", id)
	}
	return a.log
}

// shedLoad answers 503 with Retry-After at once when more than MaxInFlight
// requests are being served, rather than letting every request time out.
func (a *App) shedLoad(next echo.HandlerFunc) echo.HandlerFunc {
	return a.shedPast(a.inFlight, next)
}

// shedNewWork keeps new attempts from taking more than half of the
// in-flight budget: in the load test's 20,000 starts arriving at 2,000 a
// second with MAX_IN_FLIGHT=200, the phones already playing had their
// autosaves shed as often as the newcomers' starts. Past half, a start is
// answered 503 with Retry-After (the phone tries again in 1 to 4 s) while
// answers and submits still get the other half.
func (a *App) shedNewWork(next echo.HandlerFunc) echo.HandlerFunc {
	return a.shedPast(a.newWorkInFlight, next)
}

// shedPast serves a request while one of slots is free, and answers 503
// with Retry-After at once when none is.
func (a *App) shedPast(slots chan struct{}, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			return next(c)
		default:
			a.metrics.shed.Inc()
			// 1 to 4 seconds at random: a burst shed with one fixed delay
			// comes back all at once (the load test's 20,000-start burst
			// drew 320,000 shed answers with a fixed second).
			return unavailable(time.Duration(1+randUint64()%4) * time.Second)
		}
	}
}

// limitPerUser spends one unit of the signed-in caller's budget under rule
// per request and answers 429 with Retry-After once it is spent. The count
// lives in Redis, so the budget holds across every instance; when Redis
// does not answer the request goes through (the limiter fails open).
func (a *App) limitPerUser(rule ratelimit.Rule) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if s := sessionOf(c); s != nil {
				if ok, wait := a.limiter.Allow(c.Request().Context(), rule, idString(s.User.ID)); !ok {
					return rateLimited(wait)
				}
			}
			return next(c)
		}
	}
}

// securityHeaders are set on every response.
func (a *App) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if a.cfg.SecureCookies || c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// limitBody caps the request body at n bytes: a declared larger body is
// refused at once, and reading past n fails with 413.
func limitBody(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > n {
				return apperr.New(apperr.TooLarge, "error.too_large")
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, n)
			return next(c)
		}
	}
}

// loadSession finds the caller's session from the Bearer token or the
// session cookie. A missing or dead token leaves the request anonymous; the
// route's access rule decides whether that is allowed.
func (a *App) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, viaCookie := "", false
		if h := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
			token = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
		} else if ck, err := c.Cookie(sessionCookie); err == nil {
			token, viaCookie = ck.Value, true
		}
		if token != "" && len(token) <= 100 {
			now := a.clock.Now()
			s, gen := a.sessionCache.get(account.HashToken(token), now)
			if s == nil {
				var err error
				s, err = a.accounts.Lookup(c.Request().Context(), token, a.sessions)
				if err != nil && !apperr.Is(err, apperr.Unauthenticated) {
					return err
				}
				a.sessionCache.put(s, gen, now)
			}
			if s != nil {
				c.Set(ctxSession, s)
				c.Set(ctxViaCookie, viaCookie)
			}
		}
		return next(c)
	}
}

func sessionOf(c echo.Context) *account.Session {
	s, _ := c.Get(ctxSession).(*account.Session)
	return s
}

// csrfToken is bound to the session: an HMAC of the session's id under the
// shared secret, so every instance can check it without storing it.
func (a *App) csrfToken(s *account.Session) string {
	m := hmac.New(sha256.New, a.csrfKey)
	if s != nil {
		m.Write(s.TokenHash)
	} else {
		m.Write([]byte("anonymous"))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses a state change authenticated by the session cookie
// without the matching X-CSRF-Token header. Bearer-token clients need none:
// a browser never attaches a bearer token on its own.
func (a *App) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if viaCookie, _ := c.Get(ctxViaCookie).(bool); viaCookie {
			got := c.Request().Header.Get(csrfHeader)
			if !hmac.Equal([]byte(got), []byte(a.csrfToken(sessionOf(c)))) {
				return apperr.New(apperr.Forbidden, "error.csrf")
			}
		}
		return next(c)
	}
}

// access says who may call a route.
type access int

const (
	public      access = iota // anyone, signed in or not
	signedIn                  // any signed-in user
	participant               // participants only
	judge                     // judges only
	organizer                 // organizers and admins
	admin                     // admins only
)

func (x access) allows(role string) bool {
	switch x {
	case public, signedIn:
		return true
	case participant:
		return role == account.RoleParticipant
	case judge:
		return role == account.RoleJudge
	case organizer:
		return role == account.RoleOrganizer || role == account.RoleAdmin
	case admin:
		return role == account.RoleAdmin
	}
	return false
}

func (x access) String() string {
	return [...]string{"public", "signed-in", "participant", "judge", "organizer", "admin"}[x]
}

// require enforces a route's access rule: 401 without a session, 403 with
// the wrong role.
func require(x access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if x == public {
				return next(c)
			}
			s := sessionOf(c)
			if s == nil {
				return apperr.New(apperr.Unauthenticated, "error.unauthenticated")
			}
			if !x.allows(s.User.Role) {
				return apperr.New(apperr.Forbidden, "error.forbidden")
			}
			return next(c)
		}
	}
}

// isPageRequest tells pages (HTML errors) from API calls (JSON errors).
func isPageRequest(c echo.Context) bool {
	p := c.Request().URL.Path
	return !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/static/") &&
		p != "/healthz" && p != "/readyz" && p != "/metrics"
}
