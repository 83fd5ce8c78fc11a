package server

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserLeaderboard: the public board on a phone, then the same page
// for a signed-in participant, who also sees their own place; the page
// picks up a new submit by itself.
func TestBrowserLeaderboard(t *testing.T) {
	t.Parallel()
	b := newBoardEnv(t)
	round := b.round(nil)
	b.repairOnce()
	phone := newPhone()
	reg := registration(phone)
	reg["full_name"] = "Đỗ Quang Huy"
	var huy struct{ Token string }
	b.expect(b.do("POST", "/api/v1/participants", reg, request{}), 201).decode(t, &huy)
	b.take(round, huy.Token, 4, 3*time.Minute)
	other, _ := b.participant()
	b.take(round, other, 2, time.Minute)

	ctx := newPhoneBrowser(t)
	var names, asof string
	err := chromedp.Run(ctx,
		chromedp.Navigate(b.srv.URL+"/rounds/"+round+"/leaderboard"),
		chromedp.Poll(`document.querySelectorAll('#board-list li').length === 2`, nil),
		chromedp.Text(`#board-list`, &names),
		chromedp.Text(`#board-asof`, &asof),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(names, "Đỗ Q. H.") || strings.Contains(names, "Quang") || !strings.Contains(names, "20 điểm") ||
		strings.Index(names, "Đỗ Q. H.") > strings.Index(names, "Trần T. B.") || !strings.Contains(names, "3:00") {
		t.Fatalf("board shows %q", names)
	}
	if !strings.Contains(asof, "2 thí sinh") {
		t.Fatalf("as of line %q", asof)
	}
	noHorizontalScroll(t, ctx, "/rounds/:id/leaderboard")

	// A third participant submits: the open page shows them without a reload.
	third, _ := b.participant()
	b.take(round, third, 3, 2*time.Minute)
	if err := chromedp.Run(ctx, chromedp.Poll(`document.querySelectorAll('#board-list li').length === 3`, nil, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the page did not pick up the new submit: %v", err)
	}

	var mine string
	err = chromedp.Run(ctx,
		chromedp.Navigate(b.srv.URL+"/login"),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#login`, phone),
		chromedp.SendKeys(`#password`, "mat-khau-an-toan"),
		chromedp.Click(`#login-form button[type=submit]`),
		chromedp.WaitVisible(`#logout`),
		chromedp.Navigate(b.srv.URL+"/rounds/"+round+"/leaderboard"),
		chromedp.WaitVisible(`#mine`),
		chromedp.Poll(`document.getElementById('mine-text').textContent !== ''`, nil),
		chromedp.Text(`#mine-text`, &mine),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mine, "Hạng 1/3") || !strings.Contains(mine, "20 điểm") {
		t.Fatalf("own line %q", mine)
	}
	noHorizontalScroll(t, ctx, "/rounds/:id/leaderboard (signed in)")
}
