package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"

	"lawcontest/apperr"
)

// statusOf maps the API's error codes to HTTP status codes.
var statusOf = map[apperr.Code]int{
	apperr.Validation:        http.StatusUnprocessableEntity,
	apperr.Unauthenticated:   http.StatusUnauthorized,
	apperr.Forbidden:         http.StatusForbidden,
	apperr.NotFound:          http.StatusNotFound,
	apperr.Conflict:          http.StatusConflict,
	apperr.RoundNotOpen:      http.StatusConflict,
	apperr.AttemptLimit:      http.StatusConflict,
	apperr.DeadlinePassed:    http.StatusConflict,
	apperr.TooLarge:          http.StatusRequestEntityTooLarge,
	apperr.RateLimited:       http.StatusTooManyRequests,
	apperr.Unavailable:       http.StatusServiceUnavailable,
	apperr.BadRequest:        http.StatusBadRequest,
	apperr.MethodNotAllow:    http.StatusMethodNotAllowed,
	apperr.Internal:          http.StatusInternalServerError,
	"unsupported_media_type": http.StatusUnsupportedMediaType,
}

// errorBody is the API's one error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Rows    []rowDetail       `json:"rows,omitempty"`
}

type rowDetail struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// retryAfterError asks the client to come back later (429 or 503).
type retryAfterError struct {
	err   *apperr.Error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

func rateLimited(after time.Duration) error {
	secs := int((after + time.Second - 1) / time.Second)
	return &retryAfterError{err: apperr.New(apperr.RateLimited, "error.rate_limited", max(secs, 1)), after: after}
}

func unavailable(after time.Duration) error {
	return &retryAfterError{err: apperr.New(apperr.Unavailable, "error.unavailable"), after: after}
}

// toAppError turns any error a handler returns into an *apperr.Error,
// logging the ones that are bugs or outages. Nothing of a Go error string
// reaches the client.
func (a *App) toAppError(c echo.Context, err error) (*apperr.Error, time.Duration) {
	var ra *retryAfterError
	if errors.As(err, &ra) {
		return ra.err, ra.after
	}
	if e, ok := apperr.As(err); ok {
		return e, 0
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return apperr.New(apperr.NotFound, "error.route_not_found"), 0
		case http.StatusMethodNotAllowed:
			return apperr.New(apperr.MethodNotAllow, "error.method_not_allowed"), 0
		case http.StatusRequestEntityTooLarge:
			return apperr.New(apperr.TooLarge, "error.too_large"), 0
		case http.StatusUnauthorized:
			return apperr.New(apperr.Unauthenticated, "error.unauthenticated"), 0
		case http.StatusForbidden:
			return apperr.New(apperr.Forbidden, "error.forbidden"), 0
		case http.StatusBadRequest:
			return apperr.New(apperr.BadRequest, "error.bad_json"), 0
		case http.StatusServiceUnavailable:
			return apperr.New(apperr.Unavailable, "error.unavailable"), 2 * time.Second
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "error.too_large"), 0
	}
	if isOutage(err) {
		a.reqLog(c).Warn("dependency unavailable", "err", err)
		return apperr.New(apperr.Unavailable, "error.unavailable"), 2 * time.Second
	}
	a.reqLog(c).Error("internal error", "err", err)
	return apperr.New(apperr.Internal, "error.internal"), 0
}

// isOutage reports whether err means Postgres or Redis is unreachable or
// too slow, as opposed to a bug: those get 503 and a Retry-After.
func isOutage(err error) bool {
	var netErr net.Error
	var pqErr *pq.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF),
		errors.Is(err, redis.ErrClosed),
		errors.As(err, &netErr):
		return true
	case errors.As(err, &pqErr):
		// 08: connection exception, 53: insufficient resources,
		// 57P: operator intervention (shutdown), 40001/40P01 retried
		// serialization failures that still failed.
		cls := string(pqErr.Code)[:2]
		return cls == "08" || cls == "40" || cls == "53" || cls == "57"
	}
	return false
}

// handleError writes every error in the API's shape (JSON routes) or as an
// HTML page (pages).
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e, after := a.toAppError(c, err)
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if after > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((after+time.Second-1)/time.Second)))
	}
	if isPageRequest(c) {
		if e.Code == apperr.Unauthenticated {
			c.Redirect(http.StatusSeeOther, "/login?next="+urlQueryEscape(c.Request().URL.RequestURI()))
			return
		}
		a.renderErrorPage(c, status, a.text.T(e.Msg.Key, e.Msg.Args...))
		return
	}
	body := errorBody{Error: errorDetail{Code: string(e.Code), Message: a.text.T(e.Msg.Key, e.Msg.Args...)}}
	if len(e.Fields) > 0 {
		body.Error.Fields = make(map[string]string, len(e.Fields))
		for f, m := range e.Fields {
			body.Error.Fields[f] = a.text.T(m.Key, m.Args...)
		}
	}
	for _, r := range e.Rows {
		body.Error.Rows = append(body.Error.Rows, rowDetail{Row: r.Row, Column: r.Column, Message: a.text.T(r.Message.Key, r.Message.Args...)})
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	c.JSON(status, body)
}
