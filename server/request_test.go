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
