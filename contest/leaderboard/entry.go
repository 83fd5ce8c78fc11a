package leaderboard

import "time"

// Entry is one participant's best attempt of a round, as the board ranks it.
//
// Live order (API.md's final order without the prediction, unknown until the
// round closes): more correct answers, then shorter duration, then earlier
// submission to the millisecond, then lower attempt id.
type Entry struct {
	RoundID       int64
	ParticipantID int64
	UnitID        int64 // 0 when the participant has no unit
	AttemptID     int64
	CorrectCount  int
	Score         int // points shown on the board (correct count x points per question)
	DurationMS    int64
	SubmittedAt   time.Time
}

// Better reports whether a ranks above b in the live order. It is the
// reference the Redis encoding must agree with.
//
// Submission times compare at millisecond precision (Unix milliseconds,
// rounded down), the precision the board stores: two submissions within the
// same millisecond are a tie that the attempt id breaks. The final ranking in
// Postgres must do the same (date_trunc('milliseconds', submitted_at), or
// store submitted_at truncated to the millisecond), since timestamptz keeps
// microseconds.
func Better(a, b Entry) bool {
	if a.CorrectCount != b.CorrectCount {
		return a.CorrectCount > b.CorrectCount
	}
	if a.DurationMS != b.DurationMS {
		return a.DurationMS < b.DurationMS
	}
	if am, bm := a.SubmittedAt.UnixMilli(), b.SubmittedAt.UnixMilli(); am != bm {
		return am < bm
	}
	return a.AttemptID < b.AttemptID
}
