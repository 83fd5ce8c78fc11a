package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserOrganizerClosesChecksAndPublishes: on a phone, an organizer
// watches a round, sets its prizes, closes it, checks the would-be
// winners for duplicate accounts, disqualifies one, publishes; the public
// results page then shows the next person first, masked.
func TestBrowserOrganizerClosesChecksAndPublishes(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	// The winner has a second account: same name and birth date.
	twin := e.register("Nguyễn Văn An", "")
	e.take(e.round, twin, 0, 0)
	ctx := newPhoneBrowser(t)
	var dupes, first string
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/login?next=/admin/rounds/"+e.round+"/live"),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#login`, "btc"),
		chromedp.SendKeys(`#password`, "staff-password-1"),
		chromedp.Click(`#login-form button[type=submit]`),
		chromedp.WaitVisible(`#live-panel svg`),
		screenshot(t, "live-running"),
	)
	if err != nil {
		t.Fatal(err)
	}
	noHorizontalScroll(t, ctx, "the live page")
	// submit clicks a button whose action reloads the page and waits for
	// the new page; window.confirm answers yes (the test is the organizer).
	submit := func(sel string) chromedp.Action {
		return chromedp.Tasks{
			chromedp.Evaluate(`window.confirm = () => true; window.oldPage = true`, nil),
			chromedp.Click(sel),
			chromedp.ActionFunc(func(ctx context.Context) error {
				// Evaluating fails while the page navigates: try again
				// until the new page answers.
				for {
					var fresh bool
					err := chromedp.Evaluate(`window.oldPage === undefined && document.readyState === 'complete'`, &fresh).Do(ctx)
					if err == nil && fresh {
						return nil
					}
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-time.After(50 * time.Millisecond):
					}
				}
			}),
		}
	}
	err = chromedp.Run(ctx,
		chromedp.SetValue(`#prizes-form [name=first]`, "1"),
		chromedp.SetValue(`#prizes-form [name=second]`, "1"),
		chromedp.SetValue(`#prizes-form [name=third]`, "0"),
		chromedp.SetValue(`#prizes-form [name=consolation]`, "0"),
		submit(`#prizes-form button[type=submit]`),
		submit(`#close-form button[type=submit]`),
		chromedp.WaitVisible(`#dupes-button`),
		chromedp.Click(`#dupes-button`),
		chromedp.WaitVisible(`#dupes .dupe-group`),
		chromedp.Text(`#dupes`, &dupes),
		screenshot(t, "live-duplicates"),
		// Disqualify the winner's account (the first button of the group).
		chromedp.Click(`#dupes .dupe-group > button.dq`),
		chromedp.WaitVisible(`#dq-form`),
		chromedp.SendKeys(`#dq-reason`, "Một người đăng ký hai tài khoản"),
		submit(`#dq-form button[type=submit]`),
		chromedp.WaitVisible(`.lift-form`),
		submit(`#publish-form button[type=submit]`),
		chromedp.WaitVisible(`#republish-form`),
		screenshot(t, "live-published"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dupes, "trùng họ tên và ngày sinh") {
		t.Fatalf("duplicate report %q", dupes)
	}
	noHorizontalScroll(t, ctx, "the live page of a closed round")
	err = chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/rounds/"+e.round+"/results"),
		chromedp.WaitVisible(`table.results`),
		chromedp.Text(`table.results tbody tr:first-child`, &first),
		screenshot(t, "results-public"),
	)
	if err != nil {
		t.Fatal(err)
	}
	noHorizontalScroll(t, ctx, "the results page")
	if !strings.Contains(first, "Trần T. B.") || !strings.Contains(first, "Giải Nhất") {
		t.Fatalf("first line of the results %q", first)
	}
}
