package essay

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// Draft is what a participant sends to submit or edit an essay. The body is
// plain text: paragraphs are separated by blank lines, and pages show it
// escaped, so no markup ever reaches a judge's or organizer's page. Plain
// text also keeps one text to count, mask and compare, with no sanitizer in
// the way.
type Draft struct {
	Title       string `json:"title"`
	Body        string `json:"body"`
	Declaration bool   `json:"declaration"`
}

// Essay is a participant's own view of their essay.
type Essay struct {
	ID           int64     `json:"id,string" db:"id"`
	ContestID    int64     `json:"contest_id,string" db:"contest_id"`
	ContestTitle string    `json:"contest_title" db:"contest_title"`
	Code         string    `json:"code" db:"code"`
	Title        string    `json:"title" db:"title"`
	Body         string    `json:"body" db:"body"`
	WordCount    int       `json:"word_count" db:"word_count"`
	WordLimit    int       `json:"word_limit" db:"word_limit"`
	Status       string    `json:"status" db:"-"`
	SubmittedAt  time.Time `json:"submitted_at" db:"submitted_at"`
	UpdatedAt    time.Time `json:"updated_at" db:"updated_at"`
	EditableTill time.Time `json:"editable_until" db:"ends_at"`
	Result       *Result   `json:"result" db:"-"`
}

// Result is an essay's place in the published results.
type Result struct {
	Rank  int     `json:"rank"`
	Score float64 `json:"score"`
	Prize string  `json:"prize"` // "first", "second", "third", "consolation" or ""
}

// Essay statuses a participant sees.
const (
	StatusSubmitted    = "submitted"    // the contest is open: still editable
	StatusJudging      = "judging"      // the contest has ended, results not out
	StatusPublished    = "published"    // results are out (Result is set when ranked)
	StatusDisqualified = "disqualified" // removed by the organizers
)

// ownRow is an essay with what its author may know of its judging.
type ownRow struct {
	Essay
	Disqualified bool            `db:"disqualified"`
	Published    bool            `db:"published"`
	Rank         sql.NullInt64   `db:"rank"`
	Mark         sql.NullFloat64 `db:"mark"`
	Prize        sql.NullString  `db:"prize"`
}

func (r ownRow) essay(now time.Time) Essay {
	e := r.Essay
	switch {
	case r.Disqualified:
		e.Status = StatusDisqualified
	case r.Published:
		e.Status = StatusPublished
		if r.Rank.Valid {
			e.Result = &Result{Rank: int(r.Rank.Int64), Score: r.Mark.Float64, Prize: r.Prize.String}
		}
	case now.Before(e.EditableTill):
		e.Status = StatusSubmitted
	default:
		e.Status = StatusJudging
	}
	return e
}

const (
	maxTitleRunes = 200
	// A hard cap in characters on top of the word limit, so a body of one
	// enormous "word" cannot be stored.
	maxBodyRunes    = 200_000
	maxCommentRunes = 2000
)

// author is what submission needs to know of the participant.
type author struct {
	Role     string         `db:"role"`
	FullName string         `db:"full_name"`
	UnitID   sql.NullInt64  `db:"unit_id"`
	UnitName sql.NullString `db:"unit_name"`
	Disabled bool           `db:"disabled"`
}

// clean validates a draft against the contest's word limit and returns the
// stored forms of title and body.
func (d Draft) clean(wordLimit int, requireDeclaration bool) (title, body string, words int, err error) {
	var f apperr.Fields
	title = vntext.Clean(d.Title)
	body = vntext.CleanMultiline(d.Body)
	words = CountWords(body)
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		f.Add("title", "essay.title_required")
	case n > maxTitleRunes:
		f.Add("title", "error.too_long", maxTitleRunes)
	}
	switch {
	case words == 0:
		f.Add("body", "essay.body_required")
	case words > wordLimit:
		f.Add("body", "essay.too_many_words", words, wordLimit)
	case utf8.RuneCountInString(body) > maxBodyRunes:
		f.Add("body", "error.too_long", maxBodyRunes)
	}
	if requireDeclaration && !d.Declaration {
		f.Add("declaration", "essay.declaration_required")
	}
	return title, body, words, f.Err()
}

