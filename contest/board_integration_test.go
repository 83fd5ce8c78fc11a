package contest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"lawcontest/contest/leaderboard"
	"lawcontest/server/db/dbtest"
)

// The live board through the real path: attempts stored in Postgres, put
// on the Redis board by the service after each finalize (Record) or by a
// rebuild from the leaderboard store, and read back with Top, against the
// one ranking query, round_ranking(round_id, false).

// liveBoard is a real Redis board over the test's own key prefix.
type liveBoard struct {
	b      *leaderboard.Board
	st     *leaderboard.Store
	flush  func() error
	prefix string
}

func newLiveBoard(t *testing.T, e *env) liveBoard {
	t.Helper()
	rdb, prefix := dbtest.NewRedis(t)
	return liveBoard{
		b:      leaderboard.New(rdb, prefix, e.clock, leaderboard.WithTopCacheTTL(0)),
		st:     leaderboard.NewStore(e.db, e.clock),
		flush:  func() error { return dbtest.FlushPrefix(context.Background(), rdb, prefix) },
		prefix: prefix,
	}
}

func (l liveBoard) rebuild(t *testing.T, roundID int64) {
	t.Helper()
	ctx := context.Background()
	err := l.b.Rebuild(ctx, roundID, func(yield func(leaderboard.Entry) bool) error {
		return l.st.BestEntries(ctx, roundID, yield)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

// all reads a whole board (unitID 0: the round's) page by page.
func (l liveBoard) all(t *testing.T, roundID, unitID int64) []leaderboard.Ranked {
	t.Helper()
	var out []leaderboard.Ranked
	for {
		p, err := l.b.TopPage(context.Background(), roundID, unitID, leaderboard.MaxTopLimit, len(out))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Entries...)
		if len(p.Entries) < leaderboard.MaxTopLimit {
			if int64(len(out)) != p.Total {
				t.Fatalf("read %d entries of a board of %d", len(out), p.Total)
			}
			return out
		}
	}
}

// generateTied stores n finished attempts of round r in Postgres: people
// of five units taking one to three attempts, 0..4 correct answers,
// durations from a handful of values and submissions within a few
// milliseconds of each other, so that every tie-break is exercised down to
// the attempt id.
func generateTied(t *testing.T, e *env, roundID int64, n int) (units []int64) {
	t.Helper()
	for i := 0; i < 5; i++ {
		var id int64
		if err := e.db.Get(&id, `INSERT INTO units (name, kind, search_key) VALUES ($1, 'school', $1) RETURNING id`,
			fmt.Sprintf("Trường số %d", i+1)); err != nil {
			t.Fatal(err)
		}
		units = append(units, id)
	}
	e.db.MustExec(`SELECT setseed(0.25)`)
	e.db.MustExec(`
		INSERT INTO users (role, phone, password_hash, full_name, display_name, unit_id, created_at, updated_at)
		SELECT 'participant', 'g' || g, 'x', 'Thí sinh ' || g, 'Thí sinh ' || g,
			(SELECT id FROM units WHERE name = 'Trường số ' || (1 + g % 5)), $2, $2
		FROM generate_series(1, $1) g`, n*2/3, t0)
	e.db.MustExec(`
		INSERT INTO attempts (round_id, participant_id, attempt_no, status, started_at, deadline_at, seed,
			bank_version, question_count, prediction, submitted_at, duration_ms, correct_count, score, finalized_at)
		SELECT $1, x.pid, x.k, 'submitted', x.s - x.d * interval '1 millisecond',
			x.s - x.d * interval '1 millisecond' + interval '1 hour', 0, 0, 4, NULL, x.s, x.d, x.c, x.c * 5, x.s
		FROM (
			SELECT u.id AS pid, k,
				(random() * 4)::int AS c,
				(1000 * (1 + (random() * 3)::int))::bigint AS d,
				$2::timestamptz + (random() * 3)::int * interval '1 millisecond' AS s
			FROM users u
			CROSS JOIN LATERAL generate_series(1, 1 + (u.id % 3)::int) AS k
			WHERE u.phone LIKE 'g%'
		) x
		LIMIT $3`, roundID, t0.Add(-30*time.Minute), n)
	var got int
	e.db.Get(&got, `SELECT count(*) FROM attempts WHERE round_id = $1`, roundID)
	if got != n {
		t.Fatalf("generated %d attempts, want %d", got, n)
	}
	return units
}

// sameAsPostgres compares a board with round_ranking(round, false),
// optionally restricted to one unit, entry by entry.
func sameAsPostgres(t *testing.T, e *env, l liveBoard, roundID, unitID int64) {
	t.Helper()
	var want []Standing
	if unitID == 0 {
		var err error
		if want, err = e.svc.Ranking(e.ctx, roundID, false); err != nil {
			t.Fatal(err)
		}
	} else {
		var ids []int64
		if err := e.db.Select(&ids, `SELECT r.participant_id FROM round_ranking($1, false) r
			JOIN users u ON u.id = r.participant_id WHERE u.unit_id = $2 ORDER BY r.place`, roundID, unitID); err != nil {
			t.Fatal(err)
		}
		all, err := e.svc.Ranking(e.ctx, roundID, false)
		if err != nil {
			t.Fatal(err)
		}
		by := map[int64]Standing{}
		for _, s := range all {
			by[s.ParticipantID] = s
		}
		for _, id := range ids {
			want = append(want, by[id])
		}
	}
	got := l.all(t, roundID, unitID)
	if len(got) != len(want) {
		t.Fatalf("unit %d: board has %d entries, round_ranking %d", unitID, len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Position != int64(i+1) || g.ParticipantID != w.ParticipantID || g.AttemptID != w.AttemptID ||
			g.CorrectCount != w.CorrectCount || g.DurationMS != w.DurationMS || !g.SubmittedAt.Equal(w.SubmittedAt) {
			t.Fatalf("unit %d, place %d: board %+v, round_ranking %+v", unitID, i+1, g, w)
		}
	}
}

func TestLiveBoardEqualsRoundRankingOn10000Attempts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(3))
	units := generateTied(t, e, r.ID, 10_000)

	// By a rebuild from Postgres.
	rebuilt := newLiveBoard(t, e)
	rebuilt.rebuild(t, r.ID)
	sameAsPostgres(t, e, rebuilt, r.ID, 0)
	for _, u := range units {
		sameAsPostgres(t, e, rebuilt, r.ID, u)
	}

	// By the service, one finalized attempt after another, as submits and
	// the sweeper record them (the board exists: a first, empty rebuild).
	live := newLiveBoard(t, e)
	if err := live.b.Rebuild(e.ctx, r.ID, func(func(leaderboard.Entry) bool) error { return nil }, nil); err != nil {
		t.Fatal(err)
	}
	svc := New(e.db, e.bank, live.b, e.clock, Options{})
	var fs []finalizedAttempt
	if err := e.db.Select(&fs, finalizedOfRound+`ORDER BY a.id DESC`, r.ID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const workers = 4
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(fs); i += workers {
				svc.recordFinalized(e.ctx, fs[i:i+1])
			}
		}()
	}
	wg.Wait()
	sameAsPostgres(t, e, live, r.ID, 0)
	sameAsPostgres(t, e, live, r.ID, units[0])
}

