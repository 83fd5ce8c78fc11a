package server

import (
	"context"
	"fmt"
	"io"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/clock"
	"lawcontest/contest"
	"lawcontest/questions"
)

// newQuizBank is the question bank quiz rounds draw papers from.
//
// MERGE NOTE (lead): until questions.Bank is in main this is a placeholder
// that answers "unavailable"; replace the body with
// `return questions.NewBank(pg, clk)` (or the App's shared bank) when it lands.
func newQuizBank(pg *sqlx.DB, clk clock.Clock) contest.Bank { return noBank{} }

type noBank struct{}

func (noBank) CheckBlueprint(context.Context, questions.Blueprint) error {
	return apperr.New(apperr.Unavailable, "error.unavailable")
}

func (noBank) Draw(context.Context, questions.Blueprint, int64) (questions.Paper, error) {
	return questions.Paper{}, apperr.New(apperr.Unavailable, "error.unavailable")
}

func (noBank) Rebuild(context.Context, []questions.PaperRef) ([]questions.PaperQuestion, error) {
	return nil, apperr.New(apperr.Unavailable, "error.unavailable")
}

// seedDemoQuiz is the demo step of quiz rounds: a contest with a round open
// now, a practice round and a round opening tomorrow. It runs after the
// demo question bank is loaded.
func seedDemoQuiz(ctx context.Context, pg *sqlx.DB, clk clock.Clock, progress io.Writer) error {
	bank := newQuizBank(pg, clk)
	if _, ok := bank.(noBank); ok {
		fmt.Fprintln(progress, "demo quiz contest: skipped (no question bank in this build)")
		return nil
	}
	id, err := contest.SeedDemo(ctx, pg, bank, clk, nil)
	if err != nil {
		return fmt.Errorf("demo quiz contest: %w", err)
	}
	fmt.Fprintf(progress, "demo quiz contest: /contests/%d\n", id)
	return nil
}
