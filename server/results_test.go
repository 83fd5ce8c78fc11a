package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lawcontest/contest"
	"lawcontest/contest/leaderboard"
)

// resultsEnv is a quiz server with a round and people who took it.
type resultsEnv struct {
	*quizEnv
	round  string
	people []person
}

type person struct {
	token, id, phone, citizenID, email, name string
}

// register signs a participant up with every identifying detail, so that
// the tests can look for them where they must not be.
func (q *quizEnv) register(name, unitID string) person {
	q.t.Helper()
	n := phoneSeq.Add(1)
	p := person{phone: newPhone(), citizenID: fmt.Sprintf("0012080%05d", n), email: fmt.Sprintf("ts%d@truong.edu.vn", n), name: name}
	body := registration(p.phone)
	body["full_name"] = name
	body["citizen_id"] = p.citizenID
	body["email"] = p.email
	if unitID != "" {
		body["unit_id"] = unitID
	}
	res := q.expect(q.do("POST", "/api/v1/participants", body, request{}), http.StatusCreated)
	var out struct {
		Participant struct{ ID string } `json:"participant"`
		Token       string              `json:"token"`
	}
	res.decode(q.t, &out)
	p.token, p.id = out.Token, out.Participant.ID
	return p
}

// take starts an attempt and submits right answers to the first correct
// questions, wrong ones to the rest, with a prediction.
func (q *quizEnv) take(round string, p person, correct, prediction int) submitBody {
	q.t.Helper()
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: p.token}), http.StatusCreated).decode(q.t, &a)
	answers := map[string]string{}
	for i, qu := range a.Attempt.Questions {
		right := q.bank.correct(mustInt(q.t, qu.ID))
		for _, o := range qu.Options {
			if (i < correct) == (o.ID == right) {
				answers[qu.ID] = o.ID
				break
			}
		}
	}
	q.clock.Advance(time.Second)
	var s submitBody
	q.expect(q.do("POST", "/api/v1/attempts/"+a.Attempt.ID+"/submit", map[string]any{"answers": answers, "prediction": prediction},
		request{token: p.token}), http.StatusOK).decode(q.t, &s)
	return s
}

// newResultsEnv: a quiz server whose submits go to the live board, with
// a round that four people of one unit took.
func newResultsEnv(t *testing.T) *resultsEnv {
	t.Helper()
	q := newQuizEnv(t)
	q.app.contests = contest.New(q.db, q.bank, q.app.board, q.clock, contest.Options{Grace: q.cfg.AnswerGrace, Logger: q.app.log})
	var unit string
	if err := q.db.Get(&unit, `INSERT INTO units (name, kind, search_key, member_count) VALUES ('Trường THPT Việt Đức', 'school', 'truong thpt viet duc', 40) RETURNING id::text`); err != nil {
		t.Fatal(err)
	}
	e := &resultsEnv{quizEnv: q, round: q.round(map[string]any{"prediction_question": "Có bao nhiêu người trả lời đúng tất cả các câu hỏi?"})}
	// The server's repairer builds the (empty) board of a live round.
	if _, err := leaderboard.NewRepairer(q.app.board, q.app.boardStore, nil).RepairOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	names := []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung"}
	for i, n := range names {
		p := q.register(n, unit)
		e.people = append(e.people, p)
		q.take(e.round, p, 4-i/2, 2+i) // two all correct: a (predicts 2) before b (predicts 3)
	}
	return e
}

