package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"lawcontest/apperr"
	"lawcontest/contest"
	"lawcontest/questions"
)

// testBank is a small in-memory question source with the methods of
// questions.Bank, for the server's quiz tests until the real bank is in
// main: two categories of 12 questions, four options each.
type testBank struct {
	byVersion map[int64]questions.PaperQuestion
	byCat     map[string][]questions.PaperQuestion
}

func newTestBank() *testBank {
	b := &testBank{byVersion: map[int64]questions.PaperQuestion{}, byCat: map[string][]questions.PaperQuestion{}}
	id := int64(500)
	for _, cat := range []string{"Luật An ninh mạng", "Luật Trẻ em"} {
		for i := 0; i < 12; i++ {
			id++
			q := questions.PaperQuestion{QuestionID: id, VersionID: id * 10,
				Text:        fmt.Sprintf("Câu hỏi số %d thuộc chủ đề %s?", id, cat),
				Explanation: "Giải thích của câu " + fmt.Sprint(id), LegalReference: "Điều 8 Luật An ninh mạng 2018"}
			for k := 0; k < 4; k++ {
				q.Options = append(q.Options, questions.Option{ID: fmt.Sprintf("q%do%d", id, k), Text: fmt.Sprintf("Phương án %c của câu %d", 'A'+k, id)})
			}
			q.CorrectOptionID = q.Options[1].ID
			b.byVersion[q.VersionID] = q
			b.byCat[cat] = append(b.byCat[cat], q)
		}
	}
	return b
}

func (b *testBank) CheckBlueprint(_ context.Context, bp questions.Blueprint) error {
	for i, p := range bp {
		if len(b.byCat[p.Category]) < p.Count {
			return apperr.Field("blueprint", "round.blueprint_count_invalid", i+1)
		}
	}
	return nil
}

func (b *testBank) Draw(ctx context.Context, bp questions.Blueprint, seed int64) (questions.Paper, error) {
	if err := b.CheckBlueprint(ctx, bp); err != nil {
		return questions.Paper{}, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	p := questions.Paper{Seed: seed, BankVersion: 1}
	for _, part := range bp {
		c := append([]questions.PaperQuestion(nil), b.byCat[part.Category]...)
		rng.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
		for _, q := range c[:part.Count] {
			q.Options = append([]questions.Option(nil), q.Options...)
			rng.Shuffle(len(q.Options), func(i, j int) { q.Options[i], q.Options[j] = q.Options[j], q.Options[i] })
			p.Questions = append(p.Questions, q)
		}
	}
	return p, nil
}

func (b *testBank) Rebuild(_ context.Context, refs []questions.PaperRef) ([]questions.PaperQuestion, error) {
	out := make([]questions.PaperQuestion, len(refs))
	for i, r := range refs {
		q := b.byVersion[r.VersionID]
		byID := map[string]questions.Option{}
		for _, o := range q.Options {
			byID[o.ID] = o
		}
		q.Options = nil
		for _, id := range r.OptionOrder {
			q.Options = append(q.Options, byID[id])
		}
		out[i] = q
	}
	return out, nil
}

func (b *testBank) correct(qid int64) string { return b.byVersion[qid*10].CorrectOptionID }

// quizEnv is a test server whose quiz rounds draw from a testBank, with an
// organizer's token and a published quiz contest that runs around testNow.
type quizEnv struct {
	*testEnv
	bank    *testBank
	org     string
	contest string
}

func newQuizEnv(t *testing.T, opts ...envOption) *quizEnv {
	t.Helper()
	e := newTestEnv(t, opts...)
	bank := newTestBank()
	e.app.contests = contest.New(e.db, bank, nil, e.clock, contest.Options{Grace: e.cfg.AnswerGrace, Logger: e.app.log})
	q := &quizEnv{testEnv: e, bank: bank, org: e.staff("organizer", "btc")}
	res := e.expect(e.do("POST", "/api/v1/admin/contests", map[string]any{
		"kind": "quiz", "title": "Tìm hiểu pháp luật về an ninh mạng", "description": "Cuộc thi thử nghiệm",
		"starts_at": testNow.Add(-24 * time.Hour), "ends_at": testNow.Add(30 * 24 * time.Hour), "published": true,
	}, request{token: q.org}), http.StatusCreated)
	var out struct{ Contest struct{ ID string } }
	res.decode(t, &out)
	q.contest = out.Contest.ID
	return q
}

// round creates a round of 4 questions, open from an hour before testNow
// for a day, with the given changes, and returns its id.
func (q *quizEnv) round(changes map[string]any) string {
	q.t.Helper()
	body := map[string]any{
		"title": "Đợt 1", "opens_at": testNow.Add(-time.Hour), "closes_at": testNow.Add(24 * time.Hour),
		"duration_ms": 600_000, "max_attempts": 2, "points_per_question": 5,
		"blueprint": []map[string]any{{"category": "Luật An ninh mạng", "count": 2}, {"category": "Luật Trẻ em", "count": 2}},
	}
	for k, v := range changes {
		body[k] = v
	}
	res := q.expect(q.do("POST", "/api/v1/admin/contests/"+q.contest+"/rounds", body, request{token: q.org}), http.StatusCreated)
	var out struct{ Round struct{ ID string } }
	res.decode(q.t, &out)
	return out.Round.ID
}
