package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"lawcontest/account"
	"lawcontest/audit"
	"lawcontest/contest"
	"lawcontest/contest/essay"
	"lawcontest/contest/leaderboard"
	"lawcontest/questions"
)

// The authorization matrix: every route of the route table, called by
// every kind of caller, with real objects of the fixture in its path and a
// valid body. Callers the matrix allows must succeed; every other caller
// gets 401, 403 or 404 in the API's error shape (pages: a redirect to
// /login or the 403 page) and the database and Redis stay exactly as they
// were. A route without an entry fails the test, so a new route cannot
// ship without someone deciding who may call it.
//
// Adding a route: add one line to authzMatrix below. If its path needs an
// object the fixture lacks, add it to newAuthzFixture (f.vars) once.

// who is one caller of the matrix.
type who int

const (
	anonymous        who = iota
	owner                // the participant who owns the fixture's attempts
	otherParticipant     // a participant who owns nothing of the fixture's
	ownerJudge           // the judge the fixture's assignments belong to
	otherJudge           // a judge with other assignments
	organizerCaller
	adminCaller
	callerCount
)

func (w who) String() string {
	return [...]string{"anonymous", "owner participant", "other participant", "owner judge", "other judge", "organizer", "admin"}[w]
}

func (w who) role() string {
	return [...]string{"", account.RoleParticipant, account.RoleParticipant, account.RoleJudge, account.RoleJudge,
		account.RoleOrganizer, account.RoleAdmin}[w]
}

// Caller sets the entries use.
var (
	everyone     = []who{anonymous, owner, otherParticipant, ownerJudge, otherJudge, organizerCaller, adminCaller}
	anySignedIn  = everyone[1:]
	participants = []who{owner, otherParticipant}
	ownerOnly    = []who{owner}
	organizers   = []who{organizerCaller, adminCaller}
	adminOnly    = []who{adminCaller}
	judges       = []who{ownerJudge, otherJudge}
	// ownerJudgeOnly: the judge the seat is assigned to.
	ownerJudgeOnly = []who{ownerJudge}
)

// authzCase says how to call one route and who may.
type authzCase struct {
	// path is the request path; {name} is replaced by the fixture's
	// f.vars[name] (or prep's).
	path  string
	allow []who
	// body returns a valid request body (nil: none); called per request,
	// so it may return unique values.
	body func(f *authzFixture) any
	// upload returns a raw body and its content type (file uploads).
	upload func(f *authzFixture) ([]byte, string)
	// prep runs before each call and returns path values for that call
	// only: fresh objects for routes that use one up (submit, delete).
	prep func(f *authzFixture) map[string]string
	// status is what an allowed caller gets when it is not a 2xx: a
	// documented domain answer the fixture cannot avoid. Keep these rare.
	status map[who]int
	// freshParticipants: each participant caller is a new account made
	// for the call (routes about "me" whose answer depends on history).
	freshParticipants bool
}

