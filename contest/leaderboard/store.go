package leaderboard

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

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
