package leaderboard

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/clock"
	"lawcontest/server/db/dbtest"
)

// seedRound stores a quiz round with finished attempts straight in SQL:
// users participants (every seventh without a unit) with 1 to 3 attempts
// each, scores and durations drawn from few values so that ties are many,
// submissions on milliseconds as contest stores them. It returns the round.
func seedRound(t testing.TB, pg *sqlx.DB, users int, opens time.Time, practice bool) int64 {
	t.Helper()
	ctx := context.Background()
	var round int64
	maxAttempts := any(3)
	if practice {
		maxAttempts = nil
	}
	err := pg.GetContext(ctx, &round, `
		WITH u AS (
			INSERT INTO units (name, kind, search_key)
			SELECT 'Trường ' || g || ' ' || $1::text, 'school', 'truong ' || g || ' ' || $1::text
			FROM generate_series(1, 5) g
			RETURNING id
		), c AS (
			INSERT INTO contests (kind, title, published, starts_at, ends_at, created_at, updated_at)
			VALUES ('quiz', 'Cuộc thi', true, $2, $2::timestamptz + interval '30 days', $2, $2)
			RETURNING id
		)
		INSERT INTO rounds (contest_id, title, opens_at, closes_at, duration_ms, max_attempts, blueprint,
			question_count, points_per_question, practice, created_at, updated_at)
		SELECT c.id, 'Tuần 1', $2, $2::timestamptz + interval '7 days', 1200000, $3, '[]', 20, 5, $4, $2, $2
		FROM c
		RETURNING id`, time.Now().UnixNano(), opens, maxAttempts, practice)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pg.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT setseed(0.42)`); err != nil {
		t.Fatal(err)
	}
	_, err = tx.ExecContext(ctx, `
		WITH units AS (SELECT array_agg(id) AS ids FROM units),
		p AS (
			INSERT INTO users (role, phone, password_hash, full_name, display_name, unit_id, created_at, updated_at)
			SELECT 'participant', '09' || lpad((g + $2 * 100000)::text, 8, '0'), 'x', 'Nguyễn Văn ' || g, 'Nguyễn Văn ' || g,
				CASE WHEN g % 7 = 0 THEN NULL ELSE units.ids[1 + g % 5] END, now(), now()
			FROM generate_series(1, $3) g, units
			RETURNING id
		), a AS (
			SELECT p.id AS pid, n, (random() * 4)::int + 16 AS correct, 60000 + (random() * 3)::int AS dur,
				$4::timestamptz + ((random() * 5)::int * interval '1 millisecond') AS at
			FROM p, generate_series(1, 1 + (random() * 2)::int) n
		)
		INSERT INTO attempts (round_id, participant_id, attempt_no, status, started_at, deadline_at, seed,
			bank_version, question_count, submitted_at, duration_ms, correct_count, score, finalized_at)
		SELECT $1, pid, n, 'submitted', at - dur * interval '1 millisecond', at + interval '1 hour', 0, 0, 20,
			at, dur, correct, correct * 5, at
		FROM a ORDER BY random()`, round, round, users, opens.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return round
}

func TestStoreRebuildsInRoundRankingOrder(t *testing.T) {
	t.Parallel()
	pg := dbtest.NewDB(t)
	f := newFixture(t, WithTopCacheTTL(0), WithRebuildBatch(97))
	ctx := context.Background()
	round := seedRound(t, pg, 600, t0.Add(-time.Hour), false)
	st := NewStore(pg, f.clk)

	n, err := st.CountBest(ctx, round)
	if err != nil || n != 600 {
		t.Fatalf("CountBest: %d %v", n, err)
	}
	var streamed []Entry
	err = st.BestEntries(ctx, round, func(e Entry) bool { streamed = append(streamed, e); return true })
	if err != nil || len(streamed) != 600 {
		t.Fatalf("BestEntries: %d entries, %v", len(streamed), err)
	}
	if !slices.IsSortedFunc(streamed, func(a, b Entry) int {
		if Better(a, b) {
			return -1
		}
		return 1
	}) {
		t.Fatal("BestEntries does not stream best first")
	}
	if err := RebuildCommand(ctx, f.b, st, round, textsStub{}, io.Discard); err != nil {
		t.Fatal(err)
	}
	var want []int64
	if err := pg.SelectContext(ctx, &want, `SELECT participant_id FROM round_ranking($1, false) ORDER BY place`, round); err != nil {
		t.Fatal(err)
	}
	board := f.boardOrder(t, round, 0)
	if len(board) != len(want) {
		t.Fatalf("board %d entries, round_ranking %d", len(board), len(want))
	}
	for i := range board {
		if board[i].ParticipantID != want[i] {
			t.Fatalf("place %d: board %d, round_ranking %d", i+1, board[i].ParticipantID, want[i])
		}
	}
	// Units come from the participants' accounts.
	people, err := st.People(ctx, []int64{board[0].ParticipantID, board[1].ParticipantID, -1})
	if err != nil || len(people) != 2 {
		t.Fatalf("People: %v %v", people, err)
	}
	s, err := f.b.Standing(ctx, round, board[0].ParticipantID)
	if err != nil || s.UnitID != people[board[0].ParticipantID].UnitID {
		t.Fatalf("standing unit %d, account unit %d (%v)", s.UnitID, people[board[0].ParticipantID].UnitID, err)
	}
}

func TestStoreLiveRounds(t *testing.T) {
	t.Parallel()
	pg := dbtest.NewDB(t)
	clk := clock.NewFake(t0)
	st := NewStore(pg, clk)
	open := seedRound(t, pg, 1, t0.Add(-time.Hour), false)
	soon := seedRound(t, pg, 1, t0.Add(30*time.Minute), false)
	seedRound(t, pg, 1, t0.Add(2*time.Hour), false) // later
	practice := seedRound(t, pg, 1, t0.Add(-time.Hour), true)
	closed := seedRound(t, pg, 1, t0.Add(-10*24*time.Hour), false) // closed 3 days ago
	seedRound(t, pg, 1, t0.Add(-30*24*time.Hour), false)           // closed long ago
	ids, err := st.LiveRounds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{open, soon, closed}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("live rounds %v, want %v", ids, want)
	}
	if n, err := st.CountBest(context.Background(), practice); err != nil || n != 0 {
		t.Fatalf("practice round counts %d (%v)", n, err)
	}
}

type textsStub struct{}

func (textsStub) T(key string, args ...any) string { return key }
