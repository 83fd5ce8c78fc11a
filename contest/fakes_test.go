package contest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/clock"
	"lawcontest/contest/leaderboard"
	"lawcontest/questions"
	"lawcontest/server/db/dbtest"
)

// fakeBank is a small in-memory question source with the methods of
// *questions.Bank: a stand-in until the real bank is merged, not a mock of
// the database (attempts still live in the test's real Postgres).
type fakeBank struct {
	byVersion map[int64]questions.PaperQuestion
	all       []fakeQuestion
}

type fakeQuestion struct {
	q          questions.PaperQuestion
	category   string
	difficulty questions.Difficulty
}

// newFakeBank makes perCategory questions in each category, difficulties
// cycling easy, medium, hard, four options each (the first is correct).
func newFakeBank(perCategory int, categories ...string) *fakeBank {
	b := &fakeBank{byVersion: map[int64]questions.PaperQuestion{}}
	id := int64(100)
	diffs := []questions.Difficulty{questions.Easy, questions.Medium, questions.Hard}
	for _, c := range categories {
		for i := 0; i < perCategory; i++ {
			id++
			q := questions.PaperQuestion{
				QuestionID: id, VersionID: id * 10, Text: fmt.Sprintf("Câu hỏi %d về %s?", id, c),
				Explanation: fmt.Sprintf("Giải thích %d", id), LegalReference: "Điều 1",
			}
			for k := 0; k < 4; k++ {
				q.Options = append(q.Options, questions.Option{ID: fmt.Sprintf("o%dx%d", id, k), Text: fmt.Sprintf("Đáp án %d", k)})
			}
			q.CorrectOptionID = q.Options[0].ID
			b.all = append(b.all, fakeQuestion{q: q, category: c, difficulty: diffs[i%3]})
			b.byVersion[q.VersionID] = q
		}
	}
	return b
}

func (b *fakeBank) candidates(p questions.BlueprintPart) []questions.PaperQuestion {
	var out []questions.PaperQuestion
	for _, f := range b.all {
		if f.category == p.Category && (p.Difficulty == "" || p.Difficulty == f.difficulty) {
			out = append(out, f.q)
		}
	}
	return out
}

func (b *fakeBank) CheckBlueprint(_ context.Context, bp questions.Blueprint) error {
	for i, p := range bp {
		if len(b.candidates(p)) < p.Count {
			return apperr.Field("blueprint", "round.blueprint_count_invalid", i+1)
		}
	}
	return nil
}

func (b *fakeBank) Draw(ctx context.Context, bp questions.Blueprint, seed int64) (questions.Paper, error) {
	if err := b.CheckBlueprint(ctx, bp); err != nil {
		return questions.Paper{}, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	p := questions.Paper{Seed: seed, BankVersion: 1}
	for _, part := range bp {
		c := b.candidates(part)
		rng.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
		for _, q := range c[:part.Count] {
			opts := append([]questions.Option(nil), q.Options...)
			rng.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
			q.Options = opts
			p.Questions = append(p.Questions, q)
		}
	}
	return p, nil
}

func (b *fakeBank) Rebuild(_ context.Context, refs []questions.PaperRef) ([]questions.PaperQuestion, error) {
	out := make([]questions.PaperQuestion, len(refs))
	for i, r := range refs {
		q, ok := b.byVersion[r.VersionID]
		if !ok {
			return nil, fmt.Errorf("no version %d", r.VersionID)
		}
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

// memBoard is a tiny in-memory live board: the best entry per participant,
// ranked by leaderboard.Better.
type memBoard struct {
	mu      sync.Mutex
	entries map[[2]int64]leaderboard.Entry
	records int
	fail    bool
}

func newMemBoard() *memBoard { return &memBoard{entries: map[[2]int64]leaderboard.Entry{}} }

func (m *memBoard) RecordAll(ctx context.Context, es []leaderboard.Entry) ([]leaderboard.Place, error) {
	m.mu.Lock()
	if m.fail {
		m.mu.Unlock()
		return make([]leaderboard.Place, len(es)), fmt.Errorf("board down")
	}
	for _, e := range es {
		m.records++
		k := [2]int64{e.RoundID, e.ParticipantID}
		if old, ok := m.entries[k]; !ok || leaderboard.Better(e, old) {
			m.entries[k] = e
		}
	}
	m.mu.Unlock()
	places := make([]leaderboard.Place, len(es))
	for i, e := range es {
		pos, total, _ := m.Rank(ctx, e.RoundID, e.ParticipantID)
		places[i] = leaderboard.Place{Position: pos, Total: total}
	}
	return places, nil
}

func (m *memBoard) Remove(_ context.Context, roundID, participantID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return fmt.Errorf("board down")
	}
	delete(m.entries, [2]int64{roundID, participantID})
	return nil
}

func (m *memBoard) Rank(_ context.Context, roundID, participantID int64) (int64, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return 0, 0, fmt.Errorf("board down")
	}
	var es []leaderboard.Entry
	for k, e := range m.entries {
		if k[0] == roundID {
			es = append(es, e)
		}
	}
	sort.Slice(es, func(i, j int) bool { return leaderboard.Better(es[i], es[j]) })
	for i, e := range es {
		if e.ParticipantID == participantID {
			return int64(i + 1), int64(len(es)), nil
		}
	}
	return 0, int64(len(es)), nil
}

// env is one test's world: its own database, a fake clock at t0, a bank
// with two categories of 30 questions, a board and a service.
type env struct {
	t     testing.TB
	db    *sqlx.DB
	clock *clock.Fake
	bank  *fakeBank
	board *memBoard
	svc   *Service
	org   Actor
	ctx   context.Context

	mu    sync.Mutex
	users int
}

var t0 = time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC) // 08:00 in Hà Nội

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, db: dbtest.NewDB(t), clock: clock.NewFake(t0), bank: newFakeBank(30, "Luật An ninh mạng", "Luật Trẻ em"),
		board: newMemBoard(), ctx: context.Background()}
	e.svc = New(e.db, e.bank, e.board, e.clock, Options{Grace: 5 * time.Second})
	e.org = Actor{ID: e.user("organizer", "btc"), Role: "organizer"}
	return e
}