func authzMatrix() map[string]authzCase {
	return map[string]authzCase{
		// Operations. /metrics is public on purpose: it carries route
		// patterns and counts, never a path with an id or a person.
		"GET /healthz":  {path: "/healthz", allow: everyone},
		"GET /readyz":   {path: "/readyz", allow: everyone},
		"GET /metrics":  {path: "/metrics", allow: everyone},
		"GET /static/*": {path: "/static/css/app.css", allow: everyone},
		"GET /sw.js":    {path: "/sw.js", allow: everyone},

		// Identity.
		"POST /api/v1/participants": {path: "/api/v1/participants", allow: everyone,
			body: func(*authzFixture) any { return registration(newPhone()) }},
		"POST /api/v1/sessions": {path: "/api/v1/sessions", allow: everyone,
			body: func(f *authzFixture) any {
				return map[string]string{"login": f.ownerPhone, "password": "mat-khau-an-toan"}
			}},
		"DELETE /api/v1/sessions":     {path: "/api/v1/sessions", allow: anySignedIn},
		"DELETE /api/v1/sessions/all": {path: "/api/v1/sessions/all", allow: anySignedIn},
		"GET /api/v1/session":         {path: "/api/v1/session", allow: everyone},
		"GET /api/v1/me":              {path: "/api/v1/me", allow: anySignedIn},
		// New accounts: whoever has taken part cannot change their data.
		"PATCH /api/v1/me": {path: "/api/v1/me", allow: participants, freshParticipants: true,
			body: func(f *authzFixture) any { return map[string]string{"email": f.unique("ban") + "@example.vn"} }},
		"GET /api/v1/units": {path: "/api/v1/units?q=truong", allow: everyone},
		"POST /api/v1/admin/users": {path: "/api/v1/admin/users", allow: adminOnly, body: func(f *authzFixture) any {
			return map[string]string{"username": f.unique("gk"), "password": "mat-khau-moi-1", "role": "judge", "display_name": "Giám khảo mới"}
		}},
		"GET /api/v1/admin/participants": {path: "/api/v1/admin/participants", allow: organizers},
		"GET /api/v1/admin/audit":        {path: "/api/v1/admin/audit", allow: organizers},
		"GET /admin":                     {path: "/admin", allow: organizers},
		"PATCH /api/v1/admin/participants/:id": {path: "/api/v1/admin/participants/{owner}", allow: organizers,
			body: func(f *authzFixture) any { return map[string]string{"email": f.unique("sua") + "@example.vn"} }},

		// Contests and quiz rounds.
		"GET /api/v1/contests":       {path: "/api/v1/contests", allow: everyone},
		"GET /api/v1/contests/:id":   {path: "/api/v1/contests/{contest}", allow: everyone},
		"GET /api/v1/admin/contests": {path: "/api/v1/admin/contests", allow: organizers},
		"POST /api/v1/admin/contests": {path: "/api/v1/admin/contests", allow: organizers, body: func(f *authzFixture) any {
			return map[string]any{"kind": "quiz", "title": "Cuộc thi " + f.unique("moi"), "description": "Mô tả",
				"starts_at": testNow.Add(24 * time.Hour), "ends_at": testNow.Add(40 * 24 * time.Hour)}
		}},
		"GET /api/v1/admin/contests/:id": {path: "/api/v1/admin/contests/{contest}", allow: organizers},
		"PATCH /api/v1/admin/contests/:id": {path: "/api/v1/admin/contests/{contest}", allow: organizers,
			body: func(f *authzFixture) any { return map[string]string{"description": "Mô tả " + f.unique("sua")} }},
		"POST /api/v1/admin/contests/:id/rounds": {path: "/api/v1/admin/contests/{contest}/rounds", allow: organizers,
			body: func(f *authzFixture) any { return f.roundBody(map[string]any{"title": "Đợt " + f.unique("moi")}) }},
		"GET /api/v1/admin/rounds/:id": {path: "/api/v1/admin/rounds/{round}", allow: organizers},
		"PATCH /api/v1/admin/rounds/:id": {path: "/api/v1/admin/rounds/{upcoming_round}", allow: organizers,
			body: func(f *authzFixture) any { return map[string]string{"title": "Đợt " + f.unique("sua")} }},
		// A practice round: starting there does not lock anyone's registration.
		"POST /api/v1/rounds/:id/attempts": {path: "/api/v1/rounds/{practice_round}/attempts", allow: participants},
		"GET /api/v1/attempts/:id":         {path: "/api/v1/attempts/{attempt}", allow: ownerOnly},
		"PUT /api/v1/attempts/:id/answers/:question_id": {path: "/api/v1/attempts/{attempt}/answers/{question}", allow: ownerOnly,
			body: func(f *authzFixture) any { return map[string]string{"option_id": f.vars["option"]} }},
		"PUT /api/v1/attempts/:id/prediction": {path: "/api/v1/attempts/{attempt}/prediction", allow: ownerOnly,
			body: func(*authzFixture) any { return map[string]int{"prediction": 12} }},
		"POST /api/v1/attempts/:id/submit": {path: "/api/v1/attempts/{fresh_attempt}/submit", allow: ownerOnly,
			prep: func(f *authzFixture) map[string]string { return map[string]string{"fresh_attempt": f.freshAttempt()} },
			body: func(*authzFixture) any { return map[string]any{"answers": map[string]string{}} }},
		"GET /api/v1/attempts/:id/review": {path: "/api/v1/attempts/{closed_attempt}/review", allow: ownerOnly},
		"GET /api/v1/me/attempts":         {path: "/api/v1/me/attempts", allow: participants},
		"GET /contests/:id":               {path: "/contests/{contest}", allow: everyone},
		// The quiz and review pages are shells that load the attempt
		// through the API, which refuses other people's attempts (above):
		// the page itself shows another participant nothing.
		"GET /attempts/:id":                  {path: "/attempts/{attempt}", allow: participants},
		"GET /attempts/:id/review":           {path: "/attempts/{closed_attempt}/review", allow: participants},
		"GET /admin/contests":                {path: "/admin/contests", allow: organizers},
		"GET /admin/contests/new":            {path: "/admin/contests/new", allow: organizers},
		"GET /admin/contests/:id":            {path: "/admin/contests/{contest}", allow: organizers},
		"GET /admin/contests/:id/rounds/new": {path: "/admin/contests/{contest}/rounds/new", allow: organizers},
		"GET /admin/rounds/:id":              {path: "/admin/rounds/{round}", allow: organizers},

		// Live leaderboards. The other participant has not taken part.
		"GET /api/v1/rounds/:id/leaderboard": {path: "/api/v1/rounds/{closed_round}/leaderboard", allow: everyone},
		"GET /api/v1/rounds/:id/leaderboard/me": {path: "/api/v1/rounds/{closed_round}/leaderboard/me", allow: participants,
			status: map[who]int{otherParticipant: http.StatusNotFound}},
		"GET /api/v1/admin/rounds/:id/leaderboard": {path: "/api/v1/admin/rounds/{round}/leaderboard", allow: organizers},
		"PUT /api/v1/admin/rounds/:id/leaderboard": {path: "/api/v1/admin/rounds/{round}/leaderboard", allow: organizers,
			body: func(*authzFixture) any { return map[string]any{"freeze_at": nil} }},
		"GET /rounds/:id/leaderboard": {path: "/rounds/{closed_round}/leaderboard", allow: everyone},

		// Question bank.
		"GET /api/v1/admin/questions": {path: "/api/v1/admin/questions?category=Lu%E1%BA%ADt%20Tr%E1%BA%BB%20em&limit=5", allow: organizers},
		"POST /api/v1/admin/questions": {path: "/api/v1/admin/questions", allow: organizers,
			body: func(f *authzFixture) any { return bankQuestion(f.unique("Câu hỏi ")) }},
		"GET /api/v1/admin/questions/categories": {path: "/api/v1/admin/questions/categories", allow: organizers},
		"POST /api/v1/admin/questions/import": {path: "/api/v1/admin/questions/import", allow: organizers,
			upload: func(f *authzFixture) ([]byte, string) {
				rows := qRows(2)
				for i := range rows {
					rows[i][0] = f.unique("Câu hỏi nhập ") + "?"
				}
				return multipartFile(f.t, "file", "cau-hoi.csv", qCSV(f.t, ',', qHeaderEN, rows))
			}},
		"GET /api/v1/admin/questions/export":   {path: "/api/v1/admin/questions/export?format=csv", allow: organizers},
		"GET /api/v1/admin/questions/template": {path: "/api/v1/admin/questions/template?format=xlsx", allow: organizers},
		"GET /api/v1/admin/questions/:id":      {path: "/api/v1/admin/questions/{bank_question}", allow: organizers},
		"PATCH /api/v1/admin/questions/:id": {path: "/api/v1/admin/questions/{bank_question}", allow: organizers,
			body: func(f *authzFixture) any { return map[string]any{"explanation": f.unique("Giải thích ")} }},
		"DELETE /api/v1/admin/questions/:id": {path: "/api/v1/admin/questions/{fresh_question}", allow: organizers,
			prep: func(f *authzFixture) map[string]string { return map[string]string{"fresh_question": f.bankQuestion()} }},
		"GET /admin/questions":          {path: "/admin/questions", allow: organizers},
		"GET /admin/questions/new":      {path: "/admin/questions/new", allow: organizers},
		"GET /admin/questions/import":   {path: "/admin/questions/import", allow: organizers},
		"GET /admin/questions/:id/edit": {path: "/admin/questions/{bank_question}/edit", allow: organizers},

		// Essay contests and judging.
		"POST /api/v1/contests/:id/essays": {path: "/api/v1/contests/{fresh_essay_contest}/essays", allow: participants,
			prep: func(f *authzFixture) map[string]string {
				return map[string]string{"fresh_essay_contest": f.essayContest(testNow.Add(10 * 24 * time.Hour))}
			},
			body: func(*authzFixture) any {
				return map[string]any{"title": "Việc tốt", "body": essayBody, "declaration": true}
			}},
		// The other participant wrote no essay there.
		"GET /api/v1/contests/:id/essays/mine": {path: "/api/v1/contests/{essay_contest}/essays/mine", allow: participants,
			status: map[who]int{otherParticipant: http.StatusNotFound}},
		"GET /api/v1/contests/:id/essay-info": {path: "/api/v1/contests/{essay_contest}/essay-info", allow: everyone},
		"PUT /api/v1/essays/:id": {path: "/api/v1/essays/{essay}", allow: ownerOnly,
			body: func(f *authzFixture) any {
				return map[string]any{"title": "Việc tốt " + f.unique("v"), "body": essayBody}
			}},
		"GET /api/v1/me/essays":                  {path: "/api/v1/me/essays", allow: participants},
		"GET /api/v1/contests/:id/essay-results": {path: "/api/v1/contests/{published_essay_contest}/essay-results", allow: everyone},
		"GET /api/v1/judge/assignments":          {path: "/api/v1/judge/assignments", allow: judges},
		"GET /api/v1/judge/assignments/:id":      {path: "/api/v1/judge/assignments/{assignment}", allow: ownerJudgeOnly},
		"PUT /api/v1/judge/assignments/:id": {path: "/api/v1/judge/assignments/{assignment}", allow: ownerJudgeOnly,
			body: func(*authzFixture) any {
				return map[string]any{"scores": essaySheet(50), "comment": "Khá", "final": false}
			}},
		"GET /api/v1/admin/contests/:id/essay-settings": {path: "/api/v1/admin/contests/{essay_contest}/essay-settings", allow: organizers},
		"PUT /api/v1/admin/contests/:id/essay-settings": {path: "/api/v1/admin/contests/{essay_contest}/essay-settings", allow: organizers,
			body: func(*authzFixture) any { return essay.DefaultSettings() }},
		"GET /api/v1/admin/contests/:id/rubric": {path: "/api/v1/admin/contests/{essay_contest}/rubric", allow: organizers},
		"PUT /api/v1/admin/contests/:id/rubric": {path: "/api/v1/admin/contests/{essay_contest}/rubric", allow: organizers,
			body: func(*authzFixture) any { return essayRubric }},
		"POST /api/v1/admin/contests/:id/assignments": {path: "/api/v1/admin/contests/{ended_essay_contest}/assignments", allow: organizers,
			body: func(f *authzFixture) any {
				return map[string]any{"judges_per_essay": 1, "judge_ids": []string{idString(f.users[ownerJudge].ID)}}
			}},
		"GET /api/v1/admin/contests/:id/judging":          {path: "/api/v1/admin/contests/{ended_essay_contest}/judging", allow: organizers},
		"GET /api/v1/admin/contests/:id/essay-duplicates": {path: "/api/v1/admin/contests/{ended_essay_contest}/essay-duplicates", allow: organizers},
		"POST /api/v1/admin/contests/:id/shortlist": {path: "/api/v1/admin/contests/{two_stage_contest}/shortlist", allow: organizers,
			body: func(*authzFixture) any { return map[string]any{"min_mark": 0} }},
		"POST /api/v1/admin/essays/:id/disqualify": {path: "/api/v1/admin/essays/{fresh_essay}/disqualify", allow: organizers,
			prep: func(f *authzFixture) map[string]string { return map[string]string{"fresh_essay": f.freshEssay()} },
			body: func(*authzFixture) any { return map[string]any{"disqualified": true, "reason": "Sao chép"} }},
		"POST /api/v1/admin/contests/:id/essay-results/publish": {path: "/api/v1/admin/contests/{published_essay_contest}/essay-results/publish", allow: organizers},
		"GET /api/v1/admin/contests/:id/essay-results":          {path: "/api/v1/admin/contests/{published_essay_contest}/essay-results", allow: organizers},
		"GET /contests/:id/essay":                               {path: "/contests/{essay_contest}/essay", allow: participants},
		"GET /contests/:id/essay-results":                       {path: "/contests/{published_essay_contest}/essay-results", allow: everyone},
		"GET /judge":                                            {path: "/judge", allow: judges},
		// A shell like the quiz page: the API refuses other judges' seats.
		"GET /judge/assignments/:id":     {path: "/judge/assignments/{assignment}", allow: judges},
		"GET /admin/contests/:id/essays": {path: "/admin/contests/{essay_contest}/essays", allow: organizers},

		// Pages.
		"GET /":         {path: "/", allow: everyone},
		"GET /register": {path: "/register", allow: everyone},
		"GET /login":    {path: "/login", allow: everyone},
	}
}

