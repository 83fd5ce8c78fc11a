// Package db connects to PostgreSQL (the source of truth) and Redis (caches,
// boards and limits that can all be rebuilt), and owns the schema migrations.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"
)

// PoolConfig bounds the Postgres connection pool. Connections have no
// lifetime: see server.Open.
type PoolConfig struct {
	MaxOpen int
	MaxIdle int
}

// OpenPostgres connects to the database named in rawURL and checks that it
// answers. When the server answers but the database does not exist yet, it
// is created first, so a newcomer's first start needs no manual step.
func OpenPostgres(ctx context.Context, rawURL string, pool PoolConfig) (*sqlx.DB, error) {
	db, err := connect(ctx, rawURL, pool)
	if err == nil {
		return db, nil
	}
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "3D000" { // invalid_catalog_name
		return nil, err
	}
	if err := createDatabase(ctx, rawURL); err != nil {
		return nil, err
	}
	return connect(ctx, rawURL, pool)
}

func connect(ctx context.Context, rawURL string, pool PoolConfig) (*sqlx.DB, error) {
	db, err := sqlx.Open("postgres", rawURL)
	if err != nil {
		return nil, err
	}
	if pool.MaxOpen > 0 {
		db.SetMaxOpenConns(pool.MaxOpen)
	}
	if pool.MaxIdle > 0 {
		db.SetMaxIdleConns(pool.MaxIdle)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// createDatabase connects to the "postgres" maintenance database of the same
// server and creates the database that rawURL names.
func createDatabase(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return fmt.Errorf("DATABASE_URL names no database")
	}
	u.Path = "/postgres"
	admin, err := sqlx.Open("postgres", u.String())
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database: another instance won
		return nil
	}
	return err
}

// OpenRedis returns a universal client for rawURL, so that a later move to
// Redis Sentinel (sentinelMaster set) or Cluster (several comma-separated
// host:port in the URL) needs no code change.
func OpenRedis(rawURL, sentinelMaster string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	hosts := strings.Split(u.Host, ",")
	first := *u
	first.Host = hosts[0]
	opt, err := redis.ParseURL(first.String())
	if err != nil {
		return nil, err
	}
	addrs := append([]string{opt.Addr}, hosts[1:]...)
	uo := &redis.UniversalOptions{
		Addrs:        addrs,
		DB:           opt.DB,
		Username:     opt.Username,
		Password:     opt.Password,
		TLSConfig:    opt.TLSConfig,
		MasterName:   sentinelMaster,
		DialTimeout:  2 * time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
		PoolSize:     64,
		// Let request deadlines cut a hanging Redis call short.
		ContextTimeoutEnabled: true,
		MinIdleConns:          4,
	}
	if len(addrs) > 1 && sentinelMaster == "" {
		uo.DB = 0 // Cluster has only database 0
	}
	return redis.NewUniversalClient(uo), nil
}

// WarmPool opens n connections up front, runs warmupSQL on each and
// leaves them idle in the pool. A new Postgres backend plans every
// statement of a PL/pgSQL function the first time it runs it: 17 ms for
// start_group on an idle machine, 40 to 125 ms in the load test's opening
// burst, where the pool handed out one cold backend after the other and
// the first starts waited 300 ms behind them. Best effort: the caller
// logs an error, which only leaves the pool colder.
//
// The server's pool keeps its connections (no lifetime, see server.Open),
// so this is paid once per connection, before serving (server.WarmUp).
func WarmPool(ctx context.Context, db *sqlx.DB, n int) error {
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		if _, err := c.ExecContext(ctx, warmupSQL); err != nil {
			return err
		}
	}
	return nil
}

// warmupSQL calls the group functions (migrations 0600 and 0610) with
// empty arrays, which reads and writes nothing and plans every statement
// in them, and reads the tables every request's session lookup and every
// start read, so that their catalog entries are loaded (a cold backend
// took 40 to 126 ms to parse the session lookup in the same burst). Sent
// without arguments, so lib/pq sends it as one simple query.
const warmupSQL = `
SELECT count(*) FROM start_group('{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');
SELECT count(*) FROM submit_group('{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');
SELECT count(*) FROM finalize_attempts('{}', '{}', '{}', 'submitted');
SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ''::bytea;
SELECT count(*) FROM rounds r JOIN contests c ON c.id = r.contest_id WHERE r.id = 0`
