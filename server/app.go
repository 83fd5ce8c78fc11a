// Package server is the composition root and the only package that imports
// Echo: configuration, the App built once at start, the route table, the
// middleware (sessions, CSRF, roles, rate limits, body limits), thin
// handlers, and the mapping of domain errors to the API's error shape.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"lawcontest/account"
	"lawcontest/clock"
	"lawcontest/contest"
	"lawcontest/contest/essay"
	"lawcontest/contest/leaderboard"
	"lawcontest/frontend"
	"lawcontest/frontend/i18n"
	"lawcontest/questions"
	"lawcontest/server/db"
	"lawcontest/server/ratelimit"
)

// Deps are the connections and services an App is built from. Tests build
// them with their own database, Redis prefix and clock.
type Deps struct {
	DB        *sqlx.DB
	Redis     redis.UniversalClient
	KeyPrefix string // every Redis key starts with it
	Clock     clock.Clock
	Log       *slog.Logger
}

// App is the whole server, built once by New and shared by every request.
type App struct {
	cfg Config
	db  *sqlx.DB
	rdb redis.UniversalClient
	// keyPrefix starts every Redis key of this server (tests get their own)
	keyPrefix string
	clock     clock.Clock
	log       *slog.Logger
	text      *i18n.Catalog
	pages     *frontend.Pages
	hasher    *account.Hasher
	limiter   *ratelimit.Limiter
	metrics   *metrics

	accounts *account.Store
	sessions account.SessionPolicy
	essays   *essay.Service
	// participation checks whether a participant has taken part in any
	// contest (see hasTakenPart); each contest package adds one.
	participation []func(ctx context.Context, userID int64) (bool, error)
	contests      *contest.Service
	// live leaderboards (server/leaderboard_wiring.go)
	board      *leaderboard.Board
	boardStore *leaderboard.Store
	boards     *leaderboard.Public
	// overviewCache spares the live page of a large round (results_pages.go)
	overviewCache overviews
	// boardBodies keeps encoded board pages (board_bodies.go)
	boardBodies bodyCache

	// questions is the question bank (authoring, import/export, draws).
	questions *questions.Bank

	// sessionCache spares Postgres the session lookup of most requests
	// (session_cache.go)
	sessionCache *sessionCache

	csrfKey  []byte
	inFlight chan struct{}
	// newWorkInFlight bounds new attempts in flight to half of inFlight
	// (shedNewWork)
	newWorkInFlight chan struct{}

	echo *echo.Echo

	// background jobs started by Start, stopped by Close
	stopJobs context.CancelFunc
	jobs     sync.WaitGroup
}

// Open connects to Postgres and Redis as cfg says and applies pending
// migrations. The caller closes both.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (Deps, error) {
	// Connections are kept until they break, warmed once (db.WarmPool). A
	// lifetime would close them all at the same moment, since they were
	// opened together, and the next burst would wait while twenty new
	// backends plan the group functions. A Postgres that fails over
	// closes its connections, and the pool opens new ones.
	pg, err := db.OpenPostgres(ctx, cfg.DatabaseURL, db.PoolConfig{MaxOpen: cfg.DBMaxConns, MaxIdle: cfg.DBMaxConns})
	if err != nil {
		return Deps{}, fmt.Errorf("postgres (%s): %w", redactURL(cfg.DatabaseURL), err)
	}
	if n, err := db.Migrate(ctx, pg); err != nil {
		pg.Close()
		return Deps{}, fmt.Errorf("migrations: %w", err)
	} else if n > 0 {
		log.Info("applied migrations", "count", n)
	}
	rdb, err := db.OpenRedis(cfg.RedisURL, cfg.RedisSentinelMaster)
	if err != nil {
		pg.Close()
		return Deps{}, fmt.Errorf("REDIS_URL: %w", err)
	}
	// Redis being down does not stop the server: it starts, answers
	// /readyz with 503 naming Redis, and the features that need it degrade.
	if err := rdb.Ping(ctx).Err(); err != nil {
		log.Warn("redis does not answer at start", "err", err)
	}
	return Deps{DB: pg, Redis: rdb, KeyPrefix: "lc:", Clock: clock.Real{}, Log: log}, nil
}

// WarmUp opens the whole Postgres pool and warms every connection
// (db.WarmPool) before the server takes requests. A failure is logged: it
// only leaves the pool colder.
func WarmUp(ctx context.Context, cfg Config, d Deps) {
	if err := db.WarmPool(ctx, d.DB, cfg.DBMaxConns); err != nil {
		d.Log.Warn("postgres connections not warmed up", "err", err)
	}
}

