package essay

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// system is the actor of steps the rules take by themselves (a third judge
// brought in, a final mark computed).
var system = Actor{Role: "system"}

// audit records one change in audit_log inside the caller's transaction, so
// the record and the change commit together. It is the only place this
// package writes the log; it will become a call to audit.Record once that
// package is in main.
func (s *Service) audit(ctx context.Context, tx sqlx.ExecerContext, by Actor, action, entity string, entityID int64, details any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	var actor any
	if by.ID != 0 {
		actor = by.ID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_role, action, entity, entity_id, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.now(), actor, by.Role, action, entity, strconv.FormatInt(entityID, 10), b)
	return err
}
