package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type attemptBody struct {
	Attempt struct {
		ID         string `json:"id"`
		RoundID    string `json:"round_id"`
		AttemptNo  int    `json:"attempt_no"`
		Status     string `json:"status"`
		StartedAt  string `json:"started_at"`
		DeadlineAt string `json:"deadline_at"`
		ServerTime string `json:"server_time"`
		Questions  []struct {
			ID      string `json:"id"`
			Text    string `json:"text"`
			Options []struct {
				ID   string `json:"id"`
				Text string `json:"text"`
			} `json:"options"`
		} `json:"questions"`
		Answers            map[string]string `json:"answers"`
		PredictionQuestion string            `json:"prediction_question"`
	} `json:"attempt"`
}

type submitBody struct {
	Attempt struct {
		ID            string `json:"id"`
		Status        string `json:"status"`
		Score         int    `json:"score"`
		CorrectCount  int    `json:"correct_count"`
		QuestionCount int    `json:"question_count"`
		DurationMS    int64  `json:"duration_ms"`
		SubmittedAt   string `json:"submitted_at"`
	} `json:"attempt"`
	Rank *struct {
		Position int64 `json:"position"`
		Total    int64 `json:"total"`
	} `json:"rank"`
	Review []map[string]any `json:"review"`
}

func TestQuizAPIWholeAttempt(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	round := q.round(map[string]any{"prediction_question": "Bao nhiêu người trả lời đúng tất cả?"})
	tok, _ := q.participant()

	// Public contest page data: rounds with their status, times in UTC.
	var c struct {
		Contest struct {
			Rounds []struct {
				ID      string `json:"id"`
				Status  string `json:"status"`
				OpensAt string `json:"opens_at"`
			} `json:"rounds"`
		} `json:"contest"`
	}
	q.expect(q.do("GET", "/api/v1/contests/"+q.contest, nil, request{}), http.StatusOK).decode(t, &c)
	if len(c.Contest.Rounds) != 1 || c.Contest.Rounds[0].ID != round {
		t.Fatalf("contest rounds %+v", c.Contest.Rounds)
	}

	res := q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusCreated)
	var a attemptBody
	res.decode(t, &a)
	if len(a.Attempt.Questions) != 4 || a.Attempt.ServerTime != "2026-11-23T01:00:00Z" || a.Attempt.DeadlineAt != "2026-11-23T01:10:00Z" ||
		a.Attempt.PredictionQuestion == "" {
		t.Fatalf("start body %s", res.Body)
	}
	for _, bad := range []string{"correct", "explanation", "legal_reference", "Giải thích", "Điều 8"} {
		if strings.Contains(string(res.Body), bad) {
			t.Fatalf("the start body hints at the answer (%q): %s", bad, res.Body)
		}
	}
	again := q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusOK)
	var a2 attemptBody
	again.decode(t, &a2)
	if a2.Attempt.ID != a.Attempt.ID {
		t.Fatalf("second start gave another attempt")
	}

	id := a.Attempt.ID
	qs := a.Attempt.Questions
	put := func(qid, opt, token string) *testResponse {
		return q.do("PUT", "/api/v1/attempts/"+id+"/answers/"+qid, map[string]string{"option_id": opt}, request{token: token})
	}
	correct := func(i int) string { return q.bank.correct(mustInt(t, qs[i].ID)) }
	wrong := func(i int) string {
		for _, o := range qs[i].Options {
			if o.ID != correct(i) {
				return o.ID
			}
		}
		return ""
	}
	q.expect(put(qs[0].ID, correct(0), tok), http.StatusNoContent)
	q.expect(put(qs[1].ID, wrong(1), tok), http.StatusNoContent)
	if put(qs[1].ID, "khong-co", tok).Status != http.StatusUnprocessableEntity {
		t.Fatal("an option not in the question was accepted")
	}
	if put("999999", qs[1].Options[0].ID, tok).Status != http.StatusUnprocessableEntity {
		t.Fatal("a question not in the paper was accepted")
	}
	other, _ := q.participant()
	q.expect(put(qs[1].ID, qs[1].Options[0].ID, other), http.StatusNotFound)
	q.expect(q.do("GET", "/api/v1/attempts/"+id, nil, request{token: other}), http.StatusNotFound)
	q.expect(q.do("PUT", "/api/v1/attempts/"+id+"/prediction", map[string]int{"prediction": 7}, request{token: tok}), http.StatusNoContent)

	var resumed attemptBody
	q.expect(q.do("GET", "/api/v1/attempts/"+id, nil, request{token: tok}), http.StatusOK).decode(t, &resumed)
	if resumed.Attempt.Answers[qs[0].ID] != correct(0) || len(resumed.Attempt.Answers) != 2 {
		t.Fatalf("resumed answers %v", resumed.Attempt.Answers)
	}

	// Review only after the round closes.
	q.expect(q.do("GET", "/api/v1/attempts/"+id+"/review", nil, request{token: tok}), http.StatusConflict)

	q.clock.Advance(90*time.Second + 250*time.Millisecond)
	body := map[string]any{"answers": map[string]string{qs[2].ID: correct(2)}, "prediction": 12}
	var s submitBody
	q.expect(q.do("POST", "/api/v1/attempts/"+id+"/submit", body, request{token: tok}), http.StatusOK).decode(t, &s)
	if s.Attempt.Status != "submitted" || s.Attempt.CorrectCount != 2 || s.Attempt.Score != 10 || s.Attempt.QuestionCount != 4 ||
		s.Attempt.DurationMS != 90_250 || s.Attempt.SubmittedAt != "2026-11-23T01:01:30.25Z" || s.Rank == nil || s.Rank.Position != 1 || s.Rank.Total != 1 {
		t.Fatalf("submit: %+v rank %+v", s.Attempt, s.Rank)
	}
	// A repeat returns the same stored result.
	var s2 submitBody
	q.expect(q.do("POST", "/api/v1/attempts/"+id+"/submit", map[string]any{"answers": map[string]string{qs[3].ID: correct(3)}}, request{token: tok}), http.StatusOK).decode(t, &s2)
	if s2.Attempt != s.Attempt {
		t.Fatalf("repeat submit %+v, first %+v", s2.Attempt, s.Attempt)
	}
	var stored int
	q.db.Get(&stored, `SELECT count(*) FROM attempt_answers WHERE attempt_id = $1`, mustInt(t, id))
	if stored != 3 {
		t.Fatalf("%d stored answers, want 3", stored)
	}

	var mine struct{ Attempts []map[string]any }
	q.expect(q.do("GET", "/api/v1/me/attempts", nil, request{token: tok}), http.StatusOK).decode(t, &mine)
	if len(mine.Attempts) != 1 || mine.Attempts[0]["score"] != float64(10) {
		t.Fatalf("my attempts %+v", mine.Attempts)
	}

	q.clock.Advance(24 * time.Hour)
	var rv struct {
		Questions []struct {
			Correct         bool   `json:"correct"`
			CorrectOptionID string `json:"correct_option_id"`
			Explanation     string `json:"explanation"`
		} `json:"questions"`
	}
	q.expect(q.do("GET", "/api/v1/attempts/"+id+"/review", nil, request{token: tok}), http.StatusOK).decode(t, &rv)
	if len(rv.Questions) != 4 || !rv.Questions[0].Correct || rv.Questions[1].Correct || rv.Questions[0].Explanation == "" {
		t.Fatalf("review %+v", rv.Questions)
	}
	// Closed: no new attempt.
	res = q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusConflict)
	if res.apiError(t).Code != "round_not_open" {
		t.Fatalf("start after close: %s", res.Body)
	}
}

