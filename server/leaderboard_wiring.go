package server

import (
	"context"
	"time"

	"lawcontest/contest/leaderboard"
)

// The live leaderboards (contest/leaderboard): the Redis boards, the
// Postgres store they are rebuilt from, and their public view.

// boardRepairEvery is how often each instance checks that the boards of
// live rounds are intact (a lost board is also repaired as soon as a call
// finds it lost).
const boardRepairEvery = 5 * time.Second

func (a *App) wireLeaderboard(d Deps) {
	a.board = leaderboard.New(d.Redis, d.KeyPrefix, d.Clock)
	a.boardStore = leaderboard.NewStore(d.DB, d.Clock)
	a.boards = leaderboard.NewPublic(a.board, a.boardStore)
}

// startLeaderboard runs the repairer until ctx ends: it replays Records
// that failed on a Redis error and rebuilds lost boards from Postgres.
func (a *App) startLeaderboard(ctx context.Context) {
	r := leaderboard.NewRepairer(a.board, a.boardStore, a.log)
	a.jobs.Add(1)
	go func() {
		defer a.jobs.Done()
		r.Run(ctx, boardRepairEvery)
	}()
}
