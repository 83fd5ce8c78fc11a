package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Migrations are plain SQL files named NNNN_what.sql, applied in number
// order, each in its own transaction. Number ranges by owner:
// 0001-0099 foundation, 0100-0199 questions, 0200-0299 contests and
// attempts, 0300-0399 rankings and results, 0400-0499 essays.
//
// A small runner instead of a library: it takes a Postgres advisory lock so
// that several instances starting at once apply each migration exactly once,
// and it refuses a schema newer than this binary knows, in about a hundred
// lines that need no other dependency.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// migrationLockKey is an arbitrary constant shared by every instance.
const migrationLockKey = 7_402_116_001

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share number %d", other, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(migrationFiles, path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// ErrSchemaNewer means the database was migrated by a newer binary.
type ErrSchemaNewer struct{ DBVersion, KnownVersion int }

func (e ErrSchemaNewer) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this binary knows (%d); refusing to serve", e.DBVersion, e.KnownVersion)
}

// Migrate applies pending migrations and returns how many it applied.
func Migrate(ctx context.Context, db *sqlx.DB) (int, error) {
	ms, err := Migrations()
	if err != nil {
		return 0, err
	}
	conn, err := db.Connx(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return 0, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, err
	}
	applied := map[int]bool{}
	var versions []int
	if err := conn.SelectContext(ctx, &versions, "SELECT version FROM schema_migrations"); err != nil {
		return 0, err
	}
	for _, v := range versions {
		applied[v] = true
	}
	if err := checkNotNewer(versions, ms); err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			return n, err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			tx.Rollback()
			return n, err
		}
		if err := tx.Commit(); err != nil {
			return n, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		n++
	}
	return n, nil
}

// CheckSchema returns an error unless the database has exactly the
// migrations this binary knows: it refuses to serve on a newer schema and
// on one with migrations still pending.
func CheckSchema(ctx context.Context, db *sqlx.DB) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	var versions []int
	if err := db.SelectContext(ctx, &versions, "SELECT version FROM schema_migrations"); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if err := checkNotNewer(versions, ms); err != nil {
		return err
	}
	have := map[int]bool{}
	for _, v := range versions {
		have[v] = true
	}
	for _, m := range ms {
		if !have[m.Version] {
			return fmt.Errorf("migration %s is not applied", m.Name)
		}
	}
	return nil
}

func checkNotNewer(versions []int, ms []Migration) error {
	known := map[int]bool{}
	maxKnown := 0
	for _, m := range ms {
		known[m.Version] = true
		maxKnown = max(maxKnown, m.Version)
	}
	for _, v := range versions {
		if !known[v] {
			return ErrSchemaNewer{DBVersion: v, KnownVersion: maxKnown}
		}
	}
	return nil
}
