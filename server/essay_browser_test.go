package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserLogin signs in through the login page and waits for the page
// next, where it sends the person.
func browserLogin(t *testing.T, ctx context.Context, e *testEnv, login, password, next string) {
	t.Helper()
	if err := chromedp.Run(ctx, logIn(e.srv.URL, next, login, password), chromedp.WaitVisible(`#logout`)); err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
}

// logIn fills and sends the login page of the server at base, asking to
// be sent to next afterwards (wait for that page yourself).
func logIn(base, next, login, password string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/login?next=" + next),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#login`, login),
		chromedp.SendKeys(`#password`, password),
		chromedp.Click(`#login-form button[type=submit]`),
	}
}

// TestBrowserEssayContest: on a phone, a participant submits an essay, two
// judges score it, the organizer publishes, the participant sees the result.
func TestBrowserEssayContest(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	c := e.essayContest()
	// A browser per person: each starts signed out, and each phase gets the
	// whole of a browser's time budget.
	ctx := newPhoneBrowser(t)

	a := e.essayAuthor("Vũ Hải Yến", e.unit("Trường THCS Cầu Giấy"))
	org := e.staff("organizer", "btc")
	e.judgeIn("gkmot", 0)
	e.judgeIn("gkhai", 0)
	e.expect(e.do("PUT", fmt.Sprintf("/api/v1/admin/contests/%d/rubric", c), essayRubric, request{token: org}), http.StatusOK)

	// The participant writes: the counter follows, the draft survives a reload.
	path := fmt.Sprintf("/contests/%d/essay", c)
	// From the contest's page, the way a participant finds it.
	browserLogin(t, ctx, e, a.phone, "mat-khau-an-toan", fmt.Sprintf("/contests/%d", c))
	var counter, code string
	err := chromedp.Run(ctx,
		chromedp.Click(`a[href="`+path+`"]`),
		chromedp.WaitVisible(`#essay-form`),
		chromedp.SendKeys(`#essay-title`, "Lời nhắn tử tế"),
		chromedp.SendKeys(`#essay-body`, "Mạng xã hội là nơi kết nối."),
		chromedp.Poll(`document.getElementById('word-counter').textContent.startsWith('7 /')`, nil),
		chromedp.Sleep(600*time.Millisecond), // the draft is saved 400 ms after typing stops
		chromedp.Reload(),
		chromedp.WaitVisible(`#draft-note`),
		chromedp.Poll(`document.getElementById('essay-body').value === 'Mạng xã hội là nơi kết nối.'`, nil),
		chromedp.SendKeys(`#essay-body`, "\n\n"+essayBody),
		chromedp.Text(`#word-counter`, &counter),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(counter, "/ 2000 chữ") {
		t.Fatalf("counter %q", counter)
	}
	noHorizontalScroll(t, ctx, "essay page")
	err = chromedp.Run(ctx,
		chromedp.Click(`#essay-declaration`),
		chromedp.Click(`#essay-submit`),
		chromedp.WaitVisible(`#receipt`),
		chromedp.Text(`#receipt-code`, &code),
	)
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	e.db.Get(&stored, `SELECT code FROM essays WHERE contest_id = $1`, c)
	if code == "" || code != stored {
		t.Fatalf("receipt %q, stored %q", code, stored)
	}

	// The contest ends; the organizer assigns both judges.
	e.clock.Set(testNow.Add(time.Hour))
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/admin/contests/%d/assignments", c), map[string]any{"judges_per_essay": 2}, request{token: org}), http.StatusOK)

	// Each judge scores on the phone sheet: 80 and 70.
	for _, j := range []struct {
		user   string
		points []string
	}{{"gkmot", []string{"35", "25", "15", "5"}}, {"gkhai", []string{"30", "20", "15", "5"}}} {
		ctx := newPhoneBrowser(t)
		browserLogin(t, ctx, e, j.user, "staff-password-1", "/judge")
		var body, total string
		err := chromedp.Run(ctx,
			chromedp.WaitVisible(`#judge-list a`),
			chromedp.Click(`#judge-list a`),
			chromedp.WaitVisible(`#c-language`),
			chromedp.Text(`#sheet-body`, &body),
			chromedp.SendKeys(`#c-content`, j.points[0]),
			chromedp.SendKeys(`#c-message`, j.points[1]),
			chromedp.SendKeys(`#c-creativity`, j.points[2]),
			chromedp.SendKeys(`#c-language`, j.points[3]),
			chromedp.Text(`#sheet-total`, &total),
		)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "Vũ Hải Yến") || !strings.Contains(body, "Mạng xã hội là nơi kết nối.") {
			t.Fatalf("judge sees %q", body)
		}
		noHorizontalScroll(t, ctx, "scoring sheet")
		err = chromedp.Run(ctx,
			chromedp.Click(`#save-draft`),
			chromedp.Poll(`document.getElementById('sheet-status').textContent !== ''`, nil),
			chromedp.Click(`#finalize`),
			chromedp.Click(`#finalize`), // the second tap confirms
			chromedp.Poll(`document.getElementById('c-content').disabled`, nil),
		)
		if err != nil {
			t.Fatal(err)
		}
	}

	// The organizer publishes from the contest's page.
	var published string
	ctx = newPhoneBrowser(t)
	browserLogin(t, ctx, e, "btc", "staff-password-1", fmt.Sprintf("/admin/contests/%d/essays", c))
	err = chromedp.Run(ctx,
		chromedp.WaitVisible(`#publish-button`),
		chromedp.Poll(`document.querySelectorAll('#marks-table tbody tr').length === 1`, nil),
		chromedp.Click(`#publish-button`),
		chromedp.Poll(`document.querySelector('#publish-form [data-ok]').textContent !== ''`, nil),
		chromedp.Text(`#publish-form [data-ok]`, &published),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(published, "1 bài") {
		t.Fatalf("publish says %q", published)
	}
	noHorizontalScroll(t, ctx, "organizer page")

	// The participant sees the result, and the public board shows it masked.
	var result, board string
	ctx = newPhoneBrowser(t)
	browserLogin(t, ctx, e, a.phone, "mat-khau-an-toan", path)
	err = chromedp.Run(ctx,
		chromedp.WaitVisible(`#essay-result`),
		chromedp.Text(`#result-text`, &result),
		chromedp.Navigate(fmt.Sprintf("%s/contests/%d/essay-results", e.srv.URL, c)),
		chromedp.WaitVisible(`#results-table`),
		chromedp.Text(`#results-table`, &board),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(result, "Hạng 1") || !strings.Contains(result, "75") || !strings.Contains(result, "Giải Nhất") {
		t.Fatalf("participant's result %q", result)
	}
	if !strings.Contains(board, "Vũ H. Y.") || strings.Contains(board, "Hải Yến") || !strings.Contains(board, code) {
		t.Fatalf("public board %q", board)
	}
	noHorizontalScroll(t, ctx, "results page")
}
