package server

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"lawcontest/account"
	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/clock"
	"lawcontest/contest/leaderboard"
	"lawcontest/frontend/i18n"
)

const usage = `lawcontest: online law contests of a city Department of Justice

Usage:
  lawcontest [serve]                 migrate if needed, then serve
  lawcontest migrate                 apply pending migrations and exit
  lawcontest user create --role admin|organizer|judge --username U --display-name D
                                     create a staff account (password from
                                     LAWCONTEST_PASSWORD or standard input)
  lawcontest seed demo               load the demo units, accounts and contests
  lawcontest leaderboard rebuild [--round ID]
                                     rebuild the Redis boards from Postgres
  lawcontest healthcheck             GET /healthz on LISTEN_ADDR (for Docker)

Configuration comes from the environment: see README.md.
`

// cli carries the command line's input and output.
type cli struct {
	args           []string
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// Main runs the command line and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{args: args, stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	err := c.run()
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "lawcontest: %s\n\n%s", ue.msg, usage)
		return 2
	}
	fmt.Fprintf(stderr, "lawcontest: %s\n", oneLine(err))
	return 1
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func oneLine(err error) string {
	if e, ok := apperr.As(err); ok {
		cat := i18n.MustLoad()
		parts := []string{cat.T(e.Msg.Key, e.Msg.Args...)}
		for f, m := range e.Fields {
			parts = append(parts, f+": "+cat.T(m.Key, m.Args...))
		}
		return strings.Join(parts, "; ")
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

func (c *cli) run() error {
	args := c.args
	if len(args) == 0 {
		return c.serve(nil)
	}
	switch args[0] {
	case "serve":
		return c.serve(args[1:])
	case "migrate":
		return c.migrate(args[1:])
	case "user":
		if len(args) < 2 || args[1] != "create" {
			return usageError{"usage: lawcontest user create --role R --username U --display-name D"}
		}
		return c.userCreate(args[2:])
	case "seed":
		if len(args) < 2 || args[1] != "demo" {
			return usageError{"usage: lawcontest seed demo"}
		}
		return c.seedDemo(args[2:])
	case "leaderboard":
		if len(args) < 2 || args[1] != "rebuild" {
			return usageError{"usage: lawcontest leaderboard rebuild [--round ID]"}
		}
		return c.leaderboardRebuild(args[2:])
	case "healthcheck":
		return c.healthcheck()
	case "-h", "--help", "help":
		fmt.Fprint(c.stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func (c *cli) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func (c *cli) logger(cfg Config) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	return slog.New(slog.NewJSONHandler(c.stderr, &slog.HandlerOptions{Level: level}))
}

// open reads the configuration, connects and migrates.
func (c *cli) open(ctx context.Context) (Config, Deps, error) {
	cfg, err := ConfigFromEnv(c.getenv)
	if err != nil {
		return cfg, Deps{}, err
	}
	log := c.logger(cfg)
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	d, err := Open(octx, cfg, log)
	return cfg, d, err
}

func closeDeps(d Deps) {
	d.DB.Close()
	d.Redis.Close()
}

func (c *cli) serve(args []string) error {
	if err := c.parse(c.flags("serve"), args); err != nil {
		return err
	}
	tuneGC(c.getenv)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, d, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer closeDeps(d)
	app, err := New(ctx, cfg, d)
	if err != nil {
		return err
	}
	WarmUp(ctx, cfg, d)
	app.Start()
	defer app.Close()
	if err := app.Serve(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (c *cli) migrate(args []string) error {
	if err := c.parse(c.flags("migrate"), args); err != nil {
		return err
	}
	_, d, err := c.open(context.Background())
	if err != nil {
		return err
	}
	closeDeps(d)
	fmt.Fprintln(c.stdout, "migrations applied")
	return nil
}

func (c *cli) userCreate(args []string) error {
	fs := c.flags("user create")
	role := fs.String("role", "", "admin, organizer or judge")
	username := fs.String("username", "", "login name")
	display := fs.String("display-name", "", "name shown to others")
	unit := fs.String("unit-id", "", "unit id (judges: never scores essays of this unit)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *role == "" || *username == "" || *display == "" {
		return usageError{"--role, --username and --display-name are required"}
	}
	password := c.getenv("LAWCONTEST_PASSWORD")
	if password == "" {
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("no password: set LAWCONTEST_PASSWORD or give it on standard input")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	ctx := context.Background()
	_, d, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer closeDeps(d)
	store := account.NewStore(d.DB, clock.Real{}, account.NewHasher())
	tx, err := d.DB.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, err := store.CreateStaff(ctx, tx, account.NewStaff{Username: *username, Password: password, Role: *role, DisplayName: *display, UnitID: *unit})
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, time.Now().UTC(), audit.System, "user.create", "user", idString(u.ID),
		map[string]any{"username": *u.Username, "role": u.Role, "via": "cli"}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "created %s %q (id %d)\n", u.Role, *u.Username, u.ID)
	return nil
}

func (c *cli) healthcheck() error {
	cfg, err := ConfigFromEnv(c.getenv)
	if err != nil {
		return err
	}
	addr := cfg.ListenAddr
	if strings.HasPrefix(addr, "0.0.0.0:") || strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1:" + addr[strings.LastIndex(addr, ":")+1:]
	}
	client := &http.Client{Timeout: 3 * time.Second}
	res, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %d", res.StatusCode)
	}
	return nil
}

func (c *cli) leaderboardRebuild(args []string) error {
	fs := c.flags("leaderboard rebuild")
	round := fs.Int64("round", 0, "only this round")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *round < 0 {
		return usageError{"--round must be a round id"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	_, d, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer closeDeps(d)
	board := leaderboard.New(d.Redis, d.KeyPrefix, clock.Real{})
	store := leaderboard.NewStore(d.DB, clock.Real{})
	return leaderboard.RebuildCommand(ctx, board, store, *round, i18n.MustLoad(), c.stdout)
}

// tuneGC collects garbage less often than Go's default unless GOGC or
// GOMEMLIMIT say otherwise: the server's live heap is small (tens of MB)
// and most of what it allocates lives for one request, so at the default
// the collector took about 15 % of the server's CPU on a hot board in the
// load test. The heap may grow to five times the live data, under a soft
// limit of 200 MiB that brings the collector back when memory gets short
// (issue 7 asks for under 300 MB of RSS with 20,000 attempts in progress).
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(200 << 20)
	}
}
