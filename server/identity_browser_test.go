package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserRegisterLogoutLogin(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	if _, err := e.app.accounts.UpsertUnit(context.Background(), unitNamed("Trường THPT Chu Văn An")); err != nil {
		t.Fatal(err)
	}
	ctx := newPhoneBrowser(t)
	phone := newPhone()
	var greeting string
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/register"),
		chromedp.WaitVisible(`#register-form`),
		chromedp.SendKeys(`#full_name`, "Lê Thị Hoa"),
		chromedp.SetValue(`#birth_date`, "2009-02-14"),
		chromedp.SendKeys(`#phone`, phone),
		chromedp.SendKeys(`#password`, "mat-khau-cua-hoa"),
		// Typing part of the unit's name without diacritics finds it.
		chromedp.SendKeys(`#unit_search`, "chu van"),
		chromedp.Poll(`document.querySelectorAll('#unit-options option').length > 0`, nil),
		chromedp.SetValue(`#unit_search`, "Trường THPT Chu Văn An"),
		chromedp.Evaluate(`document.getElementById('unit_search').dispatchEvent(new Event('input')); true`, nil),
		chromedp.Poll(`document.getElementById('unit_id').value !== ''`, nil),
		chromedp.SetValue(`#category`, "hoc_sinh"),
	)
	if err != nil {
		t.Fatal(err)
	}
	noHorizontalScroll(t, ctx, "/register")
	err = chromedp.Run(ctx,
		chromedp.Click(`#register-form button[type=submit]`),
		chromedp.WaitVisible(`#logout`),
		chromedp.Text(`main h1`, &greeting),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(greeting, "Lê Thị Hoa") {
		t.Fatalf("home after registering says %q", greeting)
	}
	var unitID int64
	if err := e.db.Get(&unitID, "SELECT unit_id FROM users WHERE phone = $1", phone); err != nil || unitID == 0 {
		t.Fatalf("registered without the chosen unit: %v", err)
	}

	// Log out, then a wrong password shows the error, the right one logs in.
	var formError string
	err = chromedp.Run(ctx,
		chromedp.Click(`#logout`),
		chromedp.WaitVisible(`a[href="/login"]`),
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(`#login-form`),
		chromedp.SendKeys(`#login`, phone),
		chromedp.SendKeys(`#password`, "sai-mat-khau"),
		chromedp.Click(`#login-form button[type=submit]`),
		chromedp.Poll(`document.querySelector('[data-error-for="_form"]').textContent !== ''`, nil),
		chromedp.Text(`[data-error-for="_form"]`, &formError),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(formError, "không đúng") {
		t.Fatalf("wrong password shows %q", formError)
	}
	noHorizontalScroll(t, ctx, "/login")
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`document.getElementById('password').value = ''; true`, nil),
		chromedp.SendKeys(`#password`, "mat-khau-cua-hoa"),
		chromedp.Click(`#login-form button[type=submit]`),
		chromedp.WaitVisible(`#logout`),
		chromedp.Text(`main h1`, &greeting),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(greeting, "Lê Thị Hoa") {
		t.Fatalf("home after login says %q", greeting)
	}
}

func TestBrowserRegisterShowsFieldErrors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	if _, err := e.app.accounts.UpsertUnit(context.Background(), unitNamed("Phường Hoàn Kiếm")); err != nil {
		t.Fatal(err)
	}
	ctx := newPhoneBrowser(t)
	var phoneErr, invalid string
	err := chromedp.Run(ctx,
		chromedp.Navigate(e.srv.URL+"/register"),
		chromedp.WaitVisible(`#register-form`),
		chromedp.SendKeys(`#full_name`, "Phạm Minh Tuấn"),
		chromedp.SetValue(`#birth_date`, "1990-01-01"),
		chromedp.SendKeys(`#phone`, "12345"),
		chromedp.SendKeys(`#password`, "mat-khau-dai-du"),
		chromedp.SendKeys(`#unit_search`, "hoan kiem"),
		chromedp.Poll(`document.querySelectorAll('#unit-options option').length > 0`, nil),
		chromedp.SetValue(`#unit_search`, "Phường Hoàn Kiếm"),
		chromedp.Evaluate(`document.getElementById('unit_search').dispatchEvent(new Event('input')); true`, nil),
		chromedp.Poll(`document.getElementById('unit_id').value !== ''`, nil),
		chromedp.SetValue(`#category`, "nguoi_dan"),
		chromedp.Click(`#register-form button[type=submit]`),
		chromedp.Poll(`document.getElementById('phone-err').textContent !== ''`, nil),
		chromedp.Text(`#phone-err`, &phoneErr),
		chromedp.AttributeValue(`#phone`, "aria-invalid", &invalid, nil),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(phoneErr, "Số điện thoại") || invalid != "true" {
		t.Fatalf("phone error %q, aria-invalid %q", phoneErr, invalid)
	}
}
