package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"lawcontest/apperr"
)

// maxJSONDepth refuses deeply nested JSON before decoding it; no request of
// this API nests more than a few levels.
const maxJSONDepth = 16

// decodeJSON reads the request body into v: JSON only, valid UTF-8, no
// unknown fields, no trailing data, within the route's body limit. Every
// refusal is an *apperr.Error naming the field where there is one.
func decodeJSON(c echo.Context, v any) error {
	body, err := readJSONBody(c)
	if err != nil {
		return err
	}
	return decodeJSONBytes(body, v)
}

// readJSONBody reads the body of a request that must be JSON, not yet
// decoded.
func readJSONBody(c echo.Context) ([]byte, error) {
	if !isJSON(c.Request().Header.Get(echo.HeaderContentType)) {
		return nil, apperr.New("unsupported_media_type", "error.content_type")
	}
	return readBody(c.Request()) // a *http.MaxBytesError becomes 413
}

// plainOptionBody reads the autosave body that every quiz page sends,
// {"option_id":"..."} with an id of printable ASCII, without encoding/json,
// which was 4 % of the server's CPU per autosave. It reports false for any
// other body, which then goes through decodeJSONBytes and its checks; for
// a body it accepts, encoding/json would read the same id.
func plainOptionBody(body []byte) (string, bool) {
	const prefix, suffix = `{"option_id":"`, `"}`
	if len(body) < len(prefix)+len(suffix) || string(body[:len(prefix)]) != prefix ||
		string(body[len(body)-len(suffix):]) != suffix {
		return "", false
	}
	id := body[len(prefix) : len(body)-len(suffix)]
	for _, c := range id {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(id), true
}

// isJSON reports whether a Content-Type is JSON's, parameters allowed. The
// exact type, which is what the pages and phones send, is told without
// parsing (the parser showed in the profile of every autosave).
func isJSON(contentType string) bool {
	if contentType == echo.MIMEApplicationJSON {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == echo.MIMEApplicationJSON
}

// readBody reads a request's body whole, as io.ReadAll does, into a buffer
// sized from Content-Length when it is given: io.ReadAll starts at 512
// bytes and grows, two allocations and a copy for a submit's body. The
// route's body limit (limitBody) still bounds what is read, whatever the
// header says.
func readBody(r *http.Request) ([]byte, error) {
	size := 512
	if n := r.ContentLength; n > 0 && n < maxPreallocatedBody {
		size = int(n) + 1 // room for the read that sees the end
	}
	b := make([]byte, 0, size)
	for {
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// maxPreallocatedBody bounds what readBody allocates on the word of a
// header: above it, the buffer grows with what actually arrives.
const maxPreallocatedBody = 64 << 10

func decodeJSONBytes(body []byte, v any) error {
	if !utf8.Valid(body) {
		return apperr.New(apperr.BadRequest, "error.bad_utf8")
	}
	if tooDeep(body) {
		return apperr.New(apperr.BadRequest, "error.bad_json")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.BadRequest, "error.bad_json")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			return apperr.New(apperr.BadRequest, "error.bad_json")
		}
		return apperr.Field(field, "error.wrong_type")
	}
	// encoding/json reports unknown fields only as text.
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field, _ := strconv.Unquote(strings.TrimPrefix(msg, "json: unknown field "))
		return apperr.Field(field, "error.unknown_field")
	}
	return apperr.New(apperr.BadRequest, "error.bad_json")
}

// tooDeep reports whether the JSON nests objects/arrays deeper than
// maxJSONDepth (brackets inside strings do not count).
func tooDeep(b []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, ch := range b {
		switch {
		case escaped:
			escaped = false
		case inString && ch == '\\':
			escaped = true
		case ch == '"':
			inString = !inString
		case inString:
		case ch == '{' || ch == '[':
			depth++
			if depth > maxJSONDepth {
				return true
			}
		case ch == '}' || ch == ']':
			depth--
		}
	}
	return false
}

// pathID parses a numeric id from the path; anything else is not found.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "error.not_found")
	}
	return id, nil
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(c echo.Context, name string, def, lo, hi int) (int, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Field(name, "error.query_range", lo, hi)
	}
	return n, nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// idString formats an id the way the API sends ids: as a JSON string.
func idString(id int64) string { return strconv.FormatInt(id, 10) }

// entity answers with one object both nested under its name and with its
// fields at the top level: {"contest": {...}, "id": ..., "title": ...}.
// API.md spells some answers as "{attempt: ...}" and others only as "one
// contest with its rounds", so clients written either way read the same
// answer.
func entity(name string, v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	out[name] = json.RawMessage(b)
	return out, nil
}

// jsonEntity writes entity(name, v) with status.
func jsonEntity(c echo.Context, status int, name string, v any) error {
	m, err := entity(name, v)
	if err != nil {
		return err
	}
	return c.JSON(status, m)
}