// authzFixture is one server with one object of each kind, owned by known
// callers.
type authzFixture struct {
	t          *testing.T
	q          *quizEnv
	users      [callerCount]*account.User
	ownerPhone string
	vars       map[string]string
	seq        int
	noRedirect *http.Client
	tables     []string
}

func (f *authzFixture) unique(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%d", prefix, f.seq)
}

func newAuthzFixture(t *testing.T) *authzFixture {
	t.Helper()
	q := newQuizEnv(t)
	// With the live board, as the server runs.
	q.app.contests = contest.New(q.db, q.bank, q.app.board, q.clock, contest.Options{Grace: q.cfg.AnswerGrace, Logger: q.app.log})
	ctx := context.Background()
	f := &authzFixture{t: t, q: q, vars: map[string]string{"contest": q.contest}}
	f.noRedirect = q.srv.Client()
	f.noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	register := func() (*account.User, string, string) {
		phone := newPhone()
		res := q.expect(q.do("POST", "/api/v1/participants", registration(phone), request{}), http.StatusCreated)
		var out struct {
			Participant struct{ ID string } `json:"participant"`
			Token       string              `json:"token"`
		}
		res.decode(t, &out)
		u, err := q.app.accounts.Get(ctx, mustInt(t, out.Participant.ID))
		if err != nil {
			t.Fatal(err)
		}
		return u, phone, out.Token
	}
	var ownerTok string
	f.users[owner], f.ownerPhone, ownerTok = register()
	f.users[otherParticipant], _, _ = register()
	f.vars["owner"] = idString(f.users[owner].ID)
	for w, name := range map[who]string{ownerJudge: "gk.chu", otherJudge: "gk.khac", adminCaller: "quantri"} {
		q.staff(w.role(), name)
	}
	for w, name := range map[who]string{ownerJudge: "gk.chu", otherJudge: "gk.khac", organizerCaller: "btc", adminCaller: "quantri"} {
		u, err := q.app.accounts.FindStaff(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		f.users[w] = u
	}

	// A round the owner finished and that has closed: its review is open.
	closed := q.round(map[string]any{"title": "Đợt đã đóng"})
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+closed+"/attempts", nil, request{token: ownerTok}), http.StatusCreated).decode(t, &a)
	q.expect(q.do("POST", "/api/v1/attempts/"+a.Attempt.ID+"/submit", map[string]any{"answers": map[string]string{}}, request{token: ownerTok}), http.StatusOK)
	if _, err := q.app.contests.CloseNow(ctx, f.actor(organizerCaller), mustInt(t, closed)); err != nil {
		t.Fatal(err)
	}
	f.vars["closed_attempt"] = a.Attempt.ID
	f.vars["closed_round"] = closed

	// An open ranked round with the owner's attempt in progress.
	f.vars["round"] = q.round(map[string]any{"title": "Đợt đang mở"})
	q.expect(q.do("POST", "/api/v1/rounds/"+f.vars["round"]+"/attempts", nil, request{token: ownerTok}), http.StatusCreated).decode(t, &a)
	f.vars["attempt"] = a.Attempt.ID
	f.vars["question"] = a.Attempt.Questions[0].ID
	f.vars["option"] = a.Attempt.Questions[0].Options[0].ID

	f.vars["practice_round"] = q.round(map[string]any{"title": "Thi thử", "practice": true})
	f.vars["upcoming_round"] = q.round(map[string]any{"title": "Đợt sắp mở",
		"opens_at": testNow.Add(48 * time.Hour), "closes_at": testNow.Add(72 * time.Hour)})

	f.essays(ownerTok)
	f.vars["bank_question"] = f.bankQuestion()
	if _, err := leaderboard.NewRepairer(q.app.board, q.app.boardStore, nil).RepairOnce(ctx); err != nil {
		t.Fatal(err)
	}

	if err := q.db.Select(&f.tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *authzFixture) actor(w who) audit.Actor {
	return audit.Actor{ID: f.users[w].ID, Role: f.users[w].Role}
}

