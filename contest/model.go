package contest

import (
	"time"

	"lawcontest/questions"
)

// Contest kinds.
const (
	KindQuiz  = "quiz"
	KindEssay = "essay"
)

// Contest statuses, derived from the clock and the published flag.
const (
	ContestDraft    = "draft"
	ContestUpcoming = "upcoming"
	ContestOpen     = "open"
	ContestEnded    = "ended"
)

// Round statuses, derived from the clock: a round is open on [opens_at,
// closes_at).
const (
	RoundUpcoming = "upcoming"
	RoundOpen     = "open"
	RoundClosed   = "closed"
)

// Attempt statuses.
const (
	AttemptInProgress = "in_progress"
	AttemptSubmitted  = "submitted"
	AttemptExpired    = "expired"
)

// Contest is a quiz or essay contest. JSON as API.md: ids as strings.
type Contest struct {
	ID          int64     `json:"id,string"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Rules       string    `json:"rules"`
	Published   bool      `json:"published"`
	Status      string    `json:"status"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	// Rounds is set by ContestWithRounds for quiz contests.
	Rounds []Round `json:"rounds,omitempty"`
}

// Round is a quiz round.
type Round struct {
	ID                 int64               `json:"id,string"`
	ContestID          int64               `json:"contest_id,string"`
	Title              string              `json:"title"`
	OpensAt            time.Time           `json:"opens_at"`
	ClosesAt           time.Time           `json:"closes_at"`
	DurationMS         int64               `json:"duration_ms"`
	QuestionCount      int                 `json:"question_count"`
	MaxAttempts        int                 `json:"max_attempts"` // 0 = unlimited (practice)
	PointsPerQuestion  int                 `json:"points_per_question"`
	Blueprint          questions.Blueprint `json:"blueprint"`
	PredictionQuestion string              `json:"prediction_question,omitempty"`
	Practice           bool                `json:"practice"`
	Status             string              `json:"status"`

	contestPublished bool // participants see rounds of published contests only
}

// statusAt is the round's status at now.
func (r Round) statusAt(now time.Time) string {
	switch {
	case now.Before(r.OpensAt):
		return RoundUpcoming
	case now.Before(r.ClosesAt):
		return RoundOpen
	default:
		return RoundClosed
	}
}

func contestStatusAt(published bool, starts, ends, now time.Time) string {
	switch {
	case !published:
		return ContestDraft
	case now.Before(starts):
		return ContestUpcoming
	case now.Before(ends):
		return ContestOpen
	default:
		return ContestEnded
	}
}

// ShownQuestion is a question as a participant sees it during an attempt:
// no hint of the correct option.
type ShownQuestion struct {
	ID int64 `json:"id,string"`
	// VersionID is the immutable version shown, not sent: the key of the
	// encoded texts (attemptjson.go)
	VersionID int64              `json:"-"`
	Text      string             `json:"text"`
	Options   []questions.Option `json:"options"`
}

// AttemptView is an attempt as its participant resumes it (API.md's
// start/resume body).
type AttemptView struct {
	ID                 int64             `json:"id,string"`
	RoundID            int64             `json:"round_id,string"`
	RoundTitle         string            `json:"round_title"`
	AttemptNo          int               `json:"attempt_no"`
	Status             string            `json:"status"`
	Practice           bool              `json:"practice"`
	StartedAt          time.Time         `json:"started_at"`
	DeadlineAt         time.Time         `json:"deadline_at"`
	ServerTime         time.Time         `json:"server_time"`
	Questions          []ShownQuestion   `json:"questions"`
	Answers            map[string]string `json:"answers"`
	PredictionQuestion string            `json:"prediction_question,omitempty"`
	Prediction         *int              `json:"prediction,omitempty"`
	// Result is set once the attempt is finished.
	Result *AttemptResult `json:"result,omitempty"`
}

// AttemptResult is a finished attempt's outcome.
type AttemptResult struct {
	ID            int64     `json:"id,string"`
	RoundID       int64     `json:"round_id,string"`
	Status        string    `json:"status"`
	Score         int       `json:"score"`
	CorrectCount  int       `json:"correct_count"`
	QuestionCount int       `json:"question_count"`
	DurationMS    int64     `json:"duration_ms"`
	SubmittedAt   time.Time `json:"submitted_at"`
	Prediction    *int      `json:"prediction,omitempty"`
}

// Rank is a position on the live board.
type Rank struct {
	Position int64 `json:"position"`
	Total    int64 `json:"total"`
}

// SubmitResult is the answer to a submit: the stored result, the current
// live rank (nil in practice rounds) and, in practice rounds, the review.
type SubmitResult struct {
	Attempt AttemptResult `json:"attempt"`
	Rank    *Rank         `json:"rank"`
	Review  []ReviewItem  `json:"review,omitempty"`
}

// ReviewItem is one question of a finished attempt with the chosen and the
// correct option.
type ReviewItem struct {
	QuestionID      int64              `json:"question_id,string"`
	Text            string             `json:"text"`
	Options         []questions.Option `json:"options"`
	ChosenOptionID  string             `json:"chosen_option_id"`
	CorrectOptionID string             `json:"correct_option_id"`
	Correct         bool               `json:"correct"`
	Explanation     string             `json:"explanation"`
	LegalReference  string             `json:"legal_reference"`
}

// Review is a finished attempt question by question.
type Review struct {
	Attempt   AttemptResult `json:"attempt"`
	Questions []ReviewItem  `json:"questions"`
}

// MyAttempt is a line of the participant's home: one attempt and, when
// finished, its result.
type MyAttempt struct {
	ID              int64      `json:"id,string"`
	ContestID       int64      `json:"contest_id,string"`
	ContestTitle    string     `json:"contest_title"`
	RoundID         int64      `json:"round_id,string"`
	RoundTitle      string     `json:"round_title"`
	Practice        bool       `json:"practice"`
	AttemptNo       int        `json:"attempt_no"`
	Status          string     `json:"status"`
	StartedAt       time.Time  `json:"started_at"`
	DeadlineAt      time.Time  `json:"deadline_at"`
	SubmittedAt     *time.Time `json:"submitted_at,omitempty"`
	Score           *int       `json:"score,omitempty"`
	CorrectCount    *int       `json:"correct_count,omitempty"`
	QuestionCount   int        `json:"question_count"`
	DurationMS      *int64     `json:"duration_ms,omitempty"`
	RoundClosed     bool       `json:"round_closed"`
	ReviewAvailable bool       `json:"review_available"`

	roundClosesAt time.Time
}
