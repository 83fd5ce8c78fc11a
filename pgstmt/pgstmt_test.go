package pgstmt

import (
	"context"
	"testing"
	"time"

	"lawcontest/server/db/dbtest"
)

// A transaction holding the pool's only connection must not wait for a
// second one to prepare a statement: it runs the query unprepared, the
// statement is prepared once a connection is free, and later transactions
// use it.
func TestInTxNeverNeedsASecondConnection(t *testing.T) {
	t.Parallel()
	db := dbtest.NewDB(t)
	db.SetMaxOpenConns(1)
	c := New(db)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const q = `SELECT $1::int + 1`

	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := c.InTx(ctx, tx, q); st != nil {
		t.Fatal("a statement before it was prepared")
	}
	var n int
	if err := tx.QueryRowContext(ctx, q, 1).Scan(&n); err != nil || n != 2 {
		t.Fatalf("unprepared in the transaction: %d, %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	for { // prepared in the background once the connection is free
		if _, ok := c.m.Load(q); ok {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("never prepared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	tx, err = db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	st := c.InTx(ctx, tx, q)
	if st == nil {
		t.Fatal("not prepared for the next transaction")
	}
	if err := st.QueryRowContext(ctx, 41).Scan(&n); err != nil || n != 42 {
		t.Fatalf("prepared in the transaction: %d, %v", n, err)
	}
}

func TestStmtPreparedOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.NewDB(t)
	c := New(db)
	ctx := context.Background()
	a, err := c.Stmt(ctx, `SELECT 1`)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Stmt(ctx, `SELECT 1`)
	if err != nil || a != b {
		t.Fatalf("prepared twice (%p, %p) or failed: %v", a, b, err)
	}
	var n int
	if err := c.Get(ctx, &n, `SELECT $1::int * 2`, 21); err != nil || n != 42 {
		t.Fatalf("Get: %d, %v", n, err)
	}
	if err := c.QueryRow(ctx, `SELECT $1::int * 3`, 5).Scan(&n); err != nil || n != 15 {
		t.Fatalf("QueryRow: %d, %v", n, err)
	}
}