func TestResultsAPIFromCloseToPublication(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	org := request{token: e.org}
	prizes := map[string]int{"first": 1, "second": 1, "third": 0, "consolation": 1}
	e.expect(e.do("PUT", "/api/v1/admin/rounds/"+e.round+"/prizes", prizes, org), http.StatusOK)

	// Before closing: no results anywhere.
	e.expect(e.do("GET", "/api/v1/rounds/"+e.round+"/results", nil, request{}), http.StatusNotFound)
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/results", nil, org), http.StatusNotFound)
	e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/publish", nil, org), http.StatusConflict)

	var closed struct {
		Closing struct {
			CorrectPredictionAnswer int  `json:"correct_prediction_answer"`
			Participants            int  `json:"participants"`
			Automatic               bool `json:"automatic"`
		} `json:"closing"`
	}
	e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/close", nil, org), http.StatusOK).decode(t, &closed)
	if closed.Closing.CorrectPredictionAnswer != 2 || closed.Closing.Participants != 4 || closed.Closing.Automatic {
		t.Fatalf("closing %+v", closed)
	}
	again := e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/close", nil, org), http.StatusOK)
	var closed2 = closed
	again.decode(t, &closed2)
	if closed2 != closed {
		t.Fatalf("closing again: %s", again.Body)
	}
	// Nobody starts in a closed round.
	late := e.register("Võ Minh Em", "")
	e.expect(e.do("POST", "/api/v1/rounds/"+e.round+"/attempts", nil, request{token: late.token}), http.StatusConflict)

	var adm struct {
		Entries []struct {
			Rank          int64  `json:"rank"`
			ParticipantID string `json:"participant_id"`
			Prize         string `json:"prize"`
		} `json:"entries"`
		Total int64 `json:"total"`
	}
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/results", nil, org), http.StatusOK).decode(t, &adm)
	if adm.Total != 4 || adm.Entries[0].ParticipantID != e.people[0].id || adm.Entries[0].Prize != "first" ||
		adm.Entries[1].Prize != "second" || adm.Entries[2].Prize != "consolation" || adm.Entries[3].Prize != "" {
		t.Fatalf("admin results %+v", adm)
	}

	var pub struct {
		Publication struct {
			Version int `json:"version"`
			Entries int `json:"entries"`
		} `json:"publication"`
	}
	e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/publish", nil, org), http.StatusOK).decode(t, &pub)
	if pub.Publication.Version != 1 || pub.Publication.Entries != 4 {
		t.Fatalf("publication %+v", pub)
	}
	e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/publish", map[string]any{}, org), http.StatusOK).decode(t, &pub)
	if pub.Publication.Version != 1 {
		t.Fatalf("publishing again made version %d", pub.Publication.Version)
	}

	res := e.expect(e.do("GET", "/api/v1/rounds/"+e.round+"/results", nil, request{}), http.StatusOK)
	var public struct {
		Entries []struct {
			Rank           int64  `json:"rank"`
			DisplayName    string `json:"display_name"`
			Unit           string `json:"unit"`
			Score          int    `json:"score"`
			Prediction     *int   `json:"prediction"`
			PredictionDiff *int64 `json:"prediction_diff"`
			DurationMS     int64  `json:"duration_ms"`
			Prize          string `json:"prize"`
		} `json:"entries"`
		CorrectPredictionAnswer *int   `json:"correct_prediction_answer"`
		PublishedAt             string `json:"published_at"`
	}
	res.decode(t, &public)
	if len(public.Entries) != 4 || public.Entries[0].DisplayName != "Nguyễn V. A." || public.Entries[0].Unit != "Trường THPT Việt Đức" ||
		public.Entries[0].Score != 20 || *public.Entries[0].PredictionDiff != 0 || *public.Entries[1].PredictionDiff != 1 ||
		public.Entries[0].Prize != "first" || *public.CorrectPredictionAnswer != 2 || public.PublishedAt == "" {
		t.Fatalf("public results %s", res.Body)
	}
	// The public list shows no phone, e-mail, citizen id or full name.
	for _, p := range e.people {
		for _, secret := range []string{p.phone, p.citizenID, p.email, p.name, "participant_id", "attempt_id"} {
			if strings.Contains(string(res.Body), secret) {
				t.Fatalf("public results show %q: %s", secret, res.Body)
			}
		}
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	e.expect(e.do("GET", "/api/v1/rounds/"+e.round+"/results", nil, request{headers: map[string]string{"If-None-Match": etag}}), http.StatusNotModified)

	// Disqualifying the winner changes the current results, not the
	// published list, until republished with a reason.
	dq := map[string]any{"participant_id": e.people[0].id, "reason": "Đăng ký hai tài khoản"}
	e.expect(e.do("POST", "/api/v1/admin/contests/"+e.contest+"/disqualifications", dq, org), http.StatusOK)
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/results", nil, org), http.StatusOK).decode(t, &adm)
	if adm.Total != 3 || adm.Entries[0].ParticipantID != e.people[1].id || adm.Entries[0].Prize != "first" {
		t.Fatalf("after disqualifying %+v", adm)
	}
	e.expect(e.do("GET", "/api/v1/rounds/"+e.round+"/results", nil, request{}), http.StatusOK).decode(t, &public)
	if public.Entries[0].DisplayName != "Nguyễn V. A." {
		t.Fatal("the published list changed without a republication")
	}
	bad := e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/publish", map[string]any{"republish": true}, org), http.StatusUnprocessableEntity)
	if bad.apiError(t).Fields["reason"] == "" {
		t.Fatalf("republish without a reason: %s", bad.Body)
	}
	e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/publish", map[string]any{"republish": true, "reason": "Loại thí sinh vi phạm"}, org), http.StatusOK).decode(t, &pub)
	if pub.Publication.Version != 2 || pub.Publication.Entries != 3 {
		t.Fatalf("republication %+v", pub)
	}
	e.expect(e.do("GET", "/api/v1/rounds/"+e.round+"/results", nil, request{}), http.StatusOK).decode(t, &public)
	if len(public.Entries) != 3 || public.Entries[0].DisplayName != "Trần T. B." {
		t.Fatalf("republished list %+v", public.Entries)
	}
	var audits []string
	e.db.Select(&audits, `SELECT action FROM audit_log WHERE action LIKE 'results.%' OR action = 'round.close' ORDER BY id`)
	want := []string{"results.prizes", "round.close", "results.compute", "results.publish", "results.disqualify", "results.republish"}
	if strings.Join(audits, ",") != strings.Join(want, ",") {
		t.Fatalf("audit %v, want %v", audits, want)
	}
}

func TestResultsExportsStatsAndAccess(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	org := request{token: e.org}
	e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/close", nil, org), http.StatusOK)

	res := e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/results?format=csv", nil, org), http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Header.Get("Content-Disposition"), ".csv") {
		t.Fatalf("csv headers %v", res.Header)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0][0] != "Hạng" || recs[1][2] != "Nguyễn Văn An" || recs[1][4] != e.people[0].phone ||
		recs[1][5] != e.people[0].email || recs[1][6] != e.people[0].citizenID {
		t.Fatalf("csv %q", recs)
	}
	res = e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/results?format=xlsx", nil, org), http.StatusOK)
	x, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("Kết quả")
	if len(rows) != 6 || rows[2][2] != "Nguyễn Văn An" {
		t.Fatalf("xlsx rows %q", rows)
	}
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/results?format=pdf", nil, org), http.StatusUnprocessableEntity)
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/results?format=csv&list=published", nil, org), http.StatusNotFound)

	var st struct {
		Participants   int                          `json:"participants"`
		Attempts       int                          `json:"attempts"`
		Submitted      int                          `json:"submitted"`
		InProgress     int                          `json:"in_progress"`
		ByUnit         []struct{ Participants int } `json:"by_unit"`
		ScoreHistogram []struct {
			CorrectCount int `json:"correct_count"`
			Participants int `json:"participants"`
		} `json:"score_histogram"`
		Questions []struct {
			Text         string  `json:"text"`
			CorrectShare float64 `json:"correct_share"`
		} `json:"questions"`
	}
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/stats", nil, org), http.StatusOK).decode(t, &st)
	if st.Participants != 4 || st.Attempts != 4 || st.Submitted != 4 || st.InProgress != 0 || len(st.ByUnit) != 1 ||
		len(st.ScoreHistogram) != 5 || st.ScoreHistogram[4].Participants != 2 || len(st.Questions) == 0 || st.Questions[0].Text == "" {
		t.Fatalf("stats %+v", st)
	}
	var units struct {
		ByRate []struct {
			Rate float64 `json:"participation_rate"`
		} `json:"by_participation_rate"`
	}
	e.expect(e.do("GET", "/api/v1/admin/contests/"+e.contest+"/unit-rankings", nil, org), http.StatusOK).decode(t, &units)
	if len(units.ByRate) != 1 || units.ByRate[0].Rate != 0.1 {
		t.Fatalf("unit rankings %+v", units)
	}
	var dupes struct {
		Groups []any `json:"groups"`
	}
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/duplicates", nil, org), http.StatusOK).decode(t, &dupes)
	if dupes.Groups == nil {
		t.Fatal("groups is null, want a list")
	}

	// Organizers only.
	tok := e.people[0].token
	admin := []struct{ method, path string }{
		{"POST", "/api/v1/admin/rounds/" + e.round + "/close"},
		{"POST", "/api/v1/admin/rounds/" + e.round + "/publish"},
		{"GET", "/api/v1/admin/rounds/" + e.round + "/results?format=csv"},
		{"GET", "/api/v1/admin/rounds/" + e.round + "/stats"},
		{"GET", "/api/v1/admin/rounds/" + e.round + "/live"},
		{"GET", "/api/v1/admin/rounds/" + e.round + "/duplicates"},
		{"PUT", "/api/v1/admin/rounds/" + e.round + "/prizes"},
		{"POST", "/api/v1/admin/contests/" + e.contest + "/disqualifications"},
		{"GET", "/api/v1/admin/contests/" + e.contest + "/unit-rankings"},
	}
	for _, r := range admin {
		e.expect(e.do(r.method, r.path, map[string]any{}, request{token: tok}), http.StatusForbidden)
		e.expect(e.do(r.method, r.path, map[string]any{}, request{}), http.StatusUnauthorized)
	}
}

