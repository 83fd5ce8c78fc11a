package server

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
)

// A start's and a reload's paper are compressed by their handler, not the
// middleware: gzipped for a phone that asks, plain otherwise, the same JSON
// either way, and said so in Vary for caches.
func TestQuizAPIAttemptBodiesGzipped(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	round := q.round(nil)
	tok, _ := q.participant()

	gz := func(res *testResponse) []byte {
		t.Helper()
		if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("asked for gzip: headers %v", res.Header)
		}
		zr, err := gzip.NewReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("broken gzip: %v", err)
		}
		return b
	}
	plain := func(res *testResponse) []byte {
		t.Helper()
		if res.Header.Get("Content-Encoding") != "" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("asked for no gzip: headers %v", res.Header)
		}
		return res.Body
	}
	asking := func(enc string) request {
		return request{token: tok, headers: map[string]string{"Accept-Encoding": enc}}
	}

	started := gz(q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, asking("gzip, deflate, br")), http.StatusCreated))
	var a attemptBody
	if err := json.Unmarshal(started, &a); err != nil || len(a.Attempt.Questions) != 4 || a.Attempt.ID == "" {
		t.Fatalf("start body %s (%v)", started, err)
	}
	resumed := plain(q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, asking("identity")), http.StatusOK))
	if !bytes.Equal(resumed, started) {
		t.Fatalf("the resumed attempt differs from the started one:\n%s\n%s", resumed, started)
	}
	path := "/api/v1/attempts/" + a.Attempt.ID
	reloaded := gz(q.expect(q.do("GET", path, nil, asking("gzip")), http.StatusOK))
	if !bytes.Equal(reloaded, started) {
		t.Fatalf("the reloaded attempt differs from the started one:\n%s\n%s", reloaded, started)
	}
	if b := plain(q.expect(q.do("GET", path, nil, asking("")), http.StatusOK)); !bytes.Equal(b, started) {
		t.Fatalf("the plain reload differs:\n%s\n%s", b, started)
	}
}

// BenchmarkAttemptGzip compresses a paper of nineteen demo questions as a
// start answers it, with the standard library (what the Echo middleware
// used) and with klauspost/compress (what attemptJSON uses), and reports
// the compressed size.
func BenchmarkAttemptGzip(b *testing.B) {
	csvBytes, err := DemoQuestionsCSV()
	if err != nil {
		b.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(csvBytes)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	type option struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	}
	type question struct {
		ID      string   `json:"id"`
		Text    string   `json:"text"`
		Options []option `json:"options"`
	}
	var qs []question
	for i, r := range rows[1:20] {
		q := question{ID: strconv.Itoa(1000 + i), Text: r[0]}
		for j := 1; j <= 4; j++ {
			q.Options = append(q.Options, option{ID: "k" + strconv.Itoa(i*4+j), Text: r[j]})
		}
		qs = append(qs, q)
	}
	paper, err := json.Marshal(map[string]any{"attempt": map[string]any{"id": "123456", "questions": qs}})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		w    interface {
			io.WriteCloser
			Reset(io.Writer)
		}
	}{
		{"compress-gzip", must(gzip.NewWriterLevel(nil, gzip.BestSpeed))},
		{"klauspost-gzip", must(kgzip.NewWriterLevel(nil, kgzip.BestSpeed))},
	} {
		b.Run(c.name, func(b *testing.B) {
			var out bytes.Buffer
			b.SetBytes(int64(len(paper)))
			for b.Loop() {
				out.Reset()
				c.w.Reset(&out)
				c.w.Write(paper)
				c.w.Close()
			}
			b.ReportMetric(float64(out.Len()), "gzipped-bytes")
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
