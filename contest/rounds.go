package contest

import (
	"context"
	"reflect"
	"time"

	"lawcontest/apperr"
	"lawcontest/questions"
	"lawcontest/vntext"
)

// Bounds on round settings: wide enough for any contest in DOMAIN.md, tight
// enough that a typo (duration in seconds instead of ms) is caught.
const (
	minDurationMS      = 60_000
	maxDurationMS      = 3 * 60 * 60_000
	maxMaxAttempts     = 20
	maxPoints          = 100
	maxBlueprintParts  = 30
	maxQuestions       = 100
	maxCategoryLen     = 100
	maxPredictionLen   = 500
	MaxPredictionValue = 10_000_000
)

// RoundInput creates a round (POST /admin/contests/{id}/rounds).
type RoundInput struct {
	Title              string              `json:"title"`
	OpensAt            time.Time           `json:"opens_at"`
	ClosesAt           time.Time           `json:"closes_at"`
	DurationMS         int64               `json:"duration_ms"`
	MaxAttempts        int                 `json:"max_attempts"`
	Blueprint          questions.Blueprint `json:"blueprint"`
	PointsPerQuestion  int                 `json:"points_per_question"`
	PredictionQuestion string              `json:"prediction_question"`
	Practice           bool                `json:"practice"`
}

// RoundPatch changes a round (PATCH /admin/rounds/{id}); nil fields are
// left as they are.
type RoundPatch struct {
	Title              *string              `json:"title"`
	OpensAt            *time.Time           `json:"opens_at"`
	ClosesAt           *time.Time           `json:"closes_at"`
	DurationMS         *int64               `json:"duration_ms"`
	MaxAttempts        *int                 `json:"max_attempts"`
	Blueprint          *questions.Blueprint `json:"blueprint"`
	PointsPerQuestion  *int                 `json:"points_per_question"`
	PredictionQuestion *string              `json:"prediction_question"`
	Practice           *bool                `json:"practice"`
}

// normalize cleans and checks a round on its own; the contest window and
// the bank are checked by the caller.
func (in *RoundInput) normalize() error {
	var f apperr.Fields
	in.Title = vntext.Clean(in.Title)
	checkText(&f, "title", in.Title, maxTitleLen, true)
	if in.OpensAt.IsZero() {
		f.Add("opens_at", "error.required")
	}
	if in.ClosesAt.IsZero() {
		f.Add("closes_at", "error.required")
	}
	in.OpensAt = in.OpensAt.UTC().Truncate(time.Second)
	in.ClosesAt = in.ClosesAt.UTC().Truncate(time.Second)
	if !f.Has("opens_at") && !f.Has("closes_at") && !in.ClosesAt.After(in.OpensAt) {
		f.Add("closes_at", "round.closes_before_opens")
	}
	if in.DurationMS < minDurationMS || in.DurationMS > maxDurationMS {
		f.Add("duration_ms", "round.duration_range", minDurationMS/60_000, maxDurationMS/60_000)
	}
	if in.Practice {
		in.MaxAttempts = 0 // unlimited
	} else if in.MaxAttempts < 1 || in.MaxAttempts > maxMaxAttempts {
		f.Add("max_attempts", "round.max_attempts_range", maxMaxAttempts)
	}
	if in.PointsPerQuestion < 1 || in.PointsPerQuestion > maxPoints {
		f.Add("points_per_question", "round.points_range", maxPoints)
	}
	in.PredictionQuestion = vntext.Clean(in.PredictionQuestion)
	checkText(&f, "prediction_question", in.PredictionQuestion, maxPredictionLen, false)
	in.Blueprint = normalizeBlueprint(&f, in.Blueprint)
	return f.Err()
}

func normalizeBlueprint(f *apperr.Fields, bp questions.Blueprint) questions.Blueprint {
	if len(bp) == 0 {
		f.Add("blueprint", "round.blueprint_empty")
		return bp
	}
	if len(bp) > maxBlueprintParts {
		f.Add("blueprint", "round.blueprint_too_many_parts", maxBlueprintParts)
		return bp
	}
	out := make(questions.Blueprint, len(bp))
	total := 0
	for i, p := range bp {
		p.Category = vntext.Clean(p.Category)
		switch {
		case p.Category == "":
			f.Add("blueprint", "round.blueprint_category_required", i+1)
		case len([]rune(p.Category)) > maxCategoryLen:
			f.Add("blueprint", "round.blueprint_category_too_long", i+1)
		}
		switch p.Difficulty {
		case "", questions.Easy, questions.Medium, questions.Hard:
		default:
			f.Add("blueprint", "round.blueprint_difficulty_invalid", i+1)
		}
		if p.Count < 1 || p.Count > maxQuestions {
			f.Add("blueprint", "round.blueprint_count_invalid", i+1)
		} else {
			total += p.Count
		}
		out[i] = p
	}
	if total > maxQuestions {
		f.Add("blueprint", "round.blueprint_too_many_questions", maxQuestions)
	}
	return out
}

func questionCount(bp questions.Blueprint) int {
	n := 0
	for _, p := range bp {
		n += p.Count
	}
	return n
}

func checkInContest(c Contest, in RoundInput) error {
	var f apperr.Fields
	if in.OpensAt.Before(c.StartsAt) {
		f.Add("opens_at", "round.outside_contest")
	}
	if in.ClosesAt.After(c.EndsAt) {
		f.Add("closes_at", "round.outside_contest")
	}
	return f.Err()
}

