// Command loadtest drives a lawcontest server's HTTP API as phones do during
// a quiz round, prints per endpoint requests per second, latency quantiles
// and errors by code, checks at the end that Postgres holds every answer and
// result the clients were told, and measures in the same run the machine's
// raw limits (durable single-row INSERTs, Redis ZADD and ZREVRANGE) so the
// figures can be given as ratios. It talks to 127.0.0.1 only, and stops by
// itself.
//
//	go run ./scripts/loadtest -base-url http://127.0.0.1:8081 -model closed -users 64 -duration 60s
//	go run ./scripts/loadtest -inprocess -model open -rate 200 -think 2s -duration 5m
//
// Accounts are made up front straight in Postgres (one shared argon2id hash
// and a session each), plus a few registrations and logins through the API;
// the contest, the round and the question bank are set up through the
// organizer API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"lawcontest/server"
	"lawcontest/server/db"
)

// Options are the loadtest's settings (its flags).
type Options struct {
	BaseURL     string
	DatabaseURL string
	RedisURL    string
	KeyPrefix   string // Redis prefix for the raw-limit keys

	Model     string        // "open" or "closed"
	Rate      float64       // open: participants arriving per second
	Users     int           // closed: participants playing at once
	MaxActive int           // open: cap on participants playing at once
	Burst     int           // participants starting together when the round opens
	BurstRate float64       // the burst's starts arrive at this rate per second (0: all at once)
	Duration  time.Duration // how long participants keep arriving
	Drain     time.Duration // after Duration: time for those playing to finish
	Think     time.Duration // mean time on a question
	Accounts  int           // accounts made up front (each takes one attempt)
	Real      int           // registrations and logins through the API

	Questions       int
	AttemptDuration time.Duration
	MaxAttempts     int
	OpenDelay       time.Duration // the round opens this long after setup

	PChange, PReload, PRepeat float64
	Retries                   int // retries of a 503/429 answer
	Conns                     int // HTTP connections to the server

	Board         string        // "auto", "on" or "off": read the board endpoints
	BoardReaders  int           // after the load: clients reading the top 50 as fast as they can
	BoardDuration time.Duration // ... for this long

	PhaseClients  int           // clients of the autosave and submit phases
	AutosavePhase time.Duration // after the load: autosaves only, for this long (0: no phase)
	SubmitPhase   int           // after the load: this many attempts started, then submitted as fast as possible (0: no phase)

	SkipRaw        bool
	RawConcurrency int
	RawDuration    time.Duration
	RawBoardSize   int

	BoardEntries int // measure Redis bytes per board entry at this many entries (0: no)

	ServerPID int    // sample this process's RSS during the run
	RunID     string // names everything the run makes
}

func defaultOptions() Options {
	return Options{
		BaseURL: "", DatabaseURL: server.DefaultDatabaseURL, RedisURL: server.DefaultRedisURL, KeyPrefix: "lc:",
		Model: "closed", Rate: 50, Users: 64, MaxActive: 5000, Burst: 500, Duration: 30 * time.Second,
		Drain: 30 * time.Second, Think: 0, Accounts: 0, Real: 3,
		Questions: 19, AttemptDuration: 20 * time.Minute, MaxAttempts: 1, OpenDelay: 2 * time.Second,
		PChange: 0.05, PReload: 0.02, PRepeat: 0.05, Retries: 8, Conns: 256, Board: "auto",
		BoardReaders: 20, BoardDuration: 5 * time.Second,
		PhaseClients: 64, AutosavePhase: 5 * time.Second, SubmitPhase: 3000,
		RawConcurrency: 20, RawDuration: 5 * time.Second, RawBoardSize: 10_000,
	}
}