func TestResultsPagesRender(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	org := request{token: e.org}
	// Before closing: the live page, its panel; no results yet.
	live := e.expect(e.do("GET", "/admin/rounds/"+e.round+"/live", nil, org), http.StatusOK)
	for _, want := range []string{"<svg", "live-panel", "close-form"} {
		if !strings.Contains(string(live.Body), want) {
			t.Fatalf("live page lacks %q", want)
		}
	}
	panel := e.expect(e.do("GET", "/admin/rounds/"+e.round+"/live/panel", nil, org), http.StatusOK)
	if strings.Contains(string(panel.Body), "<html") || !strings.Contains(string(panel.Body), "<svg") {
		t.Fatalf("panel is not a fragment with charts: %.200s", panel.Body)
	}
	page := e.expect(e.do("GET", "/rounds/"+e.round+"/results", nil, request{}), http.StatusNotFound)
	if !strings.Contains(string(page.Body), "chưa được công bố") {
		t.Fatalf("results page before publication: %.300s", page.Body)
	}

	e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/close", nil, org), http.StatusOK)
	e.expect(e.do("POST", "/api/v1/admin/rounds/"+e.round+"/publish", nil, org), http.StatusOK)
	live = e.expect(e.do("GET", "/admin/rounds/"+e.round+"/live", nil, org), http.StatusOK)
	for _, want := range []string{"Nguyễn Văn An", "dupes-button", "republish-form", "format=xlsx", "Độ phân biệt"} {
		if !strings.Contains(string(live.Body), want) {
			t.Fatalf("closed round's live page lacks %q", want)
		}
	}
	page = e.expect(e.do("GET", "/rounds/"+e.round+"/results", nil, request{}), http.StatusOK)
	for _, want := range []string{"Nguyễn V. A.", "Giải Nhất", "2 người"} {
		if !strings.Contains(string(page.Body), want) {
			t.Fatalf("results page lacks %q", want)
		}
	}
	for _, p := range e.people {
		if strings.Contains(string(page.Body), p.phone) || strings.Contains(string(page.Body), p.name) {
			t.Fatal("results page shows a phone or a full name")
		}
	}
	// Light for a phone on mobile data: the page and all it loads.
	total := len(page.Body)
	for _, m := range assetRef.FindAllStringSubmatch(string(page.Body), -1) {
		total += len(e.expect(e.do("GET", m[1], nil, request{}), http.StatusOK).Body)
	}
	total += len(e.expect(e.do("GET", "/static/js/api.js", nil, request{}), http.StatusOK).Body)
	if total > 60<<10 {
		t.Errorf("the results page weighs %d bytes on first load", total)
	}
	e.expect(e.do("GET", "/admin/contests/"+e.contest+"/units", nil, org), http.StatusOK)
	contestPage := e.expect(e.do("GET", "/contests/"+e.contest, nil, request{}), http.StatusOK)
	if !strings.Contains(string(contestPage.Body), "/rounds/"+e.round+"/results") {
		t.Fatal("the contest page does not link the results")
	}
	e.expect(e.do("GET", "/admin/rounds/"+e.round+"/live", nil, request{token: e.people[0].token}), http.StatusForbidden)
}

