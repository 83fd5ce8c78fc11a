package essay

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
)

// Prizes says how many essays get each prize, from the top of the ranking.
type Prizes struct {
	First       int `json:"first" db:"prize_first"`
	Second      int `json:"second" db:"prize_second"`
	Third       int `json:"third" db:"prize_third"`
	Consolation int `json:"consolation" db:"prize_consolation"`
}

// Settings are an essay contest's rules.
type Settings struct {
	WordLimit            int       `json:"word_limit" db:"word_limit"`
	JudgesPerEssay       int       `json:"judges_per_essay" db:"judges_per_essay"`
	DiscrepancyThreshold float64   `json:"discrepancy_threshold" db:"discrepancy_threshold"`
	FinalRule            FinalRule `json:"final_rule" db:"final_rule"`
	TwoStage             bool      `json:"two_stage" db:"two_stage"`
	Prizes               `json:"prizes"`
}

// DefaultSettings are the rules of a contest nobody configured: 2,000 words,
// two judges, a third one at 20 points apart, the mean of the two closest
// marks, one first, two second, three third and four consolation prizes.
func DefaultSettings() Settings {
	return Settings{
		WordLimit: 2000, JudgesPerEssay: 2, DiscrepancyThreshold: 20,
		FinalRule: RuleClosestTwoMean,
		Prizes:    Prizes{First: 1, Second: 2, Third: 3, Consolation: 4},
	}
}

// Validate refuses settings outside what the schema allows, field by field.
func (st Settings) Validate() error {
	var f apperr.Fields
	if st.WordLimit < 50 || st.WordLimit > 20000 {
		f.Add("word_limit", "essay.word_limit_invalid", 50, 20000)
	}
	if st.JudgesPerEssay < 1 || st.JudgesPerEssay > 5 {
		f.Add("judges_per_essay", "essay.judges_per_essay_invalid", 1, 5)
	}
	if !(st.DiscrepancyThreshold > 0) || st.DiscrepancyThreshold > maxRubricTotal || !onStep(st.DiscrepancyThreshold) {
		f.Add("discrepancy_threshold", "essay.threshold_invalid")
	}
	if !st.FinalRule.Valid() {
		f.Add("final_rule", "essay.final_rule_invalid")
	}
	for field, n := range map[string]int{"prizes.first": st.First, "prizes.second": st.Second, "prizes.third": st.Third, "prizes.consolation": st.Consolation} {
		if n < 0 || n > 1000 {
			f.Add(field, "essay.prize_count_invalid")
		}
	}
	return f.Err()
}

// Settings returns the contest's settings (the defaults until set).
func (s *Service) Settings(ctx context.Context, contestID int64) (Settings, error) {
	if _, err := s.essayContest(ctx, s.db, contestID); err != nil {
		return Settings{}, err
	}
	return s.st.settings(ctx, s.db, contestID)
}

// SetSettings replaces the contest's settings. Switching between one and
// two stages is refused once judging has started.
func (s *Service) SetSettings(ctx context.Context, by Actor, contestID int64, st Settings) (Settings, error) {
	if err := requireOrganizer(by); err != nil {
		return Settings{}, err
	}
	if err := st.Validate(); err != nil {
		return Settings{}, err
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.essayContest(ctx, tx, contestID); err != nil {
			return err
		}
		if err := s.st.lockContest(ctx, tx, contestID); err != nil {
			return err
		}
		if published, err := s.st.isPublished(ctx, tx, contestID); err != nil {
			return err
		} else if published {
			return apperr.New(apperr.Conflict, "essay.results_published")
		}
		old, err := s.st.settings(ctx, tx, contestID)
		if err != nil {
			return err
		}
		if old.TwoStage != st.TwoStage {
			started, err := s.st.scoringStarted(ctx, tx, contestID, 0)
			if err != nil {
				return err
			}
			if started {
				return apperr.Field("two_stage", "essay.stages_locked")
			}
		}
		if err := s.st.saveSettings(ctx, tx, contestID, st, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "essay.settings_set", "contest", contestID, map[string]any{"before": old, "after": st})
	})
	return st, err
}

// Info is what anyone may know of an essay contest's rules: enough for the
// submission page to count words against the limit and show the deadline.
type Info struct {
	ContestID int64     `json:"contest_id,string"`
	Title     string    `json:"title"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Open      bool      `json:"open"`
	WordLimit int       `json:"word_limit"`
	Published bool      `json:"results_published"`
}

// Info returns the public rules of a published essay contest.
func (s *Service) Info(ctx context.Context, contestID int64) (Info, error) {
	c, err := s.essayContest(ctx, s.db, contestID)
	if err != nil {
		return Info{}, err
	}
	if !c.Published {
		return Info{}, apperr.New(apperr.NotFound, "essay.contest_not_found")
	}
	set, err := s.st.settings(ctx, s.db, contestID)
	if err != nil {
		return Info{}, err
	}
	pub, err := s.st.isPublished(ctx, s.db, contestID)
	if err != nil {
		return Info{}, err
	}
	now := s.now()
	return Info{
		ContestID: c.ID, Title: c.Title, StartsAt: c.StartsAt.UTC(), EndsAt: c.EndsAt.UTC(),
		Open: !now.Before(c.StartsAt) && now.Before(c.EndsAt), WordLimit: set.WordLimit, Published: pub,
	}, nil
}
