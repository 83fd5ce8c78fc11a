package server

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration, read from the environment. Every
// variable is listed in the README with its default.
type Config struct {
	DatabaseURL         string        // DATABASE_URL
	RedisURL            string        // REDIS_URL
	RedisSentinelMaster string        // REDIS_SENTINEL_MASTER (empty: no Sentinel)
	ListenAddr          string        // LISTEN_ADDR
	DBMaxConns          int           // DB_MAX_CONNS
	SecureCookies       bool          // SECURE_COOKIES: set the Secure flag (behind TLS)
	TrustProxy          bool          // TRUST_PROXY: take the client IP from X-Forwarded-For
	SessionLifetime     time.Duration // SESSION_LIFETIME
	StaffIdleTimeout    time.Duration // STAFF_IDLE_TIMEOUT
	AnswerGrace         time.Duration // ANSWER_GRACE: network grace after a deadline
	MaxInFlight         int           // MAX_IN_FLIGHT: concurrent requests before shedding load
	LogLevel            string        // LOG_LEVEL: debug, info, warn, error
	PprofAddr           string        // PPROF_ADDR: loopback address for Go's profiler; empty (default): off
}

// DefaultDatabaseURL and DefaultRedisURL work on a developer's machine.
const (
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/lawcontest?sslmode=disable&connect_timeout=5"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
)

// ConfigFromEnv reads the configuration through getenv and refuses a bad
// value with an error naming the variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:         def(getenv("DATABASE_URL"), DefaultDatabaseURL),
		RedisURL:            def(getenv("REDIS_URL"), DefaultRedisURL),
		RedisSentinelMaster: getenv("REDIS_SENTINEL_MASTER"),
		ListenAddr:          def(getenv("LISTEN_ADDR"), "127.0.0.1:8080"),
		LogLevel:            def(getenv("LOG_LEVEL"), "info"),
	}
	var err error
	if u, e := url.Parse(c.DatabaseURL); e != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return c, fmt.Errorf("DATABASE_URL: want postgres://user@host:port/dbname, got %q", redactURL(c.DatabaseURL))
	}
	if u, e := url.Parse(c.RedisURL); e != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return c, fmt.Errorf("REDIS_URL: want redis://host:port/db, got %q", redactURL(c.RedisURL))
	}
	if _, _, e := net.SplitHostPort(c.ListenAddr); e != nil {
		return c, fmt.Errorf("LISTEN_ADDR: want host:port, got %q", c.ListenAddr)
	}
	if c.DBMaxConns, err = intVar(getenv, "DB_MAX_CONNS", 20, 2, 500); err != nil {
		return c, err
	}
	if c.MaxInFlight, err = intVar(getenv, "MAX_IN_FLIGHT", 2000, 10, 1_000_000); err != nil {
		return c, err
	}
	if c.SecureCookies, err = boolVar(getenv, "SECURE_COOKIES", false); err != nil {
		return c, err
	}
	if c.TrustProxy, err = boolVar(getenv, "TRUST_PROXY", false); err != nil {
		return c, err
	}
	if c.SessionLifetime, err = durVar(getenv, "SESSION_LIFETIME", 30*24*time.Hour); err != nil {
		return c, err
	}
	if c.StaffIdleTimeout, err = durVar(getenv, "STAFF_IDLE_TIMEOUT", 2*time.Hour); err != nil {
		return c, err
	}
	if c.AnswerGrace, err = durVar(getenv, "ANSWER_GRACE", 5*time.Second); err != nil {
		return c, err
	}
	if c.PprofAddr = strings.TrimSpace(getenv("PPROF_ADDR")); c.PprofAddr != "" {
		// The profiler shows the process's insides: never on a public address.
		host, _, e := net.SplitHostPort(c.PprofAddr)
		if ip := net.ParseIP(host); e != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return c, fmt.Errorf("PPROF_ADDR: want a loopback host:port such as 127.0.0.1:6060, got %q", c.PprofAddr)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return c, fmt.Errorf("LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel)
	}
	return c, nil
}

func def(v, d string) string {
	if strings.TrimSpace(v) == "" {
		return d
	}
	return strings.TrimSpace(v)
}

func intVar(getenv func(string) string, name string, d, lo, hi int) (int, error) {
	v := getenv(name)
	if v == "" {
		return d, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s: want a whole number from %d to %d, got %q", name, lo, hi, v)
	}
	return n, nil
}

func boolVar(getenv func(string) string, name string, d bool) (bool, error) {
	v := getenv(name)
	if v == "" {
		return d, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s: want true or false, got %q", name, v)
	}
	return b, nil
}

func durVar(getenv func(string) string, name string, d time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return d, nil
	}
	x, err := time.ParseDuration(v)
	if err != nil || x < 0 {
		return 0, fmt.Errorf("%s: want a duration such as 90s or 2h, got %q", name, v)
	}
	return x, nil
}

// redactURL hides a password in a URL before it is printed.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}
