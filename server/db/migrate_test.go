package db_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"lawcontest/server/db"
	"lawcontest/server/db/dbtest"
)

func TestMigrateIsIdempotentAndRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	d := dbtest.NewDB(t)
	ctx := context.Background()
	n, err := db.Migrate(ctx, d)
	if err != nil || n != 0 {
		t.Fatalf("re-migrating a migrated database: applied %d, err %v", n, err)
	}
	if err := db.CheckSchema(ctx, d); err != nil {
		t.Fatalf("CheckSchema on current schema: %v", err)
	}
	if _, err := d.Exec("INSERT INTO schema_migrations (version, name) VALUES (99999, '99999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	var newer db.ErrSchemaNewer
	if err := db.CheckSchema(ctx, d); !errors.As(err, &newer) {
		t.Fatalf("CheckSchema on a newer schema: got %v", err)
	}
	if _, err := db.Migrate(ctx, d); !errors.As(err, &newer) {
		t.Fatalf("Migrate on a newer schema: got %v", err)
	}
}

// TestGroupFunctionsKeepTheirSettings: the functions that commit groups of
// starts and submits, and the scoring they share, plan index probes
// whatever the statistics say and never JIT-compile (migrations 0600 and
// 0610; docs/DEVELOPING.md), and the scoring counts by a plain index scan
// (0650). A CREATE OR REPLACE that forgets its SET clauses loses them
// silently, and the load test then ran at a third of its rate.
func TestGroupFunctionsKeepTheirSettings(t *testing.T) {
	t.Parallel()
	d := dbtest.NewDB(t)
	common := []string{"enable_seqscan=off", "enable_hashjoin=off", "enable_mergejoin=off",
		"plan_cache_mode=force_generic_plan", "jit=off"}
	for fn, own := range map[string][]string{
		// the scoring's count by a plain index scan (migration 0650)
		"finalize_attempts": {"enable_bitmapscan=off"},
		"submit_group":      nil,
		"start_group":       nil,
	} {
		var config pq.StringArray
		if err := d.Get(&config, `SELECT coalesce(proconfig, '{}') FROM pg_proc WHERE proname = $1`, fn); err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		for _, w := range append(common, own...) {
			if !slices.Contains(config, w) {
				t.Errorf("%s runs without %s: %v", fn, w, config)
			}
		}
	}
}

// TestWarmPoolRunsTheGroupFunctions: the warm-up calls the group functions
// as the schema defines them (a changed signature fails here), on every
// connection, and writes nothing.
func TestWarmPoolRunsTheGroupFunctions(t *testing.T) {
	t.Parallel()
	d := dbtest.NewDB(t)
	d.SetMaxOpenConns(3)
	d.SetMaxIdleConns(3)
	ctx := context.Background()
	if err := db.WarmPool(ctx, d, 3); err != nil {
		t.Fatal(err)
	}
	if n := d.Stats().Idle; n != 3 {
		t.Fatalf("%d idle connections after warming 3", n)
	}
	// The check runs on one of the three; the two others show the
	// warm-up as their last query.
	var warmed int
	if err := d.Get(&warmed, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()
		AND query LIKE '%start_group(%submit_group(%finalize_attempts(%'`); err != nil {
		t.Fatal(err)
	}
	if warmed != 2 {
		t.Fatalf("%d other connections ran the warm-up, want 2", warmed)
	}
	var rows int
	if err := d.Get(&rows, `SELECT (SELECT count(*) FROM attempts) + (SELECT count(*) FROM attempt_papers)
		+ (SELECT count(*) FROM round_participants) + (SELECT count(*) FROM attempt_answers)`); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Fatalf("the warm-up wrote %d rows", rows)
	}

	// A Postgres that does not answer: an error for the caller to log,
	// not a hang or a panic.
	down, err := sqlx.Open("postgres", "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	if err := db.WarmPool(ctx, down, 2); err == nil {
		t.Fatal("warming a pool whose Postgres is down reported no error")
	}
}

// TestAttemptsAreNeverDeleted: answers and papers keep no foreign key to
// their attempt (migration 0620: the writers lock the attempt themselves),
// so the schema refuses what the keys also refused, deleting an attempt,
// whether by DELETE or TRUNCATE, rows or no rows.
func TestAttemptsAreNeverDeleted(t *testing.T) {
	t.Parallel()
	d := dbtest.NewDB(t)
	for _, stmt := range []string{"DELETE FROM attempts", "DELETE FROM attempts WHERE id = 1", "TRUNCATE attempts CASCADE"} {
		_, err := d.Exec(stmt)
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Code != "23001" { // restrict_violation
			t.Errorf("%s: got %v, want restrict_violation", stmt, err)
		}
	}
}

// TestPapersAreCompressedWithLZ4: a start's paper and answer key are
// compressed with lz4, cheaper than pglz for every start (migration
// 0630), on a Postgres built with it; one without keeps pglz and the
// migration still applies.
func TestPapersAreCompressedWithLZ4(t *testing.T) {
	t.Parallel()
	d := dbtest.NewDB(t)
	var methods []string
	if err := d.Select(&methods, `SELECT attcompression::text FROM pg_attribute
		WHERE attrelid = 'attempt_papers'::regclass AND attname IN ('paper', 'answer_key') ORDER BY attname`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec("CREATE TEMP TABLE lz4_probe (x text COMPRESSION lz4)"); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "0A000" { // feature_not_supported
			if !slices.Equal(methods, []string{"", ""}) {
				t.Fatalf("no lz4 here, yet the columns name %q", methods)
			}
			t.Skip("this Postgres is built without lz4")
		}
		t.Fatal(err)
	}
	if !slices.Equal(methods, []string{"l", "l"}) { // answer_key, paper
		t.Fatalf("compression of attempt_papers (answer_key, paper): got %q, want lz4 (l) for both", methods)
	}
}
