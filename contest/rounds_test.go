package contest

import (
	"strings"
	"testing"
	"time"

	"lawcontest/apperr"
	"lawcontest/questions"
)

func TestContestCreateListUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.svc.CreateContest(e.ctx, e.org, ContestInput{Kind: "chess", Title: "  ", StartsAt: t0, EndsAt: t0})
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.Validation || len(ae.Fields) != 3 {
		t.Fatalf("bad contest: %v", err)
	}
	for _, f := range []string{"kind", "title", "ends_at"} {
		if _, ok := ae.Fields[f]; !ok {
			t.Errorf("no message for %s: %v", f, ae.Fields)
		}
	}

	draft, err := e.svc.CreateContest(e.ctx, e.org, ContestInput{Kind: KindEssay, Title: " Viết về  hành động đẹp ",
		StartsAt: t0.Add(time.Hour), EndsAt: t0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if draft.Title != "Viết về hành động đẹp" || draft.Status != ContestDraft {
		t.Fatalf("draft %+v", draft)
	}
	quiz := e.quizContest()
	if quiz.Status != ContestOpen {
		t.Fatalf("quiz status %q", quiz.Status)
	}
	public, _ := e.svc.Contests(e.ctx, false)
	all, _ := e.svc.Contests(e.ctx, true)
	if len(public) != 1 || public[0].ID != quiz.ID || len(all) != 2 {
		t.Fatalf("public %d, all %d", len(public), len(all))
	}
	_, err = e.svc.Contest(e.ctx, draft.ID, false)
	wantCode(t, err, apperr.NotFound)

	pub := true
	title := "Viết về những hành động đẹp trên mạng"
	up, err := e.svc.UpdateContest(e.ctx, e.org, draft.ID, ContestPatch{Published: &pub, Title: &title})
	if err != nil || !up.Published || up.Title != title || up.Status != ContestUpcoming || up.Kind != KindEssay {
		t.Fatalf("update: %+v %v", up, err)
	}

	// A contest cannot shrink away from its rounds.
	e.svc.CreateRound(e.ctx, e.org, quiz.ID, roundInput(1))
	early := t0.Add(2 * time.Hour)
	_, err = e.svc.UpdateContest(e.ctx, e.org, quiz.ID, ContestPatch{EndsAt: &early})
	wantCode(t, err, apperr.Conflict)

	var actions []string
	e.db.Select(&actions, `SELECT action FROM audit_log WHERE actor_id = $1 ORDER BY id`, e.org.ID)
	want := "contest.create contest.create contest.update round.create"
	if strings.Join(actions, " ") != want {
		t.Fatalf("audit log %v, want %s", actions, want)
	}
}

func TestRoundValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.quizContest()
	cases := []struct {
		name  string
		edit  func(*RoundInput)
		field string
	}{
		{"no title", func(r *RoundInput) { r.Title = " " }, "title"},
		{"closes before opens", func(r *RoundInput) { r.ClosesAt = r.OpensAt }, "closes_at"},
		{"no opening", func(r *RoundInput) { r.OpensAt = time.Time{} }, "opens_at"},
		{"duration in seconds", func(r *RoundInput) { r.DurationMS = 600 }, "duration_ms"},
		{"duration too long", func(r *RoundInput) { r.DurationMS = 4 * 3600_000 }, "duration_ms"},
		{"no attempts", func(r *RoundInput) { r.MaxAttempts = 0 }, "max_attempts"},
		{"no points", func(r *RoundInput) { r.PointsPerQuestion = 0 }, "points_per_question"},
		{"empty blueprint", func(r *RoundInput) { r.Blueprint = nil }, "blueprint"},
		{"blank category", func(r *RoundInput) { r.Blueprint[0].Category = "" }, "blueprint"},
		{"bad difficulty", func(r *RoundInput) { r.Blueprint[0].Difficulty = "extreme" }, "blueprint"},
		{"zero count", func(r *RoundInput) { r.Blueprint[0].Count = 0 }, "blueprint"},
		{"too many questions", func(r *RoundInput) { r.Blueprint[0].Count = 99; r.Blueprint[1].Count = 2 }, "blueprint"},
		{"bank lacks questions", func(r *RoundInput) { r.Blueprint[0].Count = 31 }, "blueprint"},
		{"unknown category", func(r *RoundInput) { r.Blueprint[0].Category = "Luật Đất đai" }, "blueprint"},
		{"long prediction", func(r *RoundInput) { r.PredictionQuestion = strings.Repeat("x", 501) }, "prediction_question"},
		{"before the contest", func(r *RoundInput) { r.OpensAt = c.StartsAt.Add(-time.Second) }, "opens_at"},
		{"after the contest", func(r *RoundInput) { r.ClosesAt = c.EndsAt.Add(time.Second) }, "closes_at"},
	}
	for _, tc := range cases {
		in := roundInput(1)
		in.Blueprint = append(questions.Blueprint(nil), in.Blueprint...)
		tc.edit(&in)
		_, err := e.svc.CreateRound(e.ctx, e.org, c.ID, in)
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.Validation {
			t.Errorf("%s: got %v, want a validation error", tc.name, err)
			continue
		}
		if _, ok := ae.Fields[tc.field]; !ok {
			t.Errorf("%s: fields %v, want %s", tc.name, ae.Fields, tc.field)
		}
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM rounds`)
	if n != 0 {
		t.Fatalf("%d rounds stored from bad input", n)
	}

	essay, _ := e.svc.CreateContest(e.ctx, e.org, ContestInput{Kind: KindEssay, Title: "Bài viết", StartsAt: c.StartsAt, EndsAt: c.EndsAt})
	_, err := e.svc.CreateRound(e.ctx, e.org, essay.ID, roundInput(1))
	wantCode(t, err, apperr.Conflict)
	_, err = e.svc.CreateRound(e.ctx, e.org, 424242, roundInput(1))
	wantCode(t, err, apperr.NotFound)
}

func TestRoundUpdateRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := roundInput(1)
	in.OpensAt, in.ClosesAt = t0.Add(time.Hour), t0.Add(2*time.Hour)
	r := e.round(in)

	// Before opening, anything may change.
	title := "Đợt 1 (sửa)"
	bp := questions.Blueprint{{Category: "Luật Trẻ em", Difficulty: questions.Hard, Count: 3}}
	up, err := e.svc.UpdateRound(e.ctx, e.org, r.ID, RoundPatch{Title: &title, Blueprint: &bp})
	if err != nil || up.Title != title || up.QuestionCount != 3 || up.Blueprint[0].Difficulty != questions.Hard {
		t.Fatalf("update before opening: %+v %v", up, err)
	}
	tooMany := questions.Blueprint{{Category: "Luật Trẻ em", Difficulty: questions.Hard, Count: 11}}
	_, err = e.svc.UpdateRound(e.ctx, e.org, r.ID, RoundPatch{Blueprint: &tooMany})
	wantCode(t, err, apperr.Validation)

	// Open: a participant starts an attempt whose deadline the close caps.
	e.clock.Set(in.ClosesAt.Add(-5 * time.Minute))
	p := e.participant()
	v := e.start(r.ID, p)
	if !v.DeadlineAt.Equal(in.ClosesAt) {
		t.Fatalf("deadline %v", v.DeadlineAt)
	}
	other := "Đợt khác"
	points := 7
	earlier := in.ClosesAt.Add(-time.Minute)
	for name, patch := range map[string]RoundPatch{
		"title":   {Title: &other},
		"points":  {PointsPerQuestion: &points},
		"earlier": {ClosesAt: &earlier},
	} {
		_, err := e.svc.UpdateRound(e.ctx, e.org, r.ID, patch)
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("%s after opening: %v", name, err)
		}
	}

	// The whole form sent back with only closes_at extended is accepted, and
	// the attempt gets the time the new close allows.
	later := in.ClosesAt.Add(time.Hour)
	same := up.Title
	opens := up.OpensAt
	up2, err := e.svc.UpdateRound(e.ctx, e.org, r.ID, RoundPatch{Title: &same, OpensAt: &opens, Blueprint: &bp, ClosesAt: &later})
	if err != nil || !up2.ClosesAt.Equal(later) {
		t.Fatalf("extend: %+v %v", up2, err)
	}
	again, _ := e.svc.Attempt(e.ctx, v.ID, p)
	if want := v.StartedAt.Add(10 * time.Minute); !again.DeadlineAt.Equal(want) {
		t.Fatalf("deadline after extension %v, want %v", again.DeadlineAt, want)
	}

	e.clock.Set(later)
	evenLater := later.Add(time.Hour)
	_, err = e.svc.UpdateRound(e.ctx, e.org, r.ID, RoundPatch{ClosesAt: &evenLater})
	wantCode(t, err, apperr.Conflict)

	var n int
	e.db.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'round' AND entity_id = $1`, r.ID)
	if n != 3 { // create, update before opening, extension
		t.Fatalf("%d audit rows for the round, want 3", n)
	}
}

func TestRoundStatusOnContestPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.quizContest()
	for _, in := range []RoundInput{
		func() RoundInput { r := roundInput(1); r.Title = "đã đóng"; r.ClosesAt = t0; return r }(),
		roundInput(1),
		func() RoundInput {
			r := roundInput(1)
			r.Title = "sắp mở"
			r.OpensAt = t0.Add(24 * time.Hour)
			r.ClosesAt = t0.Add(48 * time.Hour)
			return r
		}(),
	} {
		if _, err := e.svc.CreateRound(e.ctx, e.org, c.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.svc.Contest(e.ctx, c.ID, false)
	if err != nil || len(got.Rounds) != 3 {
		t.Fatalf("%+v %v", got, err)
	}
	var statuses []string
	for _, r := range got.Rounds {
		statuses = append(statuses, r.Status)
	}
	if strings.Join(statuses, ",") != "closed,open,upcoming" {
		t.Fatalf("statuses %v", statuses)
	}
}
