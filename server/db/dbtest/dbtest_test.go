package dbtest

import (
	"context"
	"testing"
)

func TestNewDBIsMigratedAndPrivate(t *testing.T) {
	t.Parallel()
	a := NewDB(t)
	b := NewDB(t)
	if _, err := a.Exec("INSERT INTO units (name, kind, search_key) VALUES ('X', 'ward', 'x')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.Get(&n, "SELECT count(*) FROM units"); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second database sees %d units of the first", n)
	}
}

func TestRedisPrefixIsFlushed(t *testing.T) {
	t.Parallel()
	rdb, prefix := NewRedis(t)
	ctx := context.Background()
	rdb.Set(ctx, prefix+"a", 1, 0)
	rdb.Set(ctx, "other:"+prefix, 1, 0)
	defer rdb.Del(ctx, "other:"+prefix)
	if err := FlushPrefix(ctx, rdb, prefix); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Exists(ctx, prefix+"a").Val(); n != 0 {
		t.Fatal("key under prefix survived")
	}
	if n := rdb.Exists(ctx, "other:"+prefix).Val(); n != 1 {
		t.Fatal("key outside prefix was deleted")
	}
}
