package server

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                true,
		"application/json; charset=utf-8": true,
		"Application/JSON":                true,
		"application/jsonx":               false,
		"text/plain":                      false,
		"":                                false,
		"application/json; =":             false,
	} {
		if got := isJSON(ct); got != want {
			t.Errorf("isJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}

// TestReadBodyWhateverContentLengthSays: the body is read whole whether
// Content-Length is right, absent, too small or too large for the buffer
// sized from it, and the body limit still refuses what passes it.
func TestReadBodyWhateverContentLengthSays(t *testing.T) {
	body := strings.Repeat("0123456789", 300) // 3,000 bytes
	for _, length := range []int64{3000, -1, 10, 100 << 10} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.ContentLength = length
		got, err := readBody(r)
		if err != nil || string(got) != body {
			t.Errorf("Content-Length %d: %d bytes read, error %v", length, len(got), err)
		}
	}

	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1000)
	var tooLarge *http.MaxBytesError
	if _, err := readBody(r); !errors.As(err, &tooLarge) {
		t.Errorf("past the body limit: error %v, want *http.MaxBytesError", err)
	}

	r = httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader("ab"), failingReader{}))
	if _, err := readBody(r); err == nil || err.Error() != "broken" {
		t.Errorf("a failing body: error %v", err)
	}
}

// failingReader is a body whose reading fails.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("broken") }

// The autosave's shortcut must read what encoding/json reads, and leave
// every body it does not take to the full decoder (and its refusals).
func TestPlainOptionBodyAgreesWithTheDecoder(t *testing.T) {
	taken := []string{
		`{"option_id":"b7Xq"}`, `{"option_id":"A"}`, `{"option_id":""}`,
		`{"option_id":"a b<c>&d'e/f"}`, `{"option_id":"` + strings.Repeat("z", 64) + `"}`,
	}
	for _, body := range taken {
		got, ok := plainOptionBody([]byte(body))
		if !ok {
			t.Errorf("%s: not taken", body)
			continue
		}
		var req answerRequest
		if err := decodeJSONBytes([]byte(body), &req); err != nil || req.OptionID != got {
			t.Errorf("%s: shortcut %q, decoder %q (%v)", body, got, req.OptionID, err)
		}
	}
	left := []string{
		``, `{}`, `{"option_id":"a"} `, ` {"option_id":"a"}`, `{"option_id": "a"}`,
		`{"option_id":"a\"b"}`, `{"option_id":"a\\nb"}`, `{"option_id":"\u00e1"}`, `{"option_id":"á"}`,
		"{\"option_id\":\"a\tb\"}", `{"option_id":"a","x":1}`, `{"option_id":"a"}{"option_id":"b"}`,
		`{"option_id":"a"}"}`, `{"option_id":1}`, `{"OPTION_ID":"a"}`, "{\"option_id\":\"\xff\"}",
		`{"option_id":"`, `"}`,
	}
	for _, body := range left {
		if got, ok := plainOptionBody([]byte(body)); ok {
			var req answerRequest
			err := decodeJSONBytes([]byte(body), &req)
			t.Errorf("%q taken as %q; the decoder reads %q (%v)", body, got, req.OptionID, err)
		}
	}
}