// Submit stores a participant's one essay of a contest and returns it with
// its receipt code. Staff cannot enter; a second essay is refused (409).
func (s *Service) Submit(ctx context.Context, by Actor, contestID int64, d Draft) (Essay, error) {
	if by.Role != RoleParticipant {
		return Essay{}, apperr.New(apperr.Forbidden, "essay.staff_cannot_submit")
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		c, err := s.essayContest(ctx, tx, contestID)
		if err != nil {
			return err
		}
		if err := s.contestOpen(c); err != nil {
			return err
		}
		a, err := s.st.author(ctx, tx, by.ID)
		if err != nil {
			return err
		}
		if a.Role != RoleParticipant || a.Disabled {
			return apperr.New(apperr.Forbidden, "essay.staff_cannot_submit")
		}
		set, err := s.st.settings(ctx, tx, contestID)
		if err != nil {
			return err
		}
		title, body, words, err := d.clean(set.WordLimit, true)
		if err != nil {
			return err
		}
		now := s.now()
		e := newEssay{
			ContestID: contestID, AuthorID: by.ID, UnitID: a.UnitID,
			Title: title, Body: body, WordCount: words, Now: now,
			MaskedTitle: MaskPersonal(title, a.FullName, a.UnitName.String),
			MaskedBody:  MaskPersonal(body, a.FullName, a.UnitName.String),
		}
		for try := 0; ; try++ {
			e.Code = newCode()
			id, err = s.st.insertEssay(ctx, tx, e)
			if errors.Is(err, errCodeTaken) && try < 5 {
				continue
			}
			if errors.Is(err, errAlreadyEntered) {
				return apperr.New(apperr.Conflict, "essay.already_submitted")
			}
			return err
		}
	})
	if err != nil {
		return Essay{}, err
	}
	return s.ownEssay(ctx, by, id)
}

// Edit replaces the title and body of the participant's own essay until the
// contest ends (deadline_passed after). The receipt code stays.
func (s *Service) Edit(ctx context.Context, by Actor, essayID int64, d Draft) (Essay, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		own, err := s.st.essayOwner(ctx, tx, essayID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && own.AuthorID != by.ID) {
			return apperr.New(apperr.NotFound, "essay.not_found")
		}
		if err != nil {
			return err
		}
		c, err := s.essayContest(ctx, tx, own.ContestID)
		if err != nil {
			return err
		}
		if !s.now().Before(c.EndsAt) {
			return apperr.New(apperr.DeadlinePassed, "essay.deadline_passed")
		}
		if own.Disqualified {
			return apperr.New(apperr.Conflict, "essay.disqualified")
		}
		a, err := s.st.author(ctx, tx, by.ID)
		if err != nil {
			return err
		}
		set, err := s.st.settings(ctx, tx, own.ContestID)
		if err != nil {
			return err
		}
		// The declaration was made on submission; an edit need not repeat it.
		title, body, words, err := d.clean(set.WordLimit, false)
		if err != nil {
			return err
		}
		return s.st.updateEssay(ctx, tx, essayID, title, body,
			MaskPersonal(title, a.FullName, a.UnitName.String),
			MaskPersonal(body, a.FullName, a.UnitName.String), words, s.now())
	})
	if err != nil {
		return Essay{}, err
	}
	return s.ownEssay(ctx, by, essayID)
}

func (s *Service) contestOpen(c contest) error {
	now := s.now()
	switch {
	case !c.Published || now.Before(c.StartsAt):
		return apperr.New(apperr.RoundNotOpen, "essay.contest_not_open")
	case !now.Before(c.EndsAt):
		return apperr.New(apperr.DeadlinePassed, "essay.deadline_passed")
	}
	return nil
}

// MyEssays returns the participant's essays, newest contest first, each with
// its status and, once results are published, its result.
func (s *Service) MyEssays(ctx context.Context, by Actor) ([]Essay, error) {
	rows, err := s.st.ownEssays(ctx, s.db, by.ID, 0)
	if err != nil {
		return nil, err
	}
	es := make([]Essay, len(rows))
	for i, r := range rows {
		es[i] = r.essay(s.now())
	}
	return es, nil
}

// MyEssay returns the participant's essay in one contest, or not_found.
func (s *Service) MyEssay(ctx context.Context, by Actor, contestID int64) (Essay, error) {
	rows, err := s.st.ownEssays(ctx, s.db, by.ID, contestID)
	if err != nil {
		return Essay{}, err
	}
	if len(rows) == 0 {
		return Essay{}, apperr.New(apperr.NotFound, "essay.not_found")
	}
	return rows[0].essay(s.now()), nil
}

func (s *Service) ownEssay(ctx context.Context, by Actor, essayID int64) (Essay, error) {
	rows, err := s.st.ownEssays(ctx, s.db, by.ID, 0)
	if err != nil {
		return Essay{}, err
	}
	for _, r := range rows {
		if r.ID == essayID {
			return r.essay(s.now()), nil
		}
	}
	return Essay{}, apperr.New(apperr.NotFound, "essay.not_found")
}

// codeAlphabet has no 0/O, 1/I/L, so a code read aloud over the phone or
// copied by hand from a receipt comes back right.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode returns a receipt code such as "BV-7KQ3MZ": random, so codes say
// nothing about the order or the author of essays.
func newCode() string {
	b := make([]byte, 6)
	rand.Read(b)
	out := []byte("BV-")
	for _, x := range b {
		out = append(out, codeAlphabet[int(x)%len(codeAlphabet)])
	}
	return string(out)
}

// TookPart reports whether the user has submitted an essay to any contest:
// from then on their registration data is locked (organizers verify winners
// against it).
func (s *Service) TookPart(ctx context.Context, userID int64) (bool, error) {
	return s.st.hasEssay(ctx, s.db, userID)
}
