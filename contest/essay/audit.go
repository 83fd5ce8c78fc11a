package essay

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"lawcontest/audit"
)

// system is the actor of steps the rules take by themselves (a third judge
// brought in, a final mark computed).
func system() Actor { return Actor{Role: audit.System.Role} }

// audit records one change in the audit log inside the caller's
// transaction, so the record and the change commit together.
func (s *Service) audit(ctx context.Context, tx sqlx.ExecerContext, by Actor, action, entity string, entityID int64, details any) error {
	return audit.Record(ctx, tx, s.now(), audit.Actor{ID: by.ID, Role: by.Role}, action, entity, strconv.FormatInt(entityID, 10), details)
}