// TestAdminBoardWhileFrozen: once the organizer freezes the public board,
// the public sees no places but the organizer's live page still gets the
// whole board, with full names.
func TestAdminBoardWhileFrozen(t *testing.T) {
	t.Parallel()
	e := newResultsEnv(t)
	org := request{token: e.org}
	e.expect(e.do("PUT", "/api/v1/admin/rounds/"+e.round+"/leaderboard", map[string]any{"freeze_at": e.clock.Now().Format(time.RFC3339)}, org), http.StatusOK)
	var public boardBody
	e.expect(e.do("GET", "/api/v1/rounds/"+e.round+"/leaderboard", nil, request{}), http.StatusOK).decode(t, &public)
	if !public.Frozen || len(public.Entries) != 0 {
		t.Fatalf("public board while frozen: %+v", public)
	}
	var board struct {
		Entries []struct {
			Rank     int64  `json:"rank"`
			FullName string `json:"full_name"`
			Score    int    `json:"score"`
		} `json:"entries"`
		Total int64 `json:"total"`
	}
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/board?limit=3", nil, org), http.StatusOK).decode(t, &board)
	if board.Total != 4 || len(board.Entries) != 3 || board.Entries[0].FullName != "Nguyễn Văn An" || board.Entries[0].Score != 20 {
		t.Fatalf("organizer board %+v", board)
	}
	e.expect(e.do("GET", "/api/v1/admin/rounds/"+e.round+"/board", nil, request{token: e.people[0].token}), http.StatusForbidden)
	page := e.expect(e.do("GET", "/admin/rounds/"+e.round+"/live", nil, org), http.StatusOK)
	if !strings.Contains(string(page.Body), "đang được ẩn") {
		t.Fatal("the live page does not say the public board is frozen")
	}
}
