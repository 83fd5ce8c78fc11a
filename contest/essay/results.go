package essay

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// ShortlistRequest picks the essays of the preliminary stage that go on to
// the final: the Top ranked (ties at the cut go on together), or those
// marked at least MinMark. Exactly one of the two is given.
type ShortlistRequest struct {
	Top     int      `json:"top"`
	MinMark *float64 `json:"min_mark"`
}

// Shortlist moves the chosen essays into the final stage of a two-stage
// contest. It needs every preliminary mark final, and can be redone until a
// judge saves points in the final stage.
func (s *Service) Shortlist(ctx context.Context, by Actor, contestID int64, req ShortlistRequest) (int, error) {
	if err := requireOrganizer(by); err != nil {
		return 0, err
	}
	if (req.Top > 0) == (req.MinMark != nil) || req.Top < 0 {
		return 0, apperr.Field("top", "essay.shortlist_rule")
	}
	var n int
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		set, err := s.lockJudging(ctx, tx, contestID)
		if err != nil {
			return err
		}
		if !set.TwoStage {
			return apperr.New(apperr.Conflict, "essay.not_two_stage")
		}
		if started, err := s.st.scoringStarted(ctx, tx, contestID, 2); err != nil {
			return err
		} else if started {
			return apperr.New(apperr.Conflict, "essay.shortlist_locked")
		}
		if left, err := s.st.unfinished(ctx, tx, contestID, 1); err != nil {
			return err
		} else if left > 0 {
			return apperr.New(apperr.Conflict, "essay.judging_unfinished", left)
		}
		var min sql.NullFloat64
		if req.MinMark != nil {
			min = sql.NullFloat64{Float64: *req.MinMark, Valid: true}
		}
		if n, err = s.st.shortlist(ctx, tx, contestID, req.Top, min); err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.Conflict, "essay.shortlist_empty")
		}
		return s.audit(ctx, tx, by, "essay.shortlisted", "contest", contestID,
			map[string]any{"top": req.Top, "min_mark": req.MinMark, "finalists": n})
	})
	return n, err
}

// Publication says when results were published and how many essays ranked.
type Publication struct {
	PublishedAt time.Time `json:"published_at"`
	Stage       int       `json:"stage"`
	Entries     int       `json:"entries"`
}

// Publish freezes the ranking of the final stage with prizes and makes it
// public. It needs the contest ended and every essay of the final stage
// marked; publishing again returns the first publication unchanged.
func (s *Service) Publish(ctx context.Context, by Actor, contestID int64) (Publication, error) {
	if err := requireOrganizer(by); err != nil {
		return Publication{}, err
	}
	var pub Publication
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		c, err := s.essayContest(ctx, tx, contestID)
		if err != nil {
			return err
		}
		if err := s.st.lockContest(ctx, tx, contestID); err != nil {
			return err
		}
		if p, ok, err := s.st.publication(ctx, tx, contestID); err != nil {
			return err
		} else if ok {
			pub = Publication{PublishedAt: p.PublishedAt.UTC(), Stage: p.Stage}
			return tx.GetContext(ctx, &pub.Entries, `SELECT count(*) FROM essay_results WHERE contest_id = $1`, contestID)
		}
		if s.now().Before(c.EndsAt) {
			return apperr.New(apperr.Conflict, "essay.contest_not_ended")
		}
		set, err := s.st.settings(ctx, tx, contestID)
		if err != nil {
			return err
		}
		stage := 1
		if set.TwoStage {
			if stage, err = s.st.currentStage(ctx, tx, contestID); err != nil {
				return err
			}
			if stage != 2 {
				return apperr.New(apperr.Conflict, "essay.no_shortlist")
			}
		}
		if left, err := s.st.unfinished(ctx, tx, contestID, stage); err != nil {
			return err
		} else if left > 0 {
			return apperr.New(apperr.Conflict, "essay.judging_unfinished", left)
		}
		now := s.now()
		n, err := s.st.publish(ctx, tx, contestID, stage, by.ID, now, set.Prizes)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.Conflict, "essay.no_essays")
		}
		pub = Publication{PublishedAt: now, Stage: stage, Entries: n}
		return s.audit(ctx, tx, by, "essay.results_published", "contest", contestID, pub)
	})
	return pub, err
}

// PublicEntry is one line of the public results: never a phone, e-mail or
// id, and the name masked ("Nguyễn V. A.").
type PublicEntry struct {
	Rank        int     `json:"rank"`
	Code        string  `json:"code"`
	Title       string  `json:"title"`
	DisplayName string  `json:"display_name"`
	Unit        string  `json:"unit"`
	Score       float64 `json:"score"`
	Prize       string  `json:"prize"`
}

// PublicResults are the published results of a contest.
type PublicResults struct {
	ContestID    int64         `json:"contest_id,string"`
	ContestTitle string        `json:"contest_title"`
	PublishedAt  time.Time     `json:"published_at"`
	Entries      []PublicEntry `json:"entries"`
}

// Results returns the published results, or not_found before publication.
func (s *Service) Results(ctx context.Context, contestID int64) (PublicResults, error) {
	c, err := s.essayContest(ctx, s.db, contestID)
	if err != nil {
		return PublicResults{}, err
	}
	p, ok, err := s.st.publication(ctx, s.db, contestID)
	if err != nil {
		return PublicResults{}, err
	}
	if !ok {
		return PublicResults{}, apperr.New(apperr.NotFound, "essay.results_not_published")
	}
	rows, err := s.st.publicResults(ctx, s.db, contestID)
	if err != nil {
		return PublicResults{}, err
	}
	out := PublicResults{ContestID: c.ID, ContestTitle: c.Title, PublishedAt: p.PublishedAt.UTC(), Entries: make([]PublicEntry, len(rows))}
	for i, r := range rows {
		out.Entries[i] = PublicEntry{
			Rank: r.Rank, Code: r.Code, Title: r.Title, DisplayName: vntext.MaskName(r.FullName),
			Unit: r.Unit.String, Score: r.Mark, Prize: r.Prize.String,
		}
	}
	return out, nil
}
