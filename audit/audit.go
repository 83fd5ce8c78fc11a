// Package audit records who did what to which entity: every change an
// organizer, judge or admin makes to questions, rounds, judging, results or
// accounts. Rows are written in the same transaction as the change, so a
// change without its audit row cannot commit.
package audit

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"
)

// Actor is who made a change; ID 0 means the system (a command, the sweeper).
type Actor struct {
	ID   int64
	Role string
}

// System is the actor for changes made by commands and background jobs.
var System = Actor{Role: "system"}

// Record writes one audit row through exec (a transaction or the pool).
// details is stored as JSON; it must never hold passwords or tokens.
func Record(ctx context.Context, exec sqlx.ExecerContext, at time.Time, actor Actor, action, entity, entityID string, details any) error {
	if details == nil {
		details = map[string]any{}
	}
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	_, err = exec.ExecContext(ctx, `
		INSERT INTO audit_log (at, actor_id, actor_role, action, entity, entity_id, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, at, actorID, actor.Role, action, entity, entityID, b)
	return err
}

// Entry is one audit row as read back.
type Entry struct {
	ID        int64           `db:"id" json:"id,string"`
	At        time.Time       `db:"at" json:"at"`
	ActorID   *int64          `db:"actor_id" json:"actor_id,omitempty"`
	ActorRole string          `db:"actor_role" json:"actor_role"`
	ActorName *string         `db:"actor_name" json:"actor_name,omitempty"`
	Action    string          `db:"action" json:"action"`
	Entity    string          `db:"entity" json:"entity"`
	EntityID  string          `db:"entity_id" json:"entity_id"`
	Details   json.RawMessage `db:"details" json:"details"`
}

// List returns the newest audit rows about one entity (or all when entity
// is empty), newest first.
func List(ctx context.Context, q sqlx.QueryerContext, entity, entityID string, limit int) ([]Entry, error) {
	out := []Entry{}
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT a.id, a.at, a.actor_id, a.actor_role, u.display_name AS actor_name, a.action, a.entity, a.entity_id, a.details
		FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
		WHERE ($1 = '' OR a.entity = $1) AND ($2 = '' OR a.entity_id = $2)
		ORDER BY a.id DESC LIMIT $3`, entity, entityID, limit)
	return out, err
}
