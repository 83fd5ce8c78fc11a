package db_test

import (
	"context"
	"errors"
	"testing"

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
