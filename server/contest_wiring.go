package server

import (
	"context"
	"fmt"
	"io"

	"github.com/jmoiron/sqlx"

	"lawcontest/clock"
	"lawcontest/contest"
)

// seedDemoQuiz is the demo step of quiz rounds: a contest with a round open
// now, a practice round and a round opening tomorrow. It runs after the
// demo question bank is loaded into bank.
func seedDemoQuiz(ctx context.Context, pg *sqlx.DB, bank contest.Bank, clk clock.Clock, progress io.Writer) error {
	id, err := contest.SeedDemo(ctx, pg, bank, clk, nil)
	if err != nil {
		return fmt.Errorf("demo quiz contest: %w", err)
	}
	fmt.Fprintf(progress, "demo quiz contest: /contests/%d\n", id)
	return nil
}