func TestQuizAPIConcurrentSubmitsAndLimit(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	round := q.round(map[string]any{"max_attempts": 1})
	tok, _ := q.participant()
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &a)
	var wg sync.WaitGroup
	bodies := make([]string, 20)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := q.do("POST", "/api/v1/attempts/"+a.Attempt.ID+"/submit", map[string]any{"answers": map[string]string{}}, request{token: tok})
			var s submitBody
			json.Unmarshal(res.Body, &s)
			b, _ := json.Marshal(s.Attempt)
			bodies[i] = string(b)
		}()
	}
	wg.Wait()
	for _, b := range bodies {
		if b != bodies[0] || !strings.Contains(b, `"submitted"`) {
			t.Fatalf("concurrent submits differ: %s vs %s", b, bodies[0])
		}
	}
	res := q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusConflict)
	if res.apiError(t).Code != "attempt_limit" {
		t.Fatalf("start past the limit: %s", res.Body)
	}
}

func TestQuizAPIDeadlineAndRoles(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	round := q.round(nil)
	tok, _ := q.participant()
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &a)
	qs := a.Attempt.Questions
	q.clock.Advance(10*time.Minute + q.cfg.AnswerGrace + time.Millisecond)
	res := q.expect(q.do("PUT", "/api/v1/attempts/"+a.Attempt.ID+"/answers/"+qs[0].ID, map[string]string{"option_id": qs[0].Options[0].ID}, request{token: tok}), http.StatusConflict)
	if res.apiError(t).Code != "deadline_passed" {
		t.Fatalf("late autosave: %s", res.Body)
	}

	// Roles: anonymous and participants cannot organize; staff cannot take attempts.
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{}), http.StatusUnauthorized)
	q.expect(q.do("POST", "/api/v1/admin/contests", map[string]any{"kind": "quiz"}, request{token: tok}), http.StatusForbidden)
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: q.org}), http.StatusForbidden)

	// Opened: only closes_at may move, and only later.
	if q.expect(q.do("PATCH", "/api/v1/admin/rounds/"+round, map[string]any{"title": "Khác"}, request{token: q.org}), http.StatusConflict).apiError(t).Code != "conflict" {
		t.Fatal("a title change after opening was not refused as a conflict")
	}
	q.expect(q.do("PATCH", "/api/v1/admin/rounds/"+round, map[string]any{"closes_at": testNow.Add(48 * time.Hour)}, request{token: q.org}), http.StatusOK)
	res = q.expect(q.do("PATCH", "/api/v1/admin/rounds/"+round, map[string]any{"duration": 5}, request{token: q.org}), http.StatusUnprocessableEntity)
	if res.apiError(t).Fields["duration"] == "" {
		t.Fatalf("unknown field: %s", res.Body)
	}
	var n int
	q.db.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'round' AND entity_id = $1`, round)
	if n != 2 {
		t.Fatalf("%d audit rows for the round, want 2", n)
	}
}

func TestQuizAPIValidationNamesFields(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	res := q.expect(q.do("POST", "/api/v1/admin/contests/"+q.contest+"/rounds", map[string]any{
		"title": "", "opens_at": testNow, "closes_at": testNow.Add(-time.Hour), "duration_ms": 10,
		"max_attempts": 0, "points_per_question": 0, "blueprint": []map[string]any{{"category": "Luật Đất đai", "count": 3}},
	}, request{token: q.org}), http.StatusUnprocessableEntity)
	f := res.apiError(t).Fields
	for _, k := range []string{"title", "closes_at", "duration_ms", "max_attempts", "points_per_question"} {
		if f[k] == "" {
			t.Errorf("no message for %s: %v", k, f)
		}
	}
	// A blueprint the bank cannot fill is refused when saved.
	res = q.expect(q.do("POST", "/api/v1/admin/contests/"+q.contest+"/rounds", map[string]any{
		"title": "Đợt 9", "opens_at": testNow, "closes_at": testNow.Add(time.Hour), "duration_ms": 600_000,
		"max_attempts": 1, "points_per_question": 1, "blueprint": []map[string]any{{"category": "Luật Đất đai", "count": 3}},
	}, request{token: q.org}), http.StatusUnprocessableEntity)
	if res.apiError(t).Fields["blueprint"] == "" {
		t.Fatalf("blueprint not named: %s", res.Body)
	}
}

func TestQuizPagesRenderAndAreLight(t *testing.T) {
	t.Parallel()
	q := newQuizEnv(t)
	round := q.round(nil)
	tok, _ := q.participant()
	var a attemptBody
	q.expect(q.do("POST", "/api/v1/rounds/"+round+"/attempts", nil, request{token: tok}), http.StatusCreated).decode(t, &a)
	pages := []struct {
		path, token string
	}{
		{"/contests/" + q.contest, ""},
		{"/contests/" + q.contest, tok},
		{"/attempts/" + a.Attempt.ID, tok},
		{"/attempts/" + a.Attempt.ID + "/review", tok},
		{"/", tok},
		{"/admin/contests", q.org},
		{"/admin/contests/new", q.org},
		{"/admin/contests/" + q.contest, q.org},
		{"/admin/contests/" + q.contest + "/rounds/new", q.org},
		{"/admin/rounds/" + round, q.org},
	}
	for _, p := range pages {
		res := q.expect(q.do("GET", p.path, nil, request{token: p.token}), http.StatusOK)
		total := len(res.Body)
		for _, m := range assetRef.FindAllStringSubmatch(string(res.Body), -1) {
			total += len(q.expect(q.do("GET", m[1], nil, request{}), http.StatusOK).Body)
		}
		for _, mod := range []string{"api.js", "quiz_review.js"} {
			total += len(q.expect(q.do("GET", "/static/js/"+mod, nil, request{}), http.StatusOK).Body)
		}
		if total > 100<<10 {
			t.Errorf("%s weighs %d bytes on first load", p.path, total)
		}
	}
	sw := q.expect(q.do("GET", "/sw.js", nil, request{}), http.StatusOK)
	if !strings.HasPrefix(sw.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("service worker served as %q", sw.Header.Get("Content-Type"))
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("not an id: %q", s)
		}
		n = n*10 + int64(r-'0')
	}
	return n
}