// essayContest inserts a published essay contest open from a day before
// testNow until ends, and returns its id.
func (f *authzFixture) essayContest(ends time.Time) string {
	var id int64
	err := f.q.db.Get(&id, `INSERT INTO contests (kind, title, published, starts_at, ends_at, created_at, updated_at)
		VALUES ('essay', $1, true, $2, $3, $2, $2) RETURNING id`, "Bài viết "+f.unique("c"), testNow.Add(-24*time.Hour), ends)
	if err != nil {
		f.t.Fatal(err)
	}
	return idString(id)
}

// essays makes essay contests at every stage: open with the owner's essay;
// ended with the owner's essay assigned to the owner judge (not scored);
// two-stage with the preliminary marks final; published.
func (f *authzFixture) essays(ownerTok string) {
	q := f.q
	org := f.token(organizerCaller)
	judgeTok := f.token(ownerJudge)
	ap := func(c string) string { return "/api/v1/admin/contests/" + c }
	submit := func(c string) string {
		var out struct{ Essay struct{ ID string } }
		q.expect(q.do("POST", "/api/v1/contests/"+c+"/essays", map[string]any{"title": "Việc tốt nhỏ", "body": essayBody, "declaration": true},
			request{token: ownerTok}), http.StatusCreated).decode(f.t, &out)
		return out.Essay.ID
	}
	// ended: an essay, a rubric, the contest over, the owner judge seated.
	ended := func(settings map[string]any) (string, string) {
		c := f.essayContest(testNow.Add(24 * time.Hour))
		if settings != nil {
			q.expect(q.do("PUT", ap(c)+"/essay-settings", settings, request{token: org}), http.StatusOK)
		}
		submit(c)
		q.expect(q.do("PUT", ap(c)+"/rubric", essayRubric, request{token: org}), http.StatusOK)
		if _, err := q.db.Exec(`UPDATE contests SET ends_at = $2 WHERE id = $1`, c, testNow.Add(-time.Minute)); err != nil {
			f.t.Fatal(err)
		}
		q.expect(q.do("POST", ap(c)+"/assignments", map[string]any{"judges_per_essay": 1,
			"judge_ids": []string{idString(f.users[ownerJudge].ID)}}, request{token: org}), http.StatusOK)
		var seat int64
		if err := q.db.Get(&seat, `SELECT a.id FROM essay_assignments a JOIN essays e ON e.id = a.essay_id WHERE e.contest_id = $1`, c); err != nil {
			f.t.Fatal(err)
		}
		return c, idString(seat)
	}
	score := func(seat string) {
		q.expect(q.do("PUT", "/api/v1/judge/assignments/"+seat, map[string]any{"scores": essaySheet(70), "final": true},
			request{token: judgeTok}), http.StatusOK)
	}

	f.vars["essay_contest"] = f.essayContest(testNow.Add(10 * 24 * time.Hour))
	f.vars["essay"] = submit(f.vars["essay_contest"])
	f.vars["ended_essay_contest"], f.vars["assignment"] = ended(nil)

	two := essay.DefaultSettings()
	two.TwoStage, two.JudgesPerEssay = true, 1
	var twoMap map[string]any
	b, _ := json.Marshal(two)
	json.Unmarshal(b, &twoMap)
	c, seat := ended(twoMap)
	score(seat)
	f.vars["two_stage_contest"] = c

	c, seat = ended(nil)
	score(seat)
	q.expect(q.do("POST", ap(c)+"/essay-results/publish", nil, request{token: org}), http.StatusOK)
	f.vars["published_essay_contest"] = c
}