func main() {
	o := defaultOptions()
	var inProcess bool
	var cpuProfile string
	fs := flag.NewFlagSet("loadtest", flag.ExitOnError)
	fs.StringVar(&o.BaseURL, "base-url", o.BaseURL, "the server to drive (loopback only); empty with -inprocess")
	fs.BoolVar(&inProcess, "inprocess", false, "start the server inside this process on a free 127.0.0.1 port")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "with -inprocess: write a CPU profile of the whole process (server and load) here")
	fs.StringVar(&o.DatabaseURL, "database-url", envOr("DATABASE_URL", o.DatabaseURL), "the server's PostgreSQL (setup, checks, raw limits)")
	fs.StringVar(&o.RedisURL, "redis-url", envOr("REDIS_URL", o.RedisURL), "the server's Redis (raw limits)")
	fs.StringVar(&o.Model, "model", o.Model, "open (arrivals at -rate per second) or closed (-users playing at once)")
	fs.Float64Var(&o.Rate, "rate", o.Rate, "open model: participants arriving per second")
	fs.IntVar(&o.Users, "users", o.Users, "closed model: participants playing at once")
	fs.IntVar(&o.MaxActive, "max-active", o.MaxActive, "open model: at most this many playing at once (more arrivals are counted as dropped)")
	fs.IntVar(&o.Burst, "burst", o.Burst, "participants starting together when the round opens")
	fs.Float64Var(&o.BurstRate, "burst-rate", o.BurstRate, "the burst's starts arrive at this many per second (0: all at once)")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long participants keep arriving")
	fs.DurationVar(&o.Drain, "drain", o.Drain, "after -duration, time for those playing to finish (without thinking)")
	fs.DurationVar(&o.Think, "think", o.Think, "mean think time per question (0: as fast as answers come)")
	fs.IntVar(&o.Accounts, "accounts", o.Accounts, "accounts to make up front (0: enough for the run)")
	fs.IntVar(&o.Real, "real", o.Real, "registrations and logins through the API")
	fs.IntVar(&o.Questions, "questions", o.Questions, "questions per attempt")
	fs.DurationVar(&o.AttemptDuration, "attempt-duration", o.AttemptDuration, "time allowed per attempt")
	fs.Float64Var(&o.PChange, "p-change", o.PChange, "chance of changing an earlier answer after each question")
	fs.Float64Var(&o.PReload, "p-reload", o.PReload, "chance of reloading the attempt after each question")
	fs.Float64Var(&o.PRepeat, "p-repeat", o.PRepeat, "chance of repeating the submit")
	fs.IntVar(&o.Conns, "conns", o.Conns, "HTTP connections to the server")
	fs.IntVar(&o.Retries, "retries", o.Retries, "retries of a request answered 503 or 429 (after its Retry-After)")
	fs.StringVar(&o.Board, "board", o.Board, "read the board endpoints: auto (when the server has them), on, off")
	fs.IntVar(&o.BoardReaders, "board-readers", o.BoardReaders, "after the load, clients reading the top 50 of the board as fast as they can")
	fs.DurationVar(&o.BoardDuration, "board-duration", o.BoardDuration, "how long the -board-readers read")
	fs.IntVar(&o.PhaseClients, "phase-clients", o.PhaseClients, "clients of the autosave-only and submit-only phases")
	fs.DurationVar(&o.AutosavePhase, "autosave-phase", o.AutosavePhase, "after the load, autosaves only, as fast as -phase-clients can, for this long (0: skip)")
	fs.IntVar(&o.SubmitPhase, "submit-phase", o.SubmitPhase, "after the load, start this many attempts and submit them as fast as -phase-clients can (0: skip)")
	fs.BoolVar(&o.SkipRaw, "skip-raw", o.SkipRaw, "do not measure the raw limits")
	fs.IntVar(&o.RawConcurrency, "raw-concurrency", o.RawConcurrency, "clients for the raw limits (default: the server's default DB pool)")
	fs.DurationVar(&o.RawDuration, "raw-duration", o.RawDuration, "time per raw measurement")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "sample this process's resident memory during the run")
	fs.IntVar(&o.BoardEntries, "board-memory", 0, "measure Redis bytes per entry of a board of this many entries (e.g. 1000000)")
	fs.Parse(os.Args[1:])

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := mainErr(ctx, o, inProcess, cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

func mainErr(ctx context.Context, o Options, inProcess bool, cpuProfile string) error {
	for _, u := range []string{o.DatabaseURL, o.RedisURL} {
		pu, err := url.Parse(u)
		if err != nil {
			return fmt.Errorf("bad URL %q", u)
		}
		if err := loopbackOnly(pu.Hostname()); err != nil {
			return err
		}
	}
	pg, err := db.OpenPostgres(ctx, o.DatabaseURL, db.PoolConfig{MaxOpen: o.RawConcurrency + 4, MaxIdle: o.RawConcurrency + 4})
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer pg.Close()
	ropt, err := redis.ParseURL(o.RedisURL)
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	ropt.PoolSize = o.RawConcurrency + 4
	rdb := redis.NewClient(ropt)
	defer rdb.Close()

	if inProcess {
		base, pid, stop, err := startInProcess(ctx, o)
		if err != nil {
			return err
		}
		defer stop()
		o.BaseURL, o.ServerPID = base, pid
		if cpuProfile != "" {
			f, err := os.Create(cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if o.BaseURL == "" {
		return errors.New("-base-url is required (or -inprocess)")
	}
	rep, err := Run(ctx, o, pg, rdb, os.Stdout)
	if err != nil {
		return err
	}
	if len(rep.Failures()) > 0 {
		return fmt.Errorf("%d correctness failures", len(rep.Failures()))
	}
	return nil
}

// startInProcess serves the server on a free loopback port in this
// process, configured from the environment (as `lawcontest serve`) and the
// -database-url and -redis-url flags, logging warnings only.
func startInProcess(ctx context.Context, o Options) (string, int, func(), error) {
	cfg, err := server.ConfigFromEnv(func(k string) string {
		switch k {
		case "DATABASE_URL":
			return o.DatabaseURL
		case "REDIS_URL":
			return o.RedisURL
		case "LOG_LEVEL":
			return envOr("LOG_LEVEL", "warn")
		}
		return os.Getenv(k)
	})
	if err != nil {
		return "", 0, nil, err
	}
	lvl := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	d, err := server.Open(ctx, cfg, log)
	if err != nil {
		return "", 0, nil, err
	}
	app, err := server.New(ctx, cfg, d)
	if err != nil {
		return "", 0, nil, err
	}
	server.WarmUp(ctx, cfg, d) // as serve does
	app.Start()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, nil, err
	}
	srv := &http.Server{Handler: app.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	stop := func() {
		srv.Close()
		app.Close()
		d.DB.Close()
		d.Redis.Close()
	}
	return "http://" + l.Addr().String(), os.Getpid(), stop, nil
}

// Report is what a run measured and checked.
type Report struct {
	Options Options
	Raw     *rawLimits
	// RawBefore are the raw limits measured again right before each
	// phase that is compared with one (zero when not measured).
	RawBefore struct {
		AutosaveInsertPerSec, SubmitInsertPerSec, ZRangePerSec float64
	}
	Window       time.Duration // from the round's opening to the last participant's end
	Endpoints    []endpointFigures
	Burst        burstFigures
	Dropped      int64 // open model: arrivals not played (cap or accounts exhausted)
	Completed    int   // attempts submitted and acknowledged
	Verification verification
	Broken       []string // failures seen during the run (reloads, repeat submits)
	PeakRSS      int64    // bytes, of -server-pid
	// BoardOnlyPerSec is top-50 board reads per second through HTTP when
	// nothing else runs (-board-readers for -board-duration).
	BoardOnlyPerSec float64
	// AutosaveOnlyPerSec and SubmitOnlyPerSec are each path's own maximum
	// (the autosave and submit phases).
	AutosaveOnlyPerSec, SubmitOnlyPerSec float64
	InProgress                           int64 // attempts started and not finished when the RSS peak was read
	// CPU is what an operation of each raw measurement and phase cost
	// the machine, in the order run (cpu.go).
	CPU []cpuCost
}

type burstFigures struct {
	Starts  int
	Span    time.Duration // from the opening to the last burst start answered
	PerSec  float64
	P99     time.Duration
	Shed503 int64
}

// Failures are every correctness failure of the run.
func (r *Report) Failures() []string {
	return append(append([]string(nil), r.Broken...), r.Verification.Failures...)
}

func (r *Report) endpoint(name string) endpointFigures {
	for _, e := range r.Endpoints {
		if e.Name == name {
			return e
		}
	}
	return endpointFigures{Name: name}
}

// Run sets up a round, plays it, checks the outcome and prints the report.
func Run(ctx context.Context, o Options, pg *sqlx.DB, rdb redis.UniversalClient, out io.Writer) (*Report, error) {
	if o.RunID == "" {
		o.RunID = strconv.FormatInt(time.Now().Unix()%1_000_000, 36) + newToken()[:3]
		o.RunID = strings.ToLower(strings.NewReplacer("-", "x", "_", "y").Replace(o.RunID))
	}
	if o.Model != "open" && o.Model != "closed" {
		return nil, fmt.Errorf("-model: want open or closed, got %q", o.Model)
	}
	rep := &Report{Options: o}
	st := newStats()
	c, err := newClient(o.BaseURL, o.Conns, st)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "loadtest %s: %s model, %d CPUs, server %s\n", o.RunID, o.Model, runtime.NumCPU(), o.BaseURL)

	// CPU per operation (cpu.go), with -server-pid only: not with the
	// server in this process, whose share could not be told from the load
	// generator's.
	var cpu *cpuMeter
	if o.ServerPID > 0 && o.ServerPID != os.Getpid() {
		cpu = &cpuMeter{serverPID: o.ServerPID}
	}
	var meter *rawMeter
	if !o.SkipRaw {
		meter = &rawMeter{pg: pg, rdb: rdb, keyPrefix: o.KeyPrefix, conc: o.RawConcurrency, d: o.RawDuration,
			boardSize: o.RawBoardSize, cpu: cpu}
		raw, err := meter.all(ctx)
		if err != nil {
			return nil, err
		}
		rep.Raw = &raw
		fmt.Fprintf(out, "raw limits (%d clients, %s each): INSERT %.0f tx/s, ZADD %.0f/s, ZREVRANGE 0 49 %.0f/s (board of %d)\n",
			raw.Concurrency, o.RawDuration, raw.InsertPerSec, raw.ZAddPerSec, raw.ZRangePerSec, raw.BoardSize)
	}
	if o.BoardEntries > 0 {
		usage, err := boardMemory(ctx, rdb, o.KeyPrefix, o.BoardEntries)
		if err != nil {
			return nil, fmt.Errorf("board memory: %w", err)
		}
		fmt.Fprintf(out, "redis: a sorted set of %d board-shaped entries (member: participant id, integer score) takes %.1f bytes/entry by MEMORY USAGE [target < 130]\n",
			o.BoardEntries, usage)
	}

	n := o.Accounts
	if n == 0 {
		if o.Model == "open" {
			n = o.Burst + int(o.Rate*o.Duration.Seconds()*1.2) + 10
		} else {
			// An attempt takes at least its questions' think time, and
			// at least ~100 ms of answers when nobody thinks.
			per := max(time.Duration(o.Questions)*o.Think, 100*time.Millisecond)
			n = o.Burst + o.Users*int(o.Duration/per+1) + 100
		}
	}
	n += o.phaseAccounts()
	setupStart := time.Now()
	s, err := setupDB(ctx, pg, o.RunID, n, 20)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	reals, err := realAccounts(ctx, c, s, o.Real)
	if err != nil {
		return nil, err
	}
	pool := append(reals, s.accounts...)
	phasePool := pool[len(pool)-o.phaseAccounts():]
	pool = pool[:len(pool)-o.phaseAccounts()]
	username, err := createOrganizer(ctx, pg, o.RunID)
	if err != nil {
		return nil, fmt.Errorf("organizer: %w", err)
	}
	opensAt := time.Now().Add(o.OpenDelay + time.Second).Truncate(time.Second)
	rs, _, err := setupRound(ctx, c, username, o, opensAt)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "setup: %d accounts, round %s of %d questions, in %s\n", len(pool), rs.roundID, rs.questionCount,
		time.Since(setupStart).Round(time.Millisecond))

	r := &runner{o: o, c: c, roundID: rs.roundID, hurry: make(chan struct{}), meter: meter, cpu: cpu}
	switch o.Board {
	case "on":
		r.board = true
	case "auto":
		// A new round's board is built by the server's repairer within a
		// few seconds of the first read (503 until then); only a 404 or a
		// board that never comes means this build serves no boards.
		for try := 0; try < 40 && ctx.Err() == nil; try++ {
			res, err := c.do(ctx, "", http.MethodGet, "/api/v1/rounds/"+rs.roundID+"/leaderboard?limit=1", "", nil)
			if err == nil && res.status == http.StatusOK {
				r.board = true
				break
			}
			if err == nil && res.status == http.StatusNotFound {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
	}

	var rss rssSampler
	if o.ServerPID > 0 {
		rss.start(o.ServerPID, func() int64 {
			return r.inProgress.Load()
		})
	}
	if err := play(ctx, r, pool, rs.opensAt, rep, st); err != nil {
		return nil, err
	}
	if o.ServerPID > 0 {
		rep.PeakRSS, rep.InProgress = rss.stop()
	}
	rep.Broken = r.broken
	for _, rec := range r.records {
		if rec.submitted {
			rep.Completed++
		}
	}
	rep.Endpoints = st.figures(rep.Window)
	if r.board && o.BoardReaders > 0 && o.BoardDuration > 0 {
		// The board at its busiest: everyone refreshing the top 50 at once.
		if meter != nil {
			// The machine's speed drifts within a run: its raw limit is
			// measured again right before each phase, for a second ratio.
			if _, rep.RawBefore.ZRangePerSec, err = meter.board(ctx); err != nil {
				return nil, err
			}
		}
		progress("board phase: %d readers for %s", o.BoardReaders, o.BoardDuration)
		from := cpu.sample()
		if err := boardPhase(ctx, o, st, "/api/v1/rounds/"+rs.roundID+"/leaderboard?limit=50"); err != nil {
			return nil, fmt.Errorf("board readers: %w", err)
		}
		progress("board phase done")
		for _, f := range st.figures(o.BoardDuration) {
			if f.Name == "board_top50_only" { // rates over the reading phase, not the load window
				rep.Endpoints = append(rep.Endpoints, f)
				rep.BoardOnlyPerSec = f.PerSecond
				cpu.record("board top-50 (only)", costVsZRange, from, float64(f.OK))
			}
		}
	}
	if o.AutosavePhase > 0 && o.PhaseClients > 0 {
		n := o.PhaseClients * attemptsPerAutosaveClient
		rep.AutosaveOnlyPerSec, rep.RawBefore.AutosaveInsertPerSec = r.autosavePhase(ctx, phasePool[:n], o.PhaseClients, o.AutosavePhase)
		phasePool = phasePool[n:]
	}
	if o.SubmitPhase > 0 && o.PhaseClients > 0 {
		rep.SubmitOnlyPerSec, rep.RawBefore.SubmitInsertPerSec = r.submitPhase(ctx, phasePool[:o.SubmitPhase], o.PhaseClients)
	}
	if o.AutosavePhase > 0 || o.SubmitPhase > 0 {
		for _, f := range st.figures(0) {
			switch f.Name {
			case "autosave_only":
				f.PerSecond = rep.AutosaveOnlyPerSec
			case "submit_only":
				f.PerSecond = rep.SubmitOnlyPerSec
			default:
				continue
			}
			rep.Endpoints = append(rep.Endpoints, f)
		}
	}
	rep.CPU = cpu.measured()
	rep.Verification, err = verify(ctx, pg, r.records)
	if err != nil {
		return nil, fmt.Errorf("verification: %w", err)
	}
	if r.board {
		if err := verifyBoard(ctx, pg, rdb, o.KeyPrefix, parseID(rs.roundID), &rep.Verification); err != nil {
			return nil, fmt.Errorf("board verification: %w", err)
		}
	}
	rep.print(out)
	return rep, nil
}

func (rep *Report) print(out io.Writer) {
	o := rep.Options
	fmt.Fprintf(out, "\nload window %s (%s model", rep.Window.Round(time.Millisecond), o.Model)
	if o.Model == "open" {
		fmt.Fprintf(out, ", %.1f arrivals/s", o.Rate)
	} else {
		fmt.Fprintf(out, ", %d users", o.Users)
	}
	fmt.Fprintf(out, ", think %s, burst %d); ok/s over the window (the *_only lines: over their own phase)\n", o.Think, o.Burst)
	printFigures(out, rep.Endpoints)
	if rep.BoardOnlyPerSec > 0 {
		fmt.Fprintf(out, "board top-50 through HTTP with %d readers and nothing else running: %.0f reads/s\n", o.BoardReaders, rep.BoardOnlyPerSec)
	}
	if rep.AutosaveOnlyPerSec > 0 {
		fmt.Fprintf(out, "autosaves only, %d clients without thinking: %.0f acknowledged/s\n", o.PhaseClients, rep.AutosaveOnlyPerSec)
	}
	if rep.SubmitOnlyPerSec > 0 {
		fmt.Fprintf(out, "submits only, %d clients, %d attempts with their answers autosaved: %.0f acknowledged/s\n", o.PhaseClients, o.SubmitPhase, rep.SubmitOnlyPerSec)
	}
	b := rep.Burst
	if b.Starts > 0 {
		arrivals := "all at once"
		if o.BurstRate > 0 {
			arrivals = fmt.Sprintf("arriving at %.0f/s", o.BurstRate)
		}
		fmt.Fprintf(out, "opening burst (%s): %d starts answered in %s: %.0f starts/s, p99 %s, %d shed with 503\n",
			arrivals, b.Starts, b.Span.Round(time.Millisecond), b.PerSec, ms(b.P99), b.Shed503)
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(out, "dropped arrivals (cap -max-active or no account left): %d\n", rep.Dropped)
	}
	if rep.PeakRSS > 0 {
		fmt.Fprintf(out, "server RSS peak: %.1f MB with up to %d attempts in progress\n", float64(rep.PeakRSS)/(1<<20), rep.InProgress)
	}
	submits := rep.endpoint("submit").PerSecond
	fmt.Fprintf(out, "attempts submitted: %d (%.1f/s)", rep.Completed, submits)
	if submits > 0 {
		const month = 801_678
		fmt.Fprintf(out, "; the contest month (%d attempts) at this rate: %.1f min", month, month/submits/60)
	}
	fmt.Fprintln(out)
	if raw := rep.Raw; raw != nil {
		fmt.Fprintln(out, "ratios to the raw limits (targets of issue 7 in brackets):")
		ratio := func(name string, v, base float64, target string) {
			if base > 0 && v > 0 {
				fmt.Fprintf(out, "  %-34s %8.1f/s / %8.0f/s = %5.2f  [%s]\n", name, v, base, v/base, target)
			}
		}
		ratio("autosaves (mixed load) / raw INSERT", rep.endpoint("autosave").PerSecond, raw.InsertPerSec, ">= 2")
		ratio("autosaves (only) / raw INSERT", rep.AutosaveOnlyPerSec, raw.InsertPerSec, ">= 2")
		ratio("submits (mixed load) / raw INSERT", submits, raw.InsertPerSec, ">= 1")
		ratio("submits (only) / raw INSERT", rep.SubmitOnlyPerSec, raw.InsertPerSec, ">= 1")
		ratio("board top-50 (reads only) / ZREVRANGE", rep.BoardOnlyPerSec, raw.ZRangePerSec, ">= 1")
		b := rep.RawBefore
		if b.AutosaveInsertPerSec > 0 || b.SubmitInsertPerSec > 0 || b.ZRangePerSec > 0 {
			fmt.Fprintln(out, "the same, to the raw limit measured again right before each phase:")
			ratio("autosaves (only) / raw INSERT", rep.AutosaveOnlyPerSec, b.AutosaveInsertPerSec, ">= 2")
			ratio("submits (only) / raw INSERT", rep.SubmitOnlyPerSec, b.SubmitInsertPerSec, ">= 1")
			ratio("board top-50 (reads only) / ZREVRANGE", rep.BoardOnlyPerSec, b.ZRangePerSec, ">= 1")
		}
	}
	printCPU(out, rep.CPU)
	v := rep.Verification
	fmt.Fprintf(out, "verification: %d attempts, %d acknowledged submits and %d acknowledged answers checked against Postgres (%d answers with no reply not checked)\n",
		v.Attempts, v.SubmitsChecked, v.AnswersChecked, v.UncertainAnswers)
	if v.BoardChecked > 0 {
		fmt.Fprintf(out, "board: all %d places of the live Redis board compared with round_ranking in Postgres\n", v.BoardChecked)
	}
	fails := rep.Failures()
	if len(fails) == 0 {
		fmt.Fprintln(out, "correctness: OK")
		return
	}
	fmt.Fprintf(out, "correctness: %d FAILURES\n", len(fails))
	for i, f := range fails {
		if i == 20 {
			fmt.Fprintf(out, "  ... and %d more\n", len(fails)-20)
			break
		}
		fmt.Fprintln(out, "  "+f)
	}
}

// progress tells, on stderr, when a phase starts and ends ("loadtest:
// 18:12:25 board phase done"), so that a profiler can be started on one.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadtest: %s "+format+"\n", append([]any{time.Now().Format(time.TimeOnly)}, args...)...)
}
