// Package pgstmt keeps prepared statements for a connection pool, so that
// the hot queries of a request are parsed and planned once per connection
// instead of once per call.
//
// lib/pq sends every query with arguments as an unnamed statement that
// Postgres parses and plans each time. The load test found planning to
// cost ten times the execution of the session lookup that every request
// makes (0.8 ms against 0.08 ms), and Postgres's CPU to be the limit of
// the whole contest: a prepared statement is planned once, and after a few
// executions Postgres reuses a generic plan when it is as good.
package pgstmt

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// Cache prepares each query on first use and keeps the statement for the
// life of the pool. database/sql prepares it again on each connection the
// first time that connection runs it, and keeps it there.
type Cache struct {
	db *sqlx.DB
	m  sync.Map // query -> *sqlx.Stmt
	// preparing holds the queries being prepared in the background
	preparing sync.Map
}

// New returns a Cache over db.
func New(db *sqlx.DB) *Cache { return &Cache{db: db} }

// Stmt returns the prepared statement of query.
func (c *Cache) Stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if st, ok := c.m.Load(query); ok {
		return st.(*sqlx.Stmt), nil
	}
	st, err := c.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sqlx.Stmt), nil
	}
	return st, nil
}

// Get runs query as a prepared statement and scans its one row into dest
// (sqlx's Get).
func (c *Cache) Get(ctx context.Context, dest any, query string, args ...any) error {
	st, err := c.Stmt(ctx, query)
	if err != nil {
		return c.db.GetContext(ctx, dest, query, args...)
	}
	return st.GetContext(ctx, dest, args...)
}

// QueryRow runs query as a prepared statement on the pool.
func (c *Cache) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.Stmt(ctx, query)
	if err != nil {
		return c.db.QueryRowContext(ctx, query, args...) // the error comes back through Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// Query runs query as a prepared statement on the pool.
func (c *Cache) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.Stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// Exec runs query as a prepared statement on the pool.
func (c *Cache) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.Stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// InTx returns query's prepared statement bound to tx (prepared on tx's
// connection the first time that connection needs it), or nil when it is
// not prepared yet: the caller then runs the query unprepared. Preparing
// it here would need a second connection of the pool while tx holds one,
// which deadlocks when every connection is held by such a transaction; it
// is prepared in the background instead, for the next transaction.
func (c *Cache) InTx(ctx context.Context, tx *sqlx.Tx, query string) *sqlx.Stmt {
	if st, ok := c.m.Load(query); ok {
		return tx.StmtxContext(ctx, st.(*sqlx.Stmt))
	}
	if _, busy := c.preparing.LoadOrStore(query, true); !busy {
		go func() {
			defer c.preparing.Delete(query)
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			c.Stmt(pctx, query)
		}()
	}
	return nil
}
