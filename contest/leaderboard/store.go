package leaderboard

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/clock"
)

// Store reads from Postgres what the boards need: the entries a board is
// rebuilt from (it is the Loader of the Repairer and of the rebuild
// command) and the names and units a public board shows. All of the
// package's SQL is here.
type Store struct {
	db  *sqlx.DB
	clk clock.Clock
	// LiveAfterClose is how long after closing a round's board is still
	// kept and rebuilt (it is shown until the results are published).
	LiveAfterClose time.Duration
	// LiveBeforeOpen is how long before opening a round's (empty) board is
	// built, so it is there when the first participant submits.
	LiveBeforeOpen time.Duration
}

// NewStore returns a Store over db.
func NewStore(db *sqlx.DB, clk clock.Clock) *Store {
	return &Store{db: db, clk: clk, LiveAfterClose: 14 * 24 * time.Hour, LiveBeforeOpen: time.Hour}
}

// Person is what a public board may show of a participant: never a phone,
// an email or a citizen id, which this query does not even read.
type Person struct {
	FullName string
	UnitID   int64
	Unit     string // the unit's name, "" without a unit
}

// People returns the name and unit of each participant id that exists.
func (s *Store) People(ctx context.Context, ids []int64) (map[int64]Person, error) {
	out := make(map[int64]Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT u.id, u.full_name, coalesce(u.unit_id, 0), coalesce(n.name, '')
		FROM users u LEFT JOIN units n ON n.id = u.unit_id
		WHERE u.id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p Person
		if err := rows.Scan(&id, &p.FullName, &p.UnitID, &p.Unit); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, rows.Err()
}

// LiveRounds lists the ranked rounds whose boards are in use: open now,
// opening within LiveBeforeOpen, or closed less than LiveAfterClose ago.
func (s *Store) LiveRounds(ctx context.Context) ([]int64, error) {
	now := s.clk.Now()
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `
		SELECT id FROM rounds
		WHERE NOT practice AND opens_at <= $1 AND closes_at > $2
		ORDER BY id`, now.Add(s.LiveBeforeOpen), now.Add(-s.LiveAfterClose))
	return ids, err
}

// BestEntries streams each participant's best finished attempt of the
// round, best first: the live order of round_ranking, the one ranking
// query (and the order in which Redis builds a board fastest). Accounts
// disqualified from the round's contest are left out, as from the results.
func (s *Store) BestEntries(ctx context.Context, roundID int64, yield func(Entry) bool) error {
	rows, err := s.db.QueryContext(ctx, `
		SELECT r.participant_id, r.attempt_id, r.correct_count, r.score, r.duration_ms, r.submitted_at,
			coalesce(u.unit_id, 0)
		FROM round_ranking($1, false) r JOIN users u ON u.id = r.participant_id
		WHERE NOT EXISTS (
			SELECT 1 FROM contest_disqualifications d JOIN rounds ro ON ro.contest_id = d.contest_id
			WHERE ro.id = $1 AND d.participant_id = r.participant_id)
		ORDER BY r.place`, roundID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e := Entry{RoundID: roundID}
		if err := rows.Scan(&e.ParticipantID, &e.AttemptID, &e.CorrectCount, &e.Score, &e.DurationMS,
			&e.SubmittedAt, &e.UnitID); err != nil {
			return err
		}
		e.SubmittedAt = e.SubmittedAt.UTC()
		if !yield(e) {
			return nil
		}
	}
	return rows.Err()
}

// CountBest is how many participants have a finished attempt in the
// round (0 for a practice round, which is never ranked).
func (s *Store) CountBest(ctx context.Context, roundID int64) (int64, error) {
	var n int64
	err := s.db.GetContext(ctx, &n, `
		SELECT count(DISTINCT a.participant_id)
		FROM attempts a JOIN rounds r ON r.id = a.round_id
		WHERE a.round_id = $1 AND NOT r.practice AND a.status <> 'in_progress'`, roundID)
	return n, err
}

// roundView is what a public board needs to know of its round.
type roundView struct {
	PointsPerQuestion int
	OpensAt           time.Time
	ClosesAt          time.Time
	Practice          bool
	Published         bool // the contest is published (not a draft)
	FreezeAt          *time.Time
}

// round reads a round for its board; ErrRoundNotFound when there is none.
func (s *Store) round(ctx context.Context, roundID int64) (roundView, error) {
	var v roundView
	err := s.db.QueryRowContext(ctx, `
		SELECT r.points_per_question, r.opens_at, r.closes_at, r.practice, c.published, b.freeze_at
		FROM rounds r
		JOIN contests c ON c.id = r.contest_id
		LEFT JOIN round_board_settings b ON b.round_id = r.id
		WHERE r.id = $1`, roundID).Scan(&v.PointsPerQuestion, &v.OpensAt, &v.ClosesAt, &v.Practice, &v.Published, &v.FreezeAt)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrRoundNotFound
	}
	return v, err
}

// setFreeze stores a round's freeze time (nil: never), with its audit row
// in the same transaction.
func (s *Store) setFreeze(ctx context.Context, actor audit.Actor, roundID int64, freezeAt *time.Time) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var opens, closes time.Time
	var practice bool
	err = tx.QueryRowContext(ctx, `SELECT opens_at, closes_at, practice FROM rounds WHERE id = $1 FOR UPDATE`, roundID).
		Scan(&opens, &closes, &practice)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && practice) {
		return ErrRoundNotFound
	}
	if err != nil {
		return err
	}
	if freezeAt != nil && (freezeAt.Before(opens) || !freezeAt.Before(closes)) {
		return apperr.Field("freeze_at", "leaderboard.freeze_outside_round")
	}
	now := s.clk.Now()
	var by *int64
	if actor.ID != 0 {
		by = &actor.ID
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO round_board_settings (round_id, freeze_at, updated_by, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (round_id) DO UPDATE SET freeze_at = EXCLUDED.freeze_at,
			updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
		roundID, freezeAt, by, now); err != nil {
		return err
	}
	details := map[string]any{"freeze_at": freezeAt}
	if err := audit.Record(ctx, tx, now, actor, "leaderboard.freeze", "round", strconv.FormatInt(roundID, 10), details); err != nil {
		return err
	}
	return tx.Commit()
}
