package leaderboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Loader reads what boards are rebuilt from: the source of truth. The
// contest store implements it over Postgres.
type Loader interface {
	// LiveRounds lists the rounds whose live boards are in use: open
	// rounds, and closed ones whose board is still shown.
	LiveRounds(ctx context.Context) ([]int64, error)
	// BestEntries streams the best submitted attempt of each participant
	// of the round, stopping when yield returns false.
	BestEntries(ctx context.Context, roundID int64, yield func(Entry) bool) error
	// CountBest is how many participants of the round have a submitted
	// attempt; it only sizes the progress output.
	CountBest(ctx context.Context, roundID int64) (int64, error)
}

// Texts is the text catalogue (frontend/i18n's *Catalog) that command
// output is written with.
type Texts interface {
	T(key string, args ...any) string
}

// RebuildCommand is `lawcontest leaderboard rebuild [--round ID]`: it
// rebuilds the board of one round (roundID > 0) or of every live round
// (roundID 0), printing progress to w, about every tenth of a round.
func RebuildCommand(ctx context.Context, b *Board, l Loader, roundID int64, texts Texts, w io.Writer) error {
	rounds := []int64{roundID}
	if roundID <= 0 {
		var err error
		if rounds, err = l.LiveRounds(ctx); err != nil {
			return err
		}
		if len(rounds) == 0 {
			fmt.Fprintln(w, texts.T("leaderboard.rebuild_none"))
			return nil
		}
	}
	var failed error
	for _, r := range rounds {
		total, err := l.CountBest(ctx, r)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, texts.T("leaderboard.rebuild_start", r, total))
		start := b.clk.Now()
		next := int64(0)
		step := max(total/10, 1)
		last := 0
		progress := func(done int) {
			last = done
			if int64(done) >= next && int64(done) < total {
				fmt.Fprintln(w, texts.T("leaderboard.rebuild_progress", r, done, total, int64(done)*100/max(total, 1)))
				next = (int64(done)/step + 1) * step
			}
		}
		err = b.Rebuild(ctx, r, func(yield func(Entry) bool) error {
			return l.BestEntries(ctx, r, yield)
		}, progress)
		switch {
		case errors.Is(err, ErrRebuildRunning):
			fmt.Fprintln(w, texts.T("leaderboard.rebuild_running"))
			failed = err
		case err != nil:
			fmt.Fprintln(w, texts.T("leaderboard.rebuild_failed", r))
			return err
		default:
			fmt.Fprintln(w, texts.T("leaderboard.rebuild_done", r, last, b.clk.Now().Sub(start).Seconds()))
		}
	}
	return failed
}

// Repairer brings lost boards back: it replays Records that failed on a
// Redis error and rebuilds the board of every live round whose marker is
// missing, from Postgres. One runs in every server process; the rebuild
// lock lets only one of them rebuild a round.
type Repairer struct {
	b   *Board
	l   Loader
	log *slog.Logger
}

// NewRepairer returns a Repairer; log may be nil.
func NewRepairer(b *Board, l Loader, log *slog.Logger) *Repairer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Repairer{b: b, l: l, log: log}
}

// RepairOnce does one pass and returns the rounds it rebuilt.
func (r *Repairer) RepairOnce(ctx context.Context) ([]int64, error) {
	stale, err := r.b.Retry(ctx)
	if err != nil {
		return nil, err
	}
	live, err := r.l.LiveRounds(ctx)
	if err != nil {
		return nil, err
	}
	todo := map[int64]bool{}
	for _, id := range stale {
		todo[id] = true
	}
	for _, id := range live {
		need, err := r.b.NeedsRebuild(ctx, id)
		if err != nil {
			return nil, err
		}
		if need {
			todo[id] = true
		}
	}
	var rebuilt []int64
	for id := range todo {
		start := r.b.clk.Now()
		n := 0
		err := r.b.Rebuild(ctx, id, func(yield func(Entry) bool) error {
			return r.l.BestEntries(ctx, id, yield)
		}, func(done int) { n = done })
		switch {
		case errors.Is(err, ErrRebuildRunning):
			continue // another process is on it
		case err != nil:
			return rebuilt, fmt.Errorf("rebuilding round %d: %w", id, err)
		}
		r.log.Info("leaderboard rebuilt", "round", id, "entries", n, "seconds", r.b.clk.Now().Sub(start).Seconds())
		rebuilt = append(rebuilt, id)
	}
	return rebuilt, nil
}

// Run repairs every interval, and as soon as a call finds a board lost,
// until ctx ends.
func (r *Repairer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.b.Lost():
			// Many readers report the same loss: one pass serves them all.
			for len(r.b.Lost()) > 0 {
				<-r.b.Lost()
			}
		}
		if _, err := r.RepairOnce(ctx); err != nil && ctx.Err() == nil {
			if errors.Is(err, ErrUnavailable) {
				r.log.Debug("leaderboard repair: redis unavailable", "err", err)
			} else {
				r.log.Warn("leaderboard repair failed", "err", err)
			}
		}
	}
}
