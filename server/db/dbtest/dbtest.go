// Package dbtest hands each test its own migrated PostgreSQL database and its
// own Redis key prefix, so tests run in parallel against the real servers and
// leave nothing behind.
//
// A migrated template database is made once per schema (its name carries a
// hash of the migrations) and each test's database is copied from it with
// CREATE DATABASE ... TEMPLATE, which takes milliseconds.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"

	"lawcontest/server/db"
)

// AdminURL is the superuser connection used to create test databases.
func AdminURL() string {
	if u := os.Getenv("LAWCONTEST_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&connect_timeout=5"
}

// RedisURL is the Redis server tests use.
func RedisURL() string {
	if u := os.Getenv("LAWCONTEST_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// NewDB returns a fresh, migrated database of the test's own, dropped when
// the test ends. Its URL is returned too, for tests that start a binary.
func NewDB(t testing.TB) *sqlx.DB {
	d, _ := NewDBWithURL(t)
	return d
}

// NewDBWithURL is NewDB that also returns the database's URL.
func NewDBWithURL(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := sqlx.Open("postgres", AdminURL())
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	tmpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		t.Fatalf("dbtest: template: %v", err)
	}
	name := "lctest_" + randomHex(8)
	for try := 0; ; try++ {
		_, err = admin.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl))
		// "source database is being accessed by other users" happens while
		// another process still holds the template briefly; retry.
		if err == nil || try > 50 || !isCode(err, "55006") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	u := withDatabase(AdminURL(), name)
	d, err := db.OpenPostgres(ctx, u, db.PoolConfig{MaxOpen: 20, MaxIdle: 5})
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	t.Cleanup(func() {
		d.Close()
		a, err := sqlx.Open("postgres", AdminURL())
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return d, u
}

const templateLockKey = 7_402_116_002

// ensureTemplate makes the migrated template database for the current set of
// migrations, once across all test processes, and returns its name.
func ensureTemplate(ctx context.Context, admin *sqlx.DB) (string, error) {
	ms, err := db.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00", m.Version, m.Name, m.SQL)
	}
	name := "lctmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	var exists bool
	if err := admin.GetContext(ctx, &exists, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	conn, err := admin.Connx(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLockKey)
	if err := conn.GetContext(ctx, &exists, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Build under a temporary name and rename when complete, so no process
	// ever copies a half-migrated template.
	building := name + "_building"
	conn.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building))
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s", building)); err != nil {
		return "", err
	}
	bdb, err := sqlx.Open("postgres", withDatabase(AdminURL(), building))
	if err != nil {
		return "", err
	}
	if _, err := db.Migrate(ctx, bdb); err != nil {
		bdb.Close()
		return "", err
	}
	bdb.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", err
	}
	// Templates of other schemas are left alone: engineers working on
	// other branches at the same time use them.
	return name, nil
}

// NewRedis returns a client and a key prefix of the test's own; every key
// under the prefix is deleted when the test ends.
func NewRedis(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	rdb, err := db.OpenRedis(RedisURL(), "")
	if err != nil {
		t.Fatalf("dbtest: redis: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("dbtest: redis ping: %v", err)
	}
	prefix := "t" + randomHex(6) + ":"
	t.Cleanup(func() {
		FlushPrefix(context.Background(), rdb, prefix)
		rdb.Close()
	})
	return rdb, prefix
}

// FlushPrefix deletes every key under prefix: the test's own FLUSHALL, which
// leaves other tests running in parallel untouched.
func FlushPrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) error {
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := rdb.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if err := rdb.Unlink(ctx, batch...).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}

func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}

func isCode(err error, code string) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && string(pqErr.Code) == code
}