// TestReplayedLowerScoreDoesNotLowerAnEntry records, after each person's
// best attempt, their other (worse) attempts again, as a replayed or late
// update would: the board does not move.
func TestReplayedLowerScoreDoesNotLowerAnEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(3))
	generateTied(t, e, r.ID, 2_000)
	l := newLiveBoard(t, e)
	l.rebuild(t, r.ID)
	before := l.all(t, r.ID, 0)

	var worse []leaderboard.Entry
	rows, err := e.db.Query(`
		SELECT a.id, a.participant_id, coalesce(u.unit_id, 0), a.correct_count, a.score, a.duration_ms, a.submitted_at
		FROM attempts a JOIN users u ON u.id = a.participant_id
		WHERE a.round_id = $1 AND a.id NOT IN (SELECT attempt_id FROM round_ranking($1, false))`, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		en := leaderboard.Entry{RoundID: r.ID}
		if err := rows.Scan(&en.AttemptID, &en.ParticipantID, &en.UnitID, &en.CorrectCount, &en.Score, &en.DurationMS, &en.SubmittedAt); err != nil {
			t.Fatal(err)
		}
		worse = append(worse, en)
	}
	rows.Close()
	if len(worse) < 500 {
		t.Fatalf("only %d worse attempts to replay", len(worse))
	}
	for _, en := range worse {
		if err := l.b.Record(e.ctx, en); err != nil {
			t.Fatal(err)
		}
	}
	after := l.all(t, r.ID, 0)
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("place %d moved: %+v -> %+v", i+1, before[i], after[i])
		}
	}
	sameAsPostgres(t, e, l, r.ID, 0)
}

