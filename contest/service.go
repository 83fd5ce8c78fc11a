// Package contest owns contests, quiz rounds, participants' attempts on the
// server's clock, autosaved answers, scoring, the sweeper that finalizes
// attempts nobody submitted, and the one ranking order of API.md (in SQL:
// round_ranking). It knows nothing of HTTP: server/ decodes requests, calls
// a Service and encodes what it returns; errors are *apperr.Error values.
//
// Invariants kept here, most of them by the database itself:
//   - one attempt in progress per participant and round (a partial unique
//     index) and the attempt limit under concurrent starts (a locked
//     per-participant counter row);
//   - deadline = min(started_at + duration, closes_at), fixed at the start;
//   - an acknowledged autosave is committed in Postgres;
//   - an attempt goes from in_progress to submitted or expired exactly once,
//     under a row lock, whoever (submit, second tab, sweeper) gets there;
//   - the correct option never leaves this package before the round closes,
//     except in practice rounds after the attempt is finished.
package contest

import (
	"context"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/audit"
	"lawcontest/clock"
	"lawcontest/contest/leaderboard"
	"lawcontest/pgstmt"
	"lawcontest/questions"
)

// Bank is what contest needs of the question bank (*questions.Bank).
type Bank interface {
	// CheckBlueprint returns a validation error naming the part of bp that
	// the bank lacks questions for.
	CheckBlueprint(ctx context.Context, bp questions.Blueprint) error
	// Draw is a pure function of the blueprint, the candidates and seed.
	Draw(ctx context.Context, bp questions.Blueprint, seed int64) (questions.Paper, error)
	// Rebuild returns the exact paper stored as refs, from immutable versions.
	Rebuild(ctx context.Context, refs []questions.PaperRef) ([]questions.PaperQuestion, error)
}

// Board is the live leaderboard (contest/leaderboard in Redis). It may be
// unavailable: nothing here depends on it for correctness.
type Board interface {
	// RecordAll puts attempts on the board (a participant's best one
	// counts) and returns each participant's place once all are recorded,
	// zero where it cannot tell.
	RecordAll(ctx context.Context, es []leaderboard.Entry) ([]leaderboard.Place, error)
	// Rank returns a participant's 1-based position and the board's size.
	Rank(ctx context.Context, roundID, participantID int64) (position, total int64, err error)
	// Remove takes a participant off a round's board (disqualified).
	Remove(ctx context.Context, roundID, participantID int64) error
}

// Actor is who makes an organizer change, for the audit log.
type Actor = audit.Actor

// Options are the settings of a Service.
type Options struct {
	// Grace is how long after an attempt's deadline its answers and submit
	// are still accepted, for answers that were on their way through a slow
	// mobile network. Default 5s.
	Grace time.Duration
	// Logger receives what cannot be returned (a board that failed).
	Logger *slog.Logger
	// AutosaveGroup bounds how many autosaves are committed in one
	// transaction (default 256), and AutosaveCommitters how many such
	// transactions run at once (default 1, see defaultAutosaveCommitters).
	AutosaveGroup      int
	AutosaveCommitters int
}

// defaultAutosaveCommitters is one: one autosave group is committed at a
// time. Two had been the default since the fourth pass; on the twelfth
// pass's machine, four interleaved pairs of autosave phases (in both
// orders) gave 10,806 to 13,806 autosaves/s with one against 8,481 to
// 11,060 with two, the whole machine spending 128 to 170 µs per autosave
// against 171 to 230 (Postgres, Redis and the kernel 21 to 34 µs against
// 36 to 58: with two, twice the groups, each paying its round trip, commit
// and flush). In the mixed load the difference was within the spread (six
// pairs: medians 243 and 241 attempts/s). A single committer's groups grow
// with the load instead. Its cost: a group that waits for a row lock (an
// attempt that a round's close holds FOR UPDATE) holds up the autosaves
// queued behind it; with two, the next group was as likely to hold an
// answer of that round and wait too.
const defaultAutosaveCommitters = 1

// DefaultGrace is the network grace after a deadline.
const DefaultGrace = 5 * time.Second

// Service is the contest domain. Build one with New and share it.
type Service struct {
	st    store
	bank  Bank
	board Board
	clock clock.Clock
	grace time.Duration
	log   *slog.Logger
	saves *groupCommit[*answerSave]
	// submits commits submits in groups (submitcommit.go)
	submits *groupCommit[*submitItem]
	// starts commits starts in groups (startcommit.go)
	starts *groupCommit[*startItem]
	// papers checks autosaves against their attempt's paper (papercache.go)
	papers *paperCache
	// rounds spares Start reading the round of every start of a burst
	rounds roundCache
	// shown keeps the questions' texts encoded for the attempt's JSON
	// (attemptjson.go)
	shown shownCache
}

// New returns a Service over db. board may be nil (no live board).
func New(db *sqlx.DB, bank Bank, board Board, clk clock.Clock, opt Options) *Service {
	if opt.Grace <= 0 {
		opt.Grace = DefaultGrace
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.AutosaveGroup <= 0 {
		opt.AutosaveGroup = 256
	}
	if opt.AutosaveCommitters <= 0 {
		opt.AutosaveCommitters = defaultAutosaveCommitters
	}
	st := store{db: db, stmts: pgstmt.New(db)}
	s := &Service{st: st, bank: bank, board: board, clock: clk, grace: opt.Grace, log: opt.Logger,
		saves:  newGroupCommit(opt.AutosaveGroup, opt.AutosaveCommitters, st.saveAnswerGroup),
		starts: newGroupCommit(startGroupMax, startCommitters, st.startGroup),
		papers: &paperCache{stmts: st.stmts}}
	s.submits = newGroupCommit(submitGroupMax, submitCommitters, st.submitGroup)
	s.submits.afterCommit = s.recordSubmits
	return s
}

// GroupStats returns the counters of the group commits of autosaves,
// starts and submits, by those names.
func (s *Service) GroupStats() map[string]GroupStats {
	return map[string]GroupStats{
		"autosave": s.saves.stats.snapshot(),
		"start":    s.starts.stats.snapshot(),
		"submit":   s.submits.stats.snapshot(),
	}
}

// now is the service's clock truncated to the millisecond: every time an
// attempt stores is on a millisecond, so durations are exact and the Redis
// board's millisecond encoding orders exactly as Postgres does.
func (s *Service) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Millisecond)
}