// user inserts a user of role; participants get a unit.
func (e *env) user(role, name string) int64 {
	e.t.Helper()
	e.mu.Lock()
	e.users++
	n := e.users
	e.mu.Unlock()
	var phone, username any
	if role == "participant" {
		phone = fmt.Sprintf("09%08d", n)
	} else {
		username = fmt.Sprintf("%s%d", name, n)
	}
	var unit int64
	if err := e.db.QueryRow(`INSERT INTO units (name, kind, search_key) VALUES ($1, 'school', $1)
		ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind RETURNING id`, "Trường THPT Kim Liên").Scan(&unit); err != nil {
		e.t.Fatal(err)
	}
	var id int64
	err := e.db.QueryRow(`INSERT INTO users (role, phone, username, password_hash, full_name, display_name, unit_id, created_at, updated_at)
		VALUES ($1, $2, $3, 'x', $4, $4, $5, $6, $6) RETURNING id`, role, phone, username, name, unit, t0).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) participant() int64 { return e.user("participant", "Nguyễn Văn An") }

// quizContest makes a published quiz contest running from a week before t0
// to a month after.
func (e *env) quizContest() Contest {
	e.t.Helper()
	c, err := e.svc.CreateContest(e.ctx, e.org, ContestInput{Kind: KindQuiz, Title: "Tìm hiểu pháp luật trên không gian mạng",
		StartsAt: t0.Add(-7 * 24 * time.Hour), EndsAt: t0.Add(30 * 24 * time.Hour), Published: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// roundInput is an open round (from an hour before t0 to a day after) of 4
// questions, 10 minutes, limit attempts (0: practice).
func roundInput(limit int) RoundInput {
	return RoundInput{
		Title: "Đợt 1", OpensAt: t0.Add(-time.Hour), ClosesAt: t0.Add(24 * time.Hour),
		DurationMS: 10 * 60_000, MaxAttempts: limit, PointsPerQuestion: 5, Practice: limit == 0,
		Blueprint: questions.Blueprint{{Category: "Luật An ninh mạng", Count: 2}, {Category: "Luật Trẻ em", Count: 2}},
	}
}

func (e *env) round(in RoundInput) Round {
	e.t.Helper()
	c := e.quizContest()
	r, err := e.svc.CreateRound(e.ctx, e.org, c.ID, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) start(roundID, pid int64) AttemptView {
	e.t.Helper()
	v, _, err := e.svc.Start(e.ctx, roundID, pid)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// correct and wrong return the correct option and a wrong one of a shown
// question, from the bank.
func (e *env) correct(q ShownQuestion) string { return e.bank.byVersion[q.ID*10].CorrectOptionID }

func (e *env) wrong(q ShownQuestion) string {
	c := e.correct(q)
	for _, o := range q.Options {
		if o.ID != c {
			return o.ID
		}
	}
	panic("no wrong option")
}

func (e *env) save(v AttemptView, q ShownQuestion, opt string) {
	e.t.Helper()
	if err := e.svc.SaveAnswer(e.ctx, v.ID, mustOwner(e, v.ID), q.ID, opt); err != nil {
		e.t.Fatal(err)
	}
}

func mustOwner(e *env, attemptID int64) int64 {
	var pid int64
	if err := e.db.Get(&pid, `SELECT participant_id FROM attempts WHERE id = $1`, attemptID); err != nil {
		e.t.Fatal(err)
	}
	return pid
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("got error %v, want code %s", err, code)
	}
}