// bankQuestion is a valid new question of the bank.
func bankQuestion(text string) map[string]any {
	return map[string]any{"text": text + "?", "options": []string{"Đúng", "Sai"}, "correct": 0,
		"category": "Luật Trẻ em", "difficulty": "easy", "legal_reference": "Điều 1 Luật Trẻ em 2016"}
}

// bankQuestion adds a question to the bank through the API and returns its id.
func (f *authzFixture) bankQuestion() string {
	var out struct{ Question struct{ ID string } }
	f.q.expect(f.q.do("POST", "/api/v1/admin/questions", bankQuestion(f.unique("Câu hỏi của ngân hàng ")),
		request{token: f.token(organizerCaller)}), http.StatusCreated).decode(f.t, &out)
	return out.Question.ID
}

// freshEssay is a new participant's essay in the open essay contest.
func (f *authzFixture) freshEssay() string {
	u := f.newParticipant()
	e, err := f.q.app.essays.Submit(context.Background(), essayActorOf(u.ID), mustInt(f.t, f.vars["essay_contest"]), essayDraft())
	if err != nil {
		f.t.Fatal(err)
	}
	return idString(e.ID)
}

// newParticipant inserts a participant who has done nothing yet.
func (f *authzFixture) newParticipant() *account.User {
	var id int64
	err := f.q.db.Get(&id, `INSERT INTO users (role, phone, password_hash, full_name, display_name, created_at, updated_at)
		VALUES ('participant', $1, 'x', 'Thí Sinh Mới', 'Thí Sinh Mới', $2, $2) RETURNING id`, newPhone(), testNow)
	if err != nil {
		f.t.Fatal(err)
	}
	u, err := f.q.app.accounts.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// roundBody is a valid round of the fixture's contest, open now.
func (f *authzFixture) roundBody(changes map[string]any) map[string]any {
	body := map[string]any{
		"title": "Đợt", "opens_at": testNow.Add(-time.Hour), "closes_at": testNow.Add(24 * time.Hour),
		"duration_ms": 600_000, "max_attempts": 2, "points_per_question": 5,
		"blueprint": []map[string]any{{"category": "Luật An ninh mạng", "count": 2}, {"category": "Luật Trẻ em", "count": 2}},
	}
	for k, v := range changes {
		body[k] = v
	}
	return body
}

// freshAttempt starts an attempt of the owner in a new practice round.
func (f *authzFixture) freshAttempt() string {
	ctx := context.Background()
	r, err := f.q.app.contests.CreateRound(ctx, f.actor(organizerCaller), mustInt(f.t, f.q.contest), contest.RoundInput{
		Title: "Thi thử " + f.unique("r"), OpensAt: testNow.Add(-time.Hour), ClosesAt: testNow.Add(24 * time.Hour),
		DurationMS: 600_000, PointsPerQuestion: 5, Practice: true,
		Blueprint: questions.Blueprint{{Category: "Luật Trẻ em", Count: 2}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	v, _, err := f.q.app.contests.Start(ctx, r.ID, f.users[owner].ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return idString(v.ID)
}

// token starts a new session for w (none for anonymous): every call gets
// its own, so routes that end sessions do not disturb the next call.
func (f *authzFixture) token(w who) string {
	if w == anonymous {
		return ""
	}
	return f.tokenFor(f.users[w])
}

func (f *authzFixture) tokenFor(u *account.User) string {
	tok, _, err := f.q.app.accounts.CreateSession(context.Background(), u, f.q.app.sessions)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// fingerprint is a digest of every table's rows and of every Redis key of
// the server but the rate-limit counters (which count refused calls too).
func (f *authzFixture) fingerprint() map[string]string {
	f.t.Helper()
	parts := make([]string, len(f.tables))
	for i, tb := range f.tables {
		parts[i] = fmt.Sprintf(`SELECT %s::text AS name, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS sum FROM %q t`,
			"'"+tb+"'", tb)
	}
	var rows []struct {
		Name string `db:"name"`
		Sum  string `db:"sum"`
	}
	if err := f.q.db.Select(&rows, strings.Join(parts, " UNION ALL ")); err != nil {
		f.t.Fatal(err)
	}
	out := make(map[string]string, len(rows)+1)
	for _, r := range rows {
		out[r.Name] = r.Sum
	}
	ctx := context.Background()
	keys, err := f.q.rdb.Keys(ctx, f.q.prefix+"*").Result()
	if err != nil {
		f.t.Fatal(err)
	}
	sort.Strings(keys)
	var redisSum strings.Builder
	for _, k := range keys {
		if strings.HasPrefix(k, f.q.prefix+"rl:") {
			continue
		}
		v, _ := f.q.rdb.Dump(ctx, k).Result()
		fmt.Fprintf(&redisSum, "%s=%x;", k, v)
	}
	out["redis"] = redisSum.String()
	return out
}

func changed(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if before[k] != v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// upload is a raw request body with its content type.
type upload struct {
	data  []byte
	ctype string
}

// call makes one request as w: API calls with a bearer token, pages with
// the session cookie, as a browser would.
func (f *authzFixture) call(w who, tok, method, path string, body any, page bool) *testResponse {
	r := request{client: f.noRedirect}
	if up, ok := body.(upload); ok {
		body, r.raw, r.ctype = nil, up.data, up.ctype
	}
	if tok != "" {
		if page {
			r.headers = map[string]string{"Cookie": sessionCookie + "=" + tok}
		} else {
			r.token = tok
		}
	}
	return f.q.do(method, path, body, r)
}

func (f *authzFixture) pathFor(c authzCase, extra map[string]string) string {
	p := c.path
	for k, v := range extra {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	for k, v := range f.vars {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	if strings.ContainsAny(p, "{}") {
		f.t.Fatalf("%s: no fixture value for a name in the path", p)
	}
	return p
}

// check calls r as every caller: the denied ones first (they must change
// nothing), then the allowed ones.
func (f *authzFixture) check(t *testing.T, key string, r route, c authzCase) {
	page := r.method == http.MethodGet && !r.bare && !strings.HasPrefix(r.path, "/api/")
	allowed := map[who]bool{}
	for _, w := range c.allow {
		allowed[w] = true
	}
	var order []who
	for _, w := range everyone {
		if !allowed[w] {
			order = append(order, w)
		}
	}
	order = append(order, c.allow...)
	for _, w := range order {
		var extra map[string]string
		if c.prep != nil {
			extra = c.prep(f)
		}
		path := f.pathFor(c, extra)
		var body any
		if c.body != nil {
			body = c.body(f)
		}
		if c.upload != nil {
			data, ctype := c.upload(f)
			body = upload{data, ctype}
		}
		tok := f.token(w)
		if c.freshParticipants && w.role() == account.RoleParticipant {
			tok = f.tokenFor(f.newParticipant())
		}
		if allowed[w] {
			res := f.call(w, tok, r.method, path, body, page)
			want := c.status[w]
			switch {
			case want != 0 && res.Status != want:
				t.Errorf("%s as %s: want %d, got %d: %.300s", key, w, want, res.Status, res.Body)
			case want == 0 && (res.Status < 200 || res.Status > 299):
				t.Errorf("%s as %s: allowed but got %d: %.300s", key, w, res.Status, res.Body)
			}
			continue
		}
		before := f.fingerprint()
		res := f.call(w, tok, r.method, path, body, page)
		if ch := changed(before, f.fingerprint()); len(ch) > 0 {
			t.Errorf("%s as %s: refused (%d) but changed %v", key, w, res.Status, ch)
		}
		f.expectDenied(t, key, r, w, res, page)
	}
}

func (f *authzFixture) expectDenied(t *testing.T, key string, r route, w who, res *testResponse, page bool) {
	t.Helper()
	var status int
	var code string
	switch {
	case w == anonymous && r.access != public:
		status, code = http.StatusUnauthorized, "unauthenticated"
	case w != anonymous && !r.access.allows(w.role()):
		status, code = http.StatusForbidden, "forbidden"
	default: // the role may call the route, but the object is not theirs
		if res.Status != http.StatusNotFound && res.Status != http.StatusForbidden {
			t.Errorf("%s as %s: want 404 or 403 for an object not theirs, got %d: %.300s", key, w, res.Status, res.Body)
			return
		}
		status, code = res.Status, map[int]string{404: "not_found", 403: "forbidden"}[res.Status]
	}
	if page {
		if status == http.StatusUnauthorized {
			if loc := res.Header.Get("Location"); res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
				t.Errorf("%s as %s: want a redirect to /login, got %d %q", key, w, res.Status, loc)
			}
			return
		}
		if res.Status != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s as %s: want the %d page, got %d %s", key, w, status, res.Status, res.Header.Get("Content-Type"))
		}
		return
	}
	if res.Status != status {
		t.Errorf("%s as %s: want %d, got %d: %.300s", key, w, status, res.Status, res.Body)
		return
	}
	if r.bare {
		return
	}
	if er := res.apiError(t); er.Code != code {
		t.Errorf("%s as %s: want code %q, got %q", key, w, code, er.Code)
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	f := newAuthzFixture(t)
	matrix := authzMatrix()
	inTable := map[string]bool{}
	calls := 0
	for _, r := range f.q.app.routes() {
		key := r.method + " " + r.path
		inTable[key] = true
		c, ok := matrix[key]
		if !ok {
			t.Errorf("route %s has no entry in the authorization matrix (authzMatrix in server/authz_test.go): say who may call it", key)
			continue
		}
		f.check(t, key, r, c)
		calls += len(everyone)
	}
	for key := range matrix {
		if !inTable[key] {
			t.Errorf("the authorization matrix has an entry for %s, which is not in the route table", key)
		}
	}
	t.Logf("authorization matrix: %d routes x %d callers = %d calls", len(inTable), len(everyone), calls)
}

// Every state-changing route called with the session cookie but without
// the CSRF token is refused with 403 and changes nothing, whoever calls:
// a page of another site can make the browser send the cookie, never the
// token.
func TestEveryStateChangeNeedsTheCSRFTokenWithACookie(t *testing.T) {
	t.Parallel()
	f := newAuthzFixture(t)
	matrix := authzMatrix()
	checked := 0
	for _, r := range f.q.app.routes() {
		c, ok := matrix[r.method+" "+r.path]
		if !ok || r.bare || r.method == http.MethodGet || r.method == http.MethodHead {
			continue
		}
		w := c.allow[0]
		if w == anonymous {
			w = owner // public routes (login, register) called from a signed-in browser
		}
		var extra map[string]string
		if c.prep != nil {
			extra = c.prep(f)
		}
		var body any
		if c.body != nil {
			body = c.body(f)
		}
		if c.upload != nil {
			data, ctype := c.upload(f)
			body = upload{data, ctype}
		}
		tok := f.token(w)
		for _, csrf := range []string{"", "forged-token"} {
			before := f.fingerprint()
			req := request{client: f.noRedirect, headers: map[string]string{"Cookie": sessionCookie + "=" + tok}, csrf: csrf}
			if up, ok := body.(upload); ok {
				req.raw, req.ctype = up.data, up.ctype
			}
			var b any
			if _, ok := body.(upload); !ok {
				b = body
			}
			res := f.q.do(r.method, f.pathFor(c, extra), b, req)
			if res.Status != http.StatusForbidden || res.apiError(t).Code != "forbidden" {
				t.Errorf("%s %s with a cookie and CSRF token %q: %d %.200s", r.method, r.path, csrf, res.Status, res.Body)
			}
			if ch := changed(before, f.fingerprint()); len(ch) > 0 {
				t.Errorf("%s %s without the CSRF token changed %v", r.method, r.path, ch)
			}
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d state-changing routes checked", checked)
	}
	t.Logf("%d state-changing routes refuse a cookie without the CSRF token", checked)
}
