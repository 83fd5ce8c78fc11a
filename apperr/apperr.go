// Package apperr defines the errors that domain packages return to server/.
//
// An Error carries a stable machine code (the codes of ../shared/API.md) and
// a catalogue key for the Vietnamese message a person reads. Domain packages
// never format user-facing text themselves: server/ looks the key up in the
// catalogue (frontend/i18n) and writes the API's error shape, so every word a
// participant reads lives in one catalogue.
package apperr

import "errors"

// Code is the machine-readable error code of the API's error shape.
type Code string

const (
	Validation      Code = "validation"         // 422
	Unauthenticated Code = "unauthenticated"    // 401
	Forbidden       Code = "forbidden"          // 403
	NotFound        Code = "not_found"          // 404
	Conflict        Code = "conflict"           // 409
	RoundNotOpen    Code = "round_not_open"     // 409
	AttemptLimit    Code = "attempt_limit"      // 409
	DeadlinePassed  Code = "deadline_passed"    // 409
	TooLarge        Code = "too_large"          // 413
	RateLimited     Code = "rate_limited"       // 429
	Unavailable     Code = "unavailable"        // 503
	Internal        Code = "internal"           // 500, never with details
	BadRequest      Code = "bad_request"        // 400: not JSON, wrong content type
	MethodNotAllow  Code = "method_not_allowed" // 405
)

// Message is a catalogue key and the arguments its template takes.
type Message struct {
	Key  string
	Args []any
}

// RowError points at one cell of an imported file.
type RowError struct {
	Row     int // 1-based, counting the header row as row 1
	Column  string
	Message Message
}

// Error is a domain error with a code, a message and optional per-field or
// per-row details.
type Error struct {
	Code   Code
	Msg    Message
	Fields map[string]Message
	Rows   []RowError
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Msg.Key
	for f, m := range e.Fields {
		s += " [" + f + ": " + m.Key + "]"
	}
	return s
}

// New returns an error with the given code and message key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Msg: Message{Key: key, Args: args}}
}

// Field returns a validation error about a single field.
func Field(field, key string, args ...any) *Error {
	f := Fields{}
	f.Add(field, key, args...)
	return f.Err().(*Error)
}

// As returns the *Error inside err, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// Fields collects per-field validation messages; the zero value is ready.
type Fields struct {
	m map[string]Message
}

// Add records a message for field unless one is already recorded, so the
// first (most basic) problem with a field is the one reported.
func (f *Fields) Add(field, key string, args ...any) {
	if f.m == nil {
		f.m = map[string]Message{}
	}
	if _, ok := f.m[field]; !ok {
		f.m[field] = Message{Key: key, Args: args}
	}
}

// Has reports whether field already has a message.
func (f *Fields) Has(field string) bool { _, ok := f.m[field]; return ok }

// Err returns nil when no field was refused, else a validation error.
func (f *Fields) Err() error {
	if len(f.m) == 0 {
		return nil
	}
	return &Error{Code: Validation, Msg: Message{Key: "error.validation"}, Fields: f.m}
}

// Rows returns a validation error listing bad rows of an import.
func Rows(rows []RowError) *Error {
	return &Error{Code: Validation, Msg: Message{Key: "error.import_rows"}, Rows: rows}
}
