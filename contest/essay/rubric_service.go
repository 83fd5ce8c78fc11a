package essay

import (
	"context"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
)

func checkStage(stage int) error {
	if stage != 1 && stage != 2 {
		return apperr.Field("stage", "essay.stage_invalid")
	}
	return nil
}

// Rubric returns the criteria of a stage (empty until set).
func (s *Service) Rubric(ctx context.Context, contestID int64, stage int) (Rubric, error) {
	if err := checkStage(stage); err != nil {
		return nil, err
	}
	if _, err := s.essayContest(ctx, s.db, contestID); err != nil {
		return nil, err
	}
	r, err := s.st.rubric(ctx, s.db, contestID, stage)
	if r == nil {
		r = Rubric{}
	}
	return r, err
}

// SetRubric replaces the criteria of a stage. Once a judge has saved points
// in that stage the rubric is locked (409), so every essay of a stage is
// scored on the same sheet.
func (s *Service) SetRubric(ctx context.Context, by Actor, contestID int64, stage int, r Rubric) (Rubric, error) {
	if err := requireOrganizer(by); err != nil {
		return nil, err
	}
	if err := checkStage(stage); err != nil {
		return nil, err
	}
	r, err := r.Validate()
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.essayContest(ctx, tx, contestID); err != nil {
			return err
		}
		if err := s.st.lockContest(ctx, tx, contestID); err != nil {
			return err
		}
		if stage == 2 {
			set, err := s.st.settings(ctx, tx, contestID)
			if err != nil {
				return err
			}
			if !set.TwoStage {
				return apperr.Field("stage", "essay.not_two_stage")
			}
		}
		started, err := s.st.scoringStarted(ctx, tx, contestID, stage)
		if err != nil {
			return err
		}
		if started {
			return apperr.New(apperr.Conflict, "essay.rubric_locked")
		}
		old, err := s.st.rubric(ctx, tx, contestID, stage)
		if err != nil {
			return err
		}
		if err := s.st.saveRubric(ctx, tx, contestID, stage, r, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "essay.rubric_set", "contest", contestID,
			map[string]any{"stage": stage, "before": old, "after": r})
	})
	return r, err
}
