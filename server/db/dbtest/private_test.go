package dbtest

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/redis/go-redis/v9"
)

func TestPrivateServersStartStopAndRestart(t *testing.T) {
	t.Parallel()
	pg := StartPostgres(t)
	db, err := sqlx.Open("postgres", pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	pg.Stop()
	if err := db.Ping(); err == nil {
		t.Fatal("stopped cluster still answers")
	}
	pg.Start()
	if err := db.Ping(); err != nil {
		t.Fatalf("after restart: %v", err)
	}

	r := StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.URL()[len("redis://") : len(r.URL())-2]})
	defer rdb.Close()
	ctx := context.Background()
	rdb.Set(ctx, "k", "v", 0)
	r.Kill()
	r.Start()
	if n := rdb.Exists(ctx, "k").Val(); n != 0 {
		t.Fatal("a killed Redis kept its data")
	}
}
