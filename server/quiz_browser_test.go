package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// gate cuts the network between the browser and the server: while closed,
// every connection is dropped without an answer, as when a phone loses
// signal. The browser's own offline emulation alone would not stop the
// page's service worker from reaching the server.
type gate struct {
	closed atomic.Bool
	next   http.Handler
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.closed.Load() {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	g.next.ServeHTTP(w, r)
}

// screenshot saves the page as dir/name.png when LAWCONTEST_SCREENSHOTS
// names a folder, for a person to look at the pages.
func screenshot(t *testing.T, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		dir := os.Getenv("LAWCONTEST_SCREENSHOTS")
		if dir == "" {
			return nil
		}
		var b []byte
		if err := chromedp.CaptureScreenshot(&b).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
	})
}

// offlineReady is true once the service worker controls the quiz page and
// holds everything a reload needs: the page, the attempt and every file.
const offlineReady = `navigator.serviceWorker.controller !== null && (async () => {
	const c = await caches.open('lc-quiz-v1');
	const urls = [location.pathname, '/api/v1/attempts/' + document.getElementById('quiz').dataset.attemptId,
		'/static/js/api.js', '/static/js/quiz_review.js',
		...[...document.querySelectorAll('link[rel=stylesheet][href], script[src]')].map(e => e.getAttribute('href') || e.getAttribute('src'))];
	for (const u of urls) if (!(await c.match(u, { ignoreVary: true }))) return false;
	return true;
})()`

// choose clicks option k of question i (0-based) of the quiz page as a
// thumb would.
func choose(i, k int) chromedp.Action {
	return chromedp.Click(fmt.Sprintf(`#quiz .quiz-q:nth-of-type(%d) .quiz-opt:nth-of-type(%d)`, i+1, k+1), chromedp.ByQuery)
}

// saveState waits until the quiz page's save status has class.
func saveState(class string) chromedp.Action {
	return chromedp.Poll(fmt.Sprintf(`document.querySelector('.quiz-save').classList.contains(%q)`, class), nil, chromedp.WithPollingTimeout(20*time.Second))
}

