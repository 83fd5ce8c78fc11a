package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"lawcontest/account"
	"lawcontest/audit"
)

// xssPayload is text that runs script wherever it is inserted as HTML
// rather than as text: an image with an error handler, an SVG with a load
// handler and a script element, each with an id so that the test also sees
// an element that was injected but blocked by the CSP. tag names the field.
func xssPayload(tag string) string {
	return fmt.Sprintf(`%s<img src=x id=xss-%s onerror="window.__xss='%s'"><svg id=xss-svg-%s onload="window.__xss='%s'"></svg><script id=xss-s-%s>window.__xss='%s'</script>`,
		tag, tag, tag, tag, tag, tag, tag)
}

// shortXSS fits fields limited to 100 characters.
func shortXSS(tag string) string {
	return fmt.Sprintf(`%s<img src=x id=xss-%s onerror="window.__xss='%s'">`, tag, tag, tag)
}

// setQuestionTexts puts text into every question of the bank (its drawing
// and its rebuilding copies; options share their arrays).
func (b *testBank) setQuestionTexts(text, option, explanation string) {
	for cat, qs := range b.byCat {
		for i := range qs {
			qs[i].Text, qs[i].Explanation, qs[i].LegalReference = text, explanation, explanation
			for k := range qs[i].Options {
				qs[i].Options[k].Text = option
			}
			b.byVersion[qs[i].VersionID] = qs[i]
		}
		b.byCat[cat] = qs
	}
}