// New builds the App: every store, service and the route table.
func New(ctx context.Context, cfg Config, d Deps) (*App, error) {
	if err := db.CheckSchema(ctx, d.DB); err != nil {
		return nil, err
	}
	text, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	pages, err := frontend.NewPages(text)
	if err != nil {
		return nil, err
	}
	a := &App{
		cfg:       cfg,
		db:        d.DB,
		rdb:       d.Redis,
		keyPrefix: d.KeyPrefix,
		clock:     d.Clock,
		log:       d.Log,
		text:      text,
		pages:     pages,
		hasher:    account.NewHasher(),
		limiter:   ratelimit.New(d.Redis, d.KeyPrefix, d.Log),
		metrics:   newMetrics(prometheus.NewRegistry()),
		inFlight:  make(chan struct{}, cfg.MaxInFlight),
		// half, at least one
		newWorkInFlight: make(chan struct{}, max(cfg.MaxInFlight/2, 1)),
		sessions: account.SessionPolicy{
			Lifetime:   cfg.SessionLifetime,
			StaffIdle:  cfg.StaffIdleTimeout,
			TouchEvery: time.Minute,
		},
	}
	a.metrics.registerInFlight(a.inFlight)
	a.accounts = account.NewStore(d.DB, d.Clock, a.hasher)
	a.sessionCache = newSessionCache(d.Redis, d.KeyPrefix)
	// One bank per process: it caches draw candidates and the versions it
	// has recorded as drawn.
	a.questions = questions.NewBank(d.DB, d.Clock)
	a.wireLeaderboard(d)
	a.contests = contest.New(d.DB, a.questions, a.board, d.Clock, contest.Options{Grace: cfg.AnswerGrace, Logger: d.Log})
	a.metrics.registry.MustRegister(newGroupCollector(a.contests.GroupStats))
	a.participation = append(a.participation, a.contests.HasTakenPart)
	a.essays = essay.New(d.DB, d.Clock)
	a.participation = append(a.participation, a.essays.TookPart)
	if a.csrfKey, err = loadSecret(ctx, d.DB, "csrf"); err != nil {
		return nil, err
	}
	a.echo = a.newEcho()
	return a, nil
}

// loadSecret returns the named secret shared by every instance, making it
// on first use.
func loadSecret(ctx context.Context, pg *sqlx.DB, name string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if _, err := pg.ExecContext(ctx, `INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, b); err != nil {
		return nil, err
	}
	var v []byte
	err := pg.GetContext(ctx, &v, `SELECT value FROM app_secrets WHERE name = $1`, name)
	return v, err
}

// Handler returns the HTTP handler of the whole server.
func (a *App) Handler() http.Handler { return a.echo }

// Start launches the background jobs (sweepers, cleanup). Close stops them.
func (a *App) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	a.stopJobs = cancel
	a.every(ctx, "expired-sessions", 10*time.Minute, func(ctx context.Context) error {
		_, err := a.accounts.DeleteExpiredSessions(ctx)
		return err
	})
	// Participants' last-seen times, queued by the requests (see
	// account/touches.go), written together.
	a.every(ctx, "session-touches", time.Second, func(ctx context.Context) error {
		_, err := a.accounts.FlushTouches(ctx)
		return err
	})
	// Attempts nobody submitted are finalized a few seconds after their
	// deadline and grace; safe with any number of instances.
	a.every(ctx, "attempt-sweeper", 3*time.Second, func(ctx context.Context) error {
		_, err := a.contests.FinalizeAllDue(ctx)
		return err
	})
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		a.sessionCache.listen(ctx, func(err error) {
			a.log.Warn("session cache off until its Redis subscription is back", "err", err)
		})
	}()
	a.startLeaderboard(ctx)
	a.startResults(ctx)
}

// every runs job every period (with up to 20 % jitter, so instances do not
// line up) until ctx ends.
func (a *App) every(ctx context.Context, name string, period time.Duration, job func(context.Context) error) {
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		for {
			jitter := time.Duration(randUint64() % uint64(period/5+1))
			select {
			case <-ctx.Done():
				return
			case <-time.After(period + jitter):
			}
			if err := job(ctx); err != nil && !errors.Is(err, context.Canceled) {
				a.log.Error("background job failed", "job", name, "err", err)
			}
		}
	}()
}

// Close stops background jobs. The caller closes the connections.
func (a *App) Close() {
	if a.stopJobs != nil {
		a.stopJobs()
	}
	a.jobs.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.accounts.FlushTouches(ctx); err != nil {
		a.log.Warn("last-seen times of sessions not written", "err", err)
	}
}

// Serve listens on cfg.ListenAddr until ctx ends, then stops accepting,
// lets in-flight requests finish for up to 10 s, and returns.
func (a *App) Serve(ctx context.Context) error {
	srv := &http.Server{
		Addr:              a.cfg.ListenAddr,
		Handler:           a.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	a.log.Info("serving", "addr", a.cfg.ListenAddr)
	if a.cfg.PprofAddr != "" {
		ps := &http.Server{Addr: a.cfg.PprofAddr, Handler: pprofHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := ps.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("pprof listener failed", "addr", a.cfg.PprofAddr, "err", err)
			}
		}()
		defer ps.Close()
		a.log.Info("profiler listening", "addr", a.cfg.PprofAddr)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