// TestBoardRebuiltAfterFlushEqualsTheBoardBefore loses every key of the
// test's Redis prefix (its own FLUSHALL) and rebuilds the board from
// Postgres: the round's and every unit's board equal the ones before,
// entry for entry, and every participant's standing too.
func TestBoardRebuiltAfterFlushEqualsTheBoardBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.round(roundInput(3))
	units := generateTied(t, e, r.ID, 3_000)
	l := newLiveBoard(t, e)
	// Built the way a running server builds it: empty, then submit by submit.
	if err := l.b.Rebuild(e.ctx, r.ID, func(func(leaderboard.Entry) bool) error { return nil }, nil); err != nil {
		t.Fatal(err)
	}
	svc := New(e.db, e.bank, l.b, e.clock, Options{})
	var fs []finalizedAttempt
	if err := e.db.Select(&fs, finalizedOfRound+`ORDER BY a.id`, r.ID); err != nil {
		t.Fatal(err)
	}
	svc.recordFinalized(e.ctx, fs)
	before := map[int64][]leaderboard.Ranked{0: l.all(t, r.ID, 0)}
	for _, u := range units {
		before[u] = l.all(t, r.ID, u)
	}
	standings := map[int64]leaderboard.Standing{}
	for _, en := range before[0] {
		s, err := l.b.Standing(e.ctx, r.ID, en.ParticipantID)
		if err != nil {
			t.Fatal(err)
		}
		standings[en.ParticipantID] = s
	}

	if err := l.flush(); err != nil {
		t.Fatal(err)
	}
	if need, err := l.b.NeedsRebuild(e.ctx, r.ID); err != nil || !need {
		t.Fatalf("after the flush: needs rebuild %v, %v", need, err)
	}
	l.rebuild(t, r.ID)

	for u, want := range before {
		got := l.all(t, r.ID, u)
		if len(got) != len(want) {
			t.Fatalf("unit %d: %d entries after, %d before", u, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("unit %d place %d: %+v after, %+v before", u, i+1, got[i], want[i])
			}
		}
	}
	for pid, want := range standings {
		got, err := l.b.Standing(e.ctx, r.ID, pid)
		if err != nil || got != want {
			t.Fatalf("standing of %d: %+v after, %+v before (%v)", pid, got, want, err)
		}
	}
}

// finalizedOfRound reads a round's finished attempts as finalize returns
// them.
const finalizedOfRound = `
	SELECT a.id, a.round_id AS roundid, a.participant_id AS participantid, false AS practice, a.status,
		a.correct_count AS correctcount, a.score, a.question_count AS questioncount, a.duration_ms AS durationms,
		a.submitted_at AS submittedat, a.prediction, coalesce(u.unit_id, 0) AS unitid
	FROM attempts a JOIN users u ON u.id = a.participant_id
	WHERE a.round_id = $1 AND a.status <> 'in_progress' `