// TestBrowserQuizOfflineReloadSubmit takes a whole attempt on a 360x740
// phone: answers some questions, loses the network, answers more, reloads
// the page while offline, comes back online, submits and sees the score;
// then the answers stored in Postgres are exactly the ones chosen.
func TestBrowserQuizOfflineReloadSubmit(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	q.round(map[string]any{"prediction_question": "Theo bạn, bao nhiêu người trả lời đúng tất cả các câu?"})
	phone := newPhone()
	q.expect(q.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)

	g := &gate{next: q.app.Handler()}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	ctx := newPhoneBrowser(t)

	setOffline := func(off bool) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			g.closed.Store(off)
			conds := []*network.Conditions{}
			if off {
				conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
			}
			if _, err := network.EmulateNetworkConditionsByRule(conds).WithEmulateOfflineServiceWorker(off).Do(ctx); err != nil {
				return err
			}
			return network.OverrideNetworkState(off, 0, -1, -1).Do(ctx)
		})
	}

	err := chromedp.Run(ctx,
		logIn(srv.URL, "/contests/"+q.contest, phone, "mat-khau-an-toan"),
		chromedp.WaitVisible(`.start-round`),
		screenshot(t, "contest"),
	)
	if err != nil {
		t.Fatal(err)
	}
	noHorizontalScroll(t, ctx, "/contests/"+q.contest)
	var timer string
	err = chromedp.Run(ctx,
		chromedp.Click(`.start-round`),
		chromedp.WaitVisible(`#quiz .quiz-q`),
		chromedp.Text(`.quiz-timer`, &timer),
		choose(0, 0),
		choose(1, 2),
		saveState("is-saved"),
		// Wait for the service worker to hold the page for offline use.
		chromedp.Poll(offlineReady, nil, chromedp.WithPollingTimeout(20*time.Second)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if timer != "10:00" && timer != "09:59" {
		t.Fatalf("the countdown starts at %q, want the server's 10 minutes", timer)
	}
	noHorizontalScroll(t, ctx, "the quiz")

	// Offline: answers wait on the phone and the page says so.
	var status, qstate string
	err = chromedp.Run(ctx,
		setOffline(true),
		choose(2, 1),
		choose(3, 3),
		choose(1, 1), // a change of mind on a saved answer
		chromedp.SendKeys(`#quiz-prediction`, "42"),
		saveState("is-offline"),
		chromedp.Text(`.quiz-save`, &status),
		chromedp.Text(`#quiz .quiz-q:nth-of-type(3) .quiz-qstate`, &qstate),
		screenshot(t, "quiz-offline"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "Mất kết nối") || !strings.Contains(qstate, "Chưa lưu") {
		t.Fatalf("offline, the page says %q / %q", status, qstate)
	}

	// Reload while still offline: the attempt comes back with every choice.
	var checked []string
	var predicted string
	err = chromedp.Run(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(`#quiz .quiz-q`),
		chromedp.Evaluate(`[...document.querySelectorAll('#quiz .quiz-q:not(.quiz-prediction)')].map(f => { const i = [...f.querySelectorAll('input[type=radio]')].findIndex(r => r.checked); return String(i) })`, &checked),
		chromedp.Value(`#quiz-prediction`, &predicted),
		saveState("is-offline"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(checked, ",") != "0,1,1,3" || predicted != "42" {
		t.Fatalf("after an offline reload the choices are %v and the prediction %q, want 0,1,1,3 and 42", checked, predicted)
	}

	// Online again: everything is sent, then submit.
	var score, correct string
	err = chromedp.Run(ctx,
		setOffline(false),
		saveState("is-saved"),
		chromedp.Click(`.quiz-submit`),
		chromedp.WaitVisible(`.quiz-dialog[open]`),
		screenshot(t, "quiz-confirm"),
		chromedp.Click(`.quiz-dialog .btn-primary`),
		chromedp.WaitVisible(`.quiz-result`),
		chromedp.Text(`.quiz-result-facts dd:nth-of-type(1)`, &score),
		chromedp.Text(`.quiz-result-facts dd:nth-of-type(2)`, &correct),
		screenshot(t, "quiz-result"),
	)
	if err != nil {
		t.Fatal(err)
	}
	noHorizontalScroll(t, ctx, "the result")

	// The participant's home lists the attempt with its result.
	var home string
	err = chromedp.Run(ctx,
		chromedp.Click(`.quiz-result a.btn`),
		chromedp.WaitVisible(`#my-attempts`),
		chromedp.Poll(`document.querySelector('#my-attempts li p') !== null`, nil),
		chromedp.Text(`#my-attempts`, &home),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(home, "Đợt 1") || !strings.Contains(home, "điểm") {
		t.Fatalf("home lists %q", home)
	}

	// The stored answers are the ones shown as chosen.
	type row struct {
		Question int64  `db:"question_id"`
		Option   string `db:"option_id"`
	}
	var a attemptBody
	var attemptID int64
	if err := q.db.Get(&attemptID, `SELECT id FROM attempts`); err != nil {
		t.Fatal(err)
	}
	tok := q.login(phone, "mat-khau-an-toan")
	q.expect(q.do("GET", fmt.Sprintf("/api/v1/attempts/%d", attemptID), nil, request{token: tok}), http.StatusOK).decode(t, &a)
	want := map[string]string{}
	for i, k := range []int{0, 1, 1, 3} {
		qu := a.Attempt.Questions[i]
		want[qu.ID] = qu.Options[k].ID
	}
	var rows []row
	if err := q.db.Select(&rows, `SELECT question_id, option_id FROM attempt_answers WHERE attempt_id = $1`, attemptID); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Fatalf("stored %v, want %v", rows, want)
	}
	right := 0
	for _, r := range rows {
		id := idString(r.Question)
		if want[id] != r.Option {
			t.Fatalf("question %s stored %q, chosen %q", id, r.Option, want[id])
		}
		if q.bank.correct(r.Question) == r.Option {
			right++
		}
	}
	var prediction *int
	var status2 string
	q.db.QueryRow(`SELECT prediction, status FROM attempts WHERE id = $1`, attemptID).Scan(&prediction, &status2)
	if prediction == nil || *prediction != 42 || status2 != "submitted" {
		t.Fatalf("stored prediction %v status %s", prediction, status2)
	}
	if score != fmt.Sprint(right*5) || !strings.HasPrefix(correct, fmt.Sprintf("%d/4", right)) {
		t.Fatalf("result shows score %q, correct %q; stored %d right", score, correct, right)
	}
}

// TestBrowserQuizCountdownAnnouncesAndAutoSubmits: the countdown runs from
// the server's deadline, is announced at the 30-second threshold (not every
// second, and not for thresholds already past when the page opened), and
// the page submits by itself when the time runs out.
func TestBrowserQuizCountdownAnnouncesAndAutoSubmits(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	// Two rounds closing 31 s and 2 s after the server's now (rounds close
	// on a whole second): the deadlines are capped by the close.
	slow := q.round(map[string]any{"title": "Đợt A", "closes_at": testNow.Add(31 * time.Second)})
	fast := q.round(map[string]any{"title": "Đợt B", "closes_at": testNow.Add(2 * time.Second)})
	phone := newPhone()
	q.expect(q.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)
	tok := q.login(phone, "mat-khau-an-toan")
	var a, b attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+slow+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &a)
	q.expect(q.do("POST", "/api/v1/rounds/"+fast+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &b)

	ctx := newPhoneBrowser(t)
	var announced, before, heading string
	err := chromedp.Run(ctx,
		logIn(q.srv.URL, "/attempts/"+a.Attempt.ID, phone, "mat-khau-an-toan"),
		chromedp.WaitVisible(`#quiz .quiz-q`),
		chromedp.Text(`#quiz [aria-live=polite]`, &before),
		chromedp.Poll(`document.querySelector('#quiz [aria-live=polite]').textContent !== ''`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text(`#quiz [aria-live=polite]`, &announced),

		chromedp.Navigate(q.srv.URL+"/attempts/"+b.Attempt.ID),
		chromedp.WaitVisible(`#quiz .quiz-q`),
		chromedp.Click(`#quiz .quiz-q:nth-of-type(1) .quiz-opt:nth-of-type(1)`, chromedp.ByQuery),
		chromedp.WaitVisible(`.quiz-result`),
		chromedp.Text(`.quiz-result h1`, &heading),
	)
	if err != nil {
		t.Fatal(err)
	}
	if before != "" || !strings.Contains(announced, "30 giây") {
		t.Fatalf("announcements: at open %q, then %q", before, announced)
	}
	if heading != "Đã nộp bài" {
		t.Fatalf("after the time ran out the page shows %q", heading)
	}
	var status string
	var answers int
	q.db.Get(&status, `SELECT status FROM attempts WHERE id = $1`, mustInt(t, b.Attempt.ID))
	q.db.Get(&answers, `SELECT count(*) FROM attempt_answers WHERE attempt_id = $1`, mustInt(t, b.Attempt.ID))
	if status != "submitted" || answers != 1 {
		t.Fatalf("auto-submitted attempt: status %s, %d answers", status, answers)
	}
}

// answerStall answers every autosave 503, as a server shedding load does,
// while stalled, and keeps the body of each submit.
type answerStall struct {
	stalled atomic.Bool
	next    http.Handler

	mu      sync.Mutex
	submits [][]byte
}

func (s *answerStall) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/answers/") && s.stalled.Load() {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/submit") {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.submits = append(s.submits, body)
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	s.next.ServeHTTP(w, r)
}

// TestBrowserQuizSubmitCarriesUnsavedAnswers: a submit carries the answers
// the server has not acknowledged (here refused with 503), and only those:
// the acknowledged ones are committed already. All of them are stored.
func TestBrowserQuizSubmitCarriesUnsavedAnswers(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	q.round(nil)
	phone := newPhone()
	q.expect(q.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)
	stall := &answerStall{next: q.app.Handler()}
	srv := httptest.NewServer(stall)
	t.Cleanup(srv.Close)
	ctx := newPhoneBrowser(t)

	err := chromedp.Run(ctx,
		logIn(srv.URL, "/contests/"+q.contest, phone, "mat-khau-an-toan"),
		chromedp.WaitVisible(`.start-round`),
		chromedp.Click(`.start-round`),
		chromedp.WaitVisible(`#quiz .quiz-q`),
		choose(0, 0),
		choose(3, 0),
		saveState("is-saved"),
		chromedp.ActionFunc(func(context.Context) error { stall.stalled.Store(true); return nil }),
		choose(2, 2),
		// A change of mind on a saved answer, below the last one: a
		// question above would be scrolled under the sticky header,
		// which then takes the click.
		choose(3, 1),
		saveState("is-offline"), // refused, so waiting to be sent again
		chromedp.Click(`.quiz-submit`),
		chromedp.WaitVisible(`.quiz-dialog[open]`),
		chromedp.Click(`.quiz-dialog .btn-primary`),
		chromedp.WaitVisible(`.quiz-result`),
	)
	if err != nil {
		t.Fatal(err)
	}

	var attemptID int64
	if err := q.db.Get(&attemptID, `SELECT id FROM attempts`); err != nil {
		t.Fatal(err)
	}
	var a attemptBody
	tok := q.login(phone, "mat-khau-an-toan")
	q.expect(q.do("GET", fmt.Sprintf("/api/v1/attempts/%d", attemptID), nil, request{token: tok}), http.StatusOK).decode(t, &a)
	option := func(i, k int) (string, string) {
		qu := a.Attempt.Questions[i]
		return qu.ID, qu.Options[k].ID
	}

	stall.mu.Lock()
	submits := stall.submits
	stall.mu.Unlock()
	if len(submits) != 1 {
		t.Fatalf("%d submits sent, want 1", len(submits))
	}
	var sent struct{ Answers map[string]string }
	if err := json.Unmarshal(submits[0], &sent); err != nil {
		t.Fatalf("submit body %s: %v", submits[0], err)
	}
	wantSent := map[string]string{}
	for _, c := range [][2]int{{2, 2}, {3, 1}} {
		qid, oid := option(c[0], c[1])
		wantSent[qid] = oid
	}
	if !maps.Equal(sent.Answers, wantSent) {
		t.Fatalf("the submit carried %v, want the unacknowledged %v", sent.Answers, wantSent)
	}

	stored := map[string]string{}
	rows, err := q.db.Query(`SELECT question_id, option_id FROM attempt_answers WHERE attempt_id = $1`, attemptID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var qid int64
		var oid string
		if err := rows.Scan(&qid, &oid); err != nil {
			t.Fatal(err)
		}
		stored[idString(qid)] = oid
	}
	want := maps.Clone(wantSent)
	qid, oid := option(0, 0)
	want[qid] = oid
	if !maps.Equal(stored, want) {
		t.Fatalf("stored %v, want %v", stored, want)
	}
}
