package contest

import (
	"context"
	"time"
	"unicode/utf8"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// Limits on contest texts, in characters.
const (
	maxTitleLen       = 200
	maxDescriptionLen = 5000
	maxRulesLen       = 20000
)

// ContestInput creates a contest (POST /admin/contests).
type ContestInput struct {
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Rules       string    `json:"rules"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	Published   bool      `json:"published"`
}

// ContestPatch changes a contest (PATCH /admin/contests/{id}); nil fields
// are left as they are.
type ContestPatch struct {
	Title       *string    `json:"title"`
	Description *string    `json:"description"`
	Rules       *string    `json:"rules"`
	StartsAt    *time.Time `json:"starts_at"`
	EndsAt      *time.Time `json:"ends_at"`
	Published   *bool      `json:"published"`
}

// normalize cleans the texts and checks every field, reporting each bad
// field at once.
func (in *ContestInput) normalize() error {
	var f apperr.Fields
	if in.Kind != KindQuiz && in.Kind != KindEssay {
		f.Add("kind", "contest.kind_invalid")
	}
	in.Title = vntext.Clean(in.Title)
	in.Description = vntext.CleanMultiline(in.Description)
	in.Rules = vntext.CleanMultiline(in.Rules)
	checkText(&f, "title", in.Title, maxTitleLen, true)
	checkText(&f, "description", in.Description, maxDescriptionLen, false)
	checkText(&f, "rules", in.Rules, maxRulesLen, false)
	if in.StartsAt.IsZero() {
		f.Add("starts_at", "error.required")
	}
	if in.EndsAt.IsZero() {
		f.Add("ends_at", "error.required")
	}
	in.StartsAt = in.StartsAt.UTC().Truncate(time.Second)
	in.EndsAt = in.EndsAt.UTC().Truncate(time.Second)
	if !f.Has("starts_at") && !f.Has("ends_at") && !in.EndsAt.After(in.StartsAt) {
		f.Add("ends_at", "contest.ends_before_starts")
	}
	return f.Err()
}

func checkText(f *apperr.Fields, field, s string, max int, required bool) {
	if required && s == "" {
		f.Add(field, "error.required")
	}
	if utf8.RuneCountInString(s) > max {
		f.Add(field, "error.too_long", max)
	}
}

// CreateContest creates a contest, audited.
func (s *Service) CreateContest(ctx context.Context, actor Actor, in ContestInput) (Contest, error) {
	if err := in.normalize(); err != nil {
		return Contest{}, err
	}
	now := s.now()
	var id int64
	err := s.st.inTx(ctx, func(tx txStore) error {
		var err error
		id, err = tx.insertContest(ctx, actor.ID, in, now)
		if err != nil {
			return err
		}
		return tx.audit(ctx, actor, now, "contest.create", "contest", id, in)
	})
	if err != nil {
		return Contest{}, err
	}
	return s.Contest(ctx, id, true)
}

// UpdateContest changes a contest, audited. The kind never changes.
func (s *Service) UpdateContest(ctx context.Context, actor Actor, id int64, p ContestPatch) (Contest, error) {
	defer s.rounds.forget() // after the commit: Start must see the change
	now := s.now()
	err := s.st.inTx(ctx, func(tx txStore) error {
		c, err := tx.contestForUpdate(ctx, id)
		if err != nil {
			return err
		}
		in := ContestInput{Kind: c.Kind, Title: c.Title, Description: c.Description, Rules: c.Rules,
			StartsAt: c.StartsAt, EndsAt: c.EndsAt, Published: c.Published}
		if p.Title != nil {
			in.Title = *p.Title
		}
		if p.Description != nil {
			in.Description = *p.Description
		}
		if p.Rules != nil {
			in.Rules = *p.Rules
		}
		if p.StartsAt != nil {
			in.StartsAt = *p.StartsAt
		}
		if p.EndsAt != nil {
			in.EndsAt = *p.EndsAt
		}
		if p.Published != nil {
			in.Published = *p.Published
		}
		if err := in.normalize(); err != nil {
			return err
		}
		// Rounds must stay inside the contest's window.
		first, last, ok, err := tx.roundsSpan(ctx, id)
		if err != nil {
			return err
		}
		if ok && (first.Before(in.StartsAt) || last.After(in.EndsAt)) {
			return apperr.New(apperr.Conflict, "contest.rounds_outside")
		}
		if err := tx.updateContest(ctx, id, in, now); err != nil {
			return err
		}
		return tx.audit(ctx, actor, now, "contest.update", "contest", id, p)
	})
	if err != nil {
		return Contest{}, err
	}
	return s.Contest(ctx, id, true)
}

// Contests lists contests, newest first; drafts only when withDrafts.
func (s *Service) Contests(ctx context.Context, withDrafts bool) ([]Contest, error) {
	cs, err := s.st.contests(ctx, withDrafts)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for i := range cs {
		cs[i].Status = contestStatusAt(cs[i].Published, cs[i].StartsAt, cs[i].EndsAt, now)
	}
	return cs, nil
}

// Contest returns one contest with its rounds (quiz contests). A draft is
// not found unless withDrafts (organizers).
func (s *Service) Contest(ctx context.Context, id int64, withDrafts bool) (Contest, error) {
	c, err := s.st.contest(ctx, id)
	if err != nil {
		return Contest{}, err
	}
	if !c.Published && !withDrafts {
		return Contest{}, apperr.New(apperr.NotFound, "contest.not_found")
	}
	now := s.now()
	c.Status = contestStatusAt(c.Published, c.StartsAt, c.EndsAt, now)
	if c.Kind == KindQuiz {
		c.Rounds, err = s.st.rounds(ctx, id)
		if err != nil {
			return Contest{}, err
		}
		for i := range c.Rounds {
			c.Rounds[i].Status = c.Rounds[i].statusAt(now)
		}
	}
	return c, nil
}