// CreateRound adds a round to a quiz contest after checking its blueprint
// against the bank, audited.
func (s *Service) CreateRound(ctx context.Context, actor Actor, contestID int64, in RoundInput) (Round, error) {
	if err := in.normalize(); err != nil {
		return Round{}, err
	}
	// Checked outside the transaction: the bank reads the database through
	// its own connection, and holding one while waiting for another can
	// exhaust the pool under load.
	if err := s.bank.CheckBlueprint(ctx, in.Blueprint); err != nil {
		return Round{}, err
	}
	now := s.now()
	var id int64
	err := s.st.inTx(ctx, func(tx txStore) error {
		c, err := tx.contestForUpdate(ctx, contestID)
		if err != nil {
			return err
		}
		if c.Kind != KindQuiz {
			return apperr.New(apperr.Conflict, "round.not_quiz")
		}
		if err := checkInContest(c, in); err != nil {
			return err
		}
		id, err = tx.insertRound(ctx, actor.ID, contestID, in, questionCount(in.Blueprint), now)
		if err != nil {
			return err
		}
		return tx.audit(ctx, actor, now, "round.create", "round", id, in)
	})
	if err != nil {
		return Round{}, err
	}
	return s.Round(ctx, id)
}

// UpdateRound changes a round, audited. Before it opens anything may
// change; once it has opened only closes_at may move, and only later, while
// the round is still open (409 otherwise). Fields sent with their current
// value are not changes, so a form may send every field.
func (s *Service) UpdateRound(ctx context.Context, actor Actor, id int64, p RoundPatch) (Round, error) {
	defer s.rounds.forget() // after the commit: Start must see the change
	if p.Blueprint != nil {
		var f apperr.Fields
		*p.Blueprint = normalizeBlueprint(&f, *p.Blueprint)
		if err := f.Err(); err != nil {
			return Round{}, err
		}
	}
	cur, err := s.st.round(ctx, id)
	if err != nil {
		return Round{}, err
	}
	// A blueprint equal to the stored one was checked when it was stored.
	if p.Blueprint != nil && !reflect.DeepEqual(*p.Blueprint, cur.Blueprint) {
		if err := s.bank.CheckBlueprint(ctx, *p.Blueprint); err != nil {
			return Round{}, err
		}
	}
	now := s.now()
	err = s.st.inTx(ctx, func(tx txStore) error {
		r, err := tx.roundForUpdate(ctx, id)
		if err != nil {
			return err
		}
		old := RoundInput{Title: r.Title, OpensAt: r.OpensAt, ClosesAt: r.ClosesAt, DurationMS: r.DurationMS,
			MaxAttempts: r.MaxAttempts, Blueprint: r.Blueprint, PointsPerQuestion: r.PointsPerQuestion,
			PredictionQuestion: r.PredictionQuestion, Practice: r.Practice}
		in := old
		applyRoundPatch(&in, p)
		if err := in.normalize(); err != nil {
			return err
		}
		if !now.Before(r.OpensAt) {
			if err := onlyExtension(old, in, now); err != nil {
				return err
			}
		}
		c, err := tx.contestForUpdate(ctx, r.ContestID)
		if err != nil {
			return err
		}
		if err := checkInContest(c, in); err != nil {
			return err
		}
		if err := tx.updateRound(ctx, id, in, questionCount(in.Blueprint), now); err != nil {
			return err
		}
		if in.ClosesAt.After(old.ClosesAt) {
			// Attempts whose deadline was capped by the old close get the
			// time the new close allows.
			if err := tx.extendDeadlines(ctx, id, old.ClosesAt, in.ClosesAt); err != nil {
				return err
			}
		}
		return tx.audit(ctx, actor, now, "round.update", "round", id, p)
	})
	if err != nil {
		return Round{}, err
	}
	return s.Round(ctx, id)
}

func applyRoundPatch(in *RoundInput, p RoundPatch) {
	if p.Title != nil {
		in.Title = *p.Title
	}
	if p.OpensAt != nil {
		in.OpensAt = *p.OpensAt
	}
	if p.ClosesAt != nil {
		in.ClosesAt = *p.ClosesAt
	}
	if p.DurationMS != nil {
		in.DurationMS = *p.DurationMS
	}
	if p.MaxAttempts != nil {
		in.MaxAttempts = *p.MaxAttempts
	}
	if p.Blueprint != nil {
		in.Blueprint = *p.Blueprint
	}
	if p.PointsPerQuestion != nil {
		in.PointsPerQuestion = *p.PointsPerQuestion
	}
	if p.PredictionQuestion != nil {
		in.PredictionQuestion = *p.PredictionQuestion
	}
	if p.Practice != nil {
		in.Practice = *p.Practice
	}
}

// onlyExtension allows, on an opened round, a later closes_at and nothing
// else.
func onlyExtension(old, in RoundInput, now time.Time) error {
	same := in
	same.ClosesAt = old.ClosesAt
	if !reflect.DeepEqual(same, old) {
		return apperr.New(apperr.Conflict, "round.already_opened")
	}
	if in.ClosesAt.Equal(old.ClosesAt) {
		return nil
	}
	if !now.Before(old.ClosesAt) {
		return apperr.New(apperr.Conflict, "round.already_closed")
	}
	if in.ClosesAt.Before(old.ClosesAt) {
		return apperr.New(apperr.Conflict, "round.close_only_later")
	}
	return nil
}

// Round returns one round.
func (s *Service) Round(ctx context.Context, id int64) (Round, error) {
	r, err := s.st.round(ctx, id)
	if err != nil {
		return Round{}, err
	}
	r.Status = r.statusAt(s.now())
	return r, nil
}
