package essay

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/clock"
)

// Roles as stored in users.role.
const (
	RoleParticipant = "participant"
	RoleJudge       = "judge"
	RoleOrganizer   = "organizer"
	RoleAdmin       = "admin"
)

// Actor is the signed-in person a call is made for; server/ builds it from
// the session. Role checks at the route table come first; the service checks
// again what only it can know (whose essay, whose seat).
type Actor struct {
	ID   int64
	Role string
}

// Service is the essay contests' domain: build one with New and share it.
type Service struct {
	db    *sqlx.DB
	clock clock.Clock
	st    store
}

// New returns a Service over db, telling time by clk.
func New(db *sqlx.DB, clk clock.Clock) *Service {
	return &Service{db: db, clock: clk}
}

func (s *Service) now() time.Time { return s.clock.Now().UTC() }

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *Service) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// contest is what this package reads of a contests row.
type contest struct {
	ID        int64     `db:"id"`
	Kind      string    `db:"kind"`
	Title     string    `db:"title"`
	Published bool      `db:"published"`
	StartsAt  time.Time `db:"starts_at"`
	EndsAt    time.Time `db:"ends_at"`
}

// essayContest loads an essay contest or returns not_found (also for a
// quiz contest, which has no essays).
func (s *Service) essayContest(ctx context.Context, q sqlx.QueryerContext, id int64) (contest, error) {
	c, err := s.st.contest(ctx, q, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && c.Kind != "essay") {
		return contest{}, apperr.New(apperr.NotFound, "essay.contest_not_found")
	}
	return c, err
}

func isOrganizer(a Actor) bool { return a.Role == RoleOrganizer || a.Role == RoleAdmin }

func requireOrganizer(a Actor) error {
	if !isOrganizer(a) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}