// Payloads in every field people type that other people's pages show:
// a participant's name, a staff member's display name, a unit's name (in
// the registration form's search), a contest's title, description and
// rules, a round's title and prediction question, a question's text,
// options and explanation. Every page that shows them is loaded in
// Chromium: the payloads must appear as text, no element of theirs may
// exist, no script of theirs may run and the CSP reports no violation.
func TestBrowserShowsXSSPayloadsAsText(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	ctx := context.Background()
	q.bank.setQuestionTexts(xssPayload("qtext"), shortXSS("qopt"), xssPayload("qexpl"))
	if _, err := q.app.accounts.UpsertUnit(ctx, unitNamed("Trường XSS "+xssPayload("unit"))); err != nil {
		t.Fatal(err)
	}
	q.expect(q.do("PATCH", "/api/v1/admin/contests/"+q.contest, map[string]string{
		"title": "Cuộc thi " + xssPayload("ctitle"), "description": xssPayload("cdesc"), "rules": xssPayload("crules"),
	}, request{token: q.org}), http.StatusOK)
	round := q.round(map[string]any{"title": xssPayload("rtitle"), "prediction_question": xssPayload("pred")})
	closed := q.round(map[string]any{"title": "Đợt đã đóng"})

	// A participant whose name came in through some other door than the
	// registration form (which refuses '<'): an import, an old database.
	phone := newPhone()
	q.expect(q.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)
	if _, err := q.db.Exec(`UPDATE users SET full_name = $2, display_name = $2 WHERE phone = $1`, phone, shortXSS("pname")); err != nil {
		t.Fatal(err)
	}
	ptok := q.login(phone, "mat-khau-an-toan")
	var a, done attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+closed+"/attempts", nil, request{token: ptok}), http.StatusCreated).decode(t, &done)
	q.expect(q.do("POST", "/api/v1/attempts/"+done.Attempt.ID+"/submit", map[string]any{"answers": map[string]string{}}, request{token: ptok}), http.StatusOK)
	org, err := q.app.accounts.FindStaff(ctx, "btc")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.app.contests.CloseNow(ctx, actorFor(org), mustInt(t, closed)); err != nil {
		t.Fatal(err)
	}
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: ptok}), http.StatusCreated).decode(t, &a)

	// A staff member whose display name an admin typed.
	admin := q.staff("admin", "quantri")
	q.expect(q.do("POST", "/api/v1/admin/users", map[string]string{"username": "btc.xss", "password": "mat-khau-moi-1",
		"role": "organizer", "display_name": shortXSS("sname")}, request{token: admin}), http.StatusCreated)
	otok := q.login("btc.xss", "mat-khau-moi-1")

	// A question of the real bank, as organizers see it.
	var bq struct{ Question struct{ ID string } }
	q.expect(q.do("POST", "/api/v1/admin/questions", map[string]any{"text": xssPayload("bqtext"), "options": []string{shortXSS("bqopt"), "Sai"},
		"correct": 0, "category": shortXSS("bqcat"), "difficulty": "easy", "explanation": xssPayload("bqexpl")},
		request{token: q.org}), http.StatusCreated).decode(t, &bq)

	// An essay by the same participant, judged and published.
	ec := idString(q.essayContest())
	ap := "/api/v1/admin/contests/" + ec
	var sub struct{ Essay struct{ ID string } }
	q.expect(q.do("POST", "/api/v1/contests/"+ec+"/essays", map[string]any{"title": xssPayload("etitle"),
		"body": essayBody + "\n\n" + xssPayload("ebody"), "declaration": true}, request{token: ptok}), http.StatusCreated).decode(t, &sub)
	q.expect(q.do("PUT", ap+"/rubric", essayRubric, request{token: q.org}), http.StatusOK)
	if _, err := q.db.Exec(`UPDATE contests SET ends_at = $2 WHERE id = $1`, ec, testNow.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	jtok, jid := q.judgeIn("gk.xss", 0)
	q.expect(q.do("POST", ap+"/assignments", map[string]any{"judges_per_essay": 1, "judge_ids": []string{idString(jid)}}, request{token: q.org}), http.StatusOK)
	seats, _ := q.seats(jtok)
	if len(seats) != 1 {
		t.Fatalf("judge seats %+v", seats)
	}
	q.expect(q.do("PUT", "/api/v1/judge/assignments/"+seats[0].ID, map[string]any{"scores": essaySheet(70), "final": true}, request{token: jtok}), http.StatusOK)
	q.expect(q.do("POST", ap+"/essay-results/publish", nil, request{token: q.org}), http.StatusOK)

	b := newPhoneBrowser(t)
	if err := chromedp.Run(b, chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`window.__csp = [];
			document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`).Do(ctx)
		return err
	})); err != nil {
		t.Fatal(err)
	}
	visits := []struct {
		token, path string
		shows       []string          // tags whose payload the page shows
		actions     []chromedp.Action // after load, before the checks
	}{
		{"", "/register", []string{"unit"}, []chromedp.Action{
			chromedp.SendKeys(`#unit_search`, "truong xss"),
			chromedp.Poll(`document.querySelectorAll('#unit-options option').length > 0`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		}},
		{"", "/", []string{"ctitle"}, nil},
		{"", "/contests/" + q.contest, []string{"ctitle", "cdesc", "crules", "rtitle"}, nil},
		{ptok, "/", []string{"pname", "ctitle"}, nil},
		{ptok, "/attempts/" + a.Attempt.ID, []string{"pname", "qtext", "qopt", "pred"}, nil},
		{ptok, "/attempts/" + done.Attempt.ID + "/review", []string{"qtext", "qopt", "qexpl"}, nil},
		{otok, "/", []string{"sname"}, nil},
		{otok, "/admin/contests", []string{"ctitle"}, nil},
		{otok, "/admin/contests/" + q.contest, []string{"ctitle", "rtitle"}, nil},
		{otok, "/admin/rounds/" + round, []string{"rtitle", "pred"}, nil},
		{otok, "/admin/questions", []string{"bqtext"}, nil},
		{otok, "/admin/questions/" + bq.Question.ID + "/edit", []string{"bqtext", "bqopt", "bqexpl"}, nil},
		{jtok, "/judge", []string{"etitle"}, nil},
		{jtok, "/judge/assignments/" + seats[0].ID, []string{"etitle", "ebody"}, nil},
		{ptok, "/contests/" + ec + "/essay", []string{"etitle", "ebody"}, nil},
		{"", "/contests/" + ec + "/essay-results", []string{"etitle"}, nil},
		{otok, "/admin/contests/" + ec + "/essays", []string{"sname"}, nil},
	}
	for _, v := range visits {
		v := v
		err := chromedp.Run(b,
			network.ClearBrowserCookies(),
			chromedp.ActionFunc(func(ctx context.Context) error {
				if v.token == "" {
					return nil
				}
				return network.SetCookie(sessionCookie, v.token).WithURL(q.srv.URL).WithHTTPOnly(true).Do(ctx)
			}),
			chromedp.Navigate(q.srv.URL+v.path),
		)
		if err == nil && len(v.actions) > 0 {
			err = chromedp.Run(b, v.actions...)
		}
		if err != nil {
			t.Fatalf("%s: %v", v.path, err)
		}
		// Wait until the page (and its scripts) show every payload, as text
		// or as a form field's value.
		for _, tag := range v.shows {
			marker := "id=xss-" + tag
			js := fmt.Sprintf(`document.body.textContent.includes(%q) ||
				[...document.querySelectorAll('input, textarea, option')].some((e) => e.value.includes(%q))`, marker, marker)
			if err := chromedp.Run(b, chromedp.Poll(js, nil, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
				var text string
				chromedp.Run(b, chromedp.Evaluate(`document.body.innerText`, &text))
				t.Fatalf("%s does not show the %s payload as text (%v):\n%.2000s", v.path, tag, err, text)
			}
		}
		var res struct {
			XSS      any      `json:"xss"`
			Injected []string `json:"injected"`
			CSP      []string `json:"csp"`
		}
		if err := chromedp.Run(b, chromedp.Evaluate(`({xss: window.__xss === undefined ? null : window.__xss,
			injected: [...document.querySelectorAll('[id^="xss-"]')].map((e) => e.outerHTML.slice(0, 80)),
			csp: window.__csp})`, &res)); err != nil {
			t.Fatal(err)
		}
		if res.XSS != nil || len(res.Injected) > 0 || len(res.CSP) > 0 {
			t.Errorf("%s: script ran %v, elements injected %v, CSP violations %v", v.path, res.XSS, res.Injected, res.CSP)
		}
	}
}

// actorFor is u as an audit actor.
func actorFor(u *account.User) audit.Actor { return audit.Actor{ID: u.ID, Role: u.Role} }
