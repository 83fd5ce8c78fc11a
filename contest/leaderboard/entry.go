// Package leaderboard keeps the live boards of quiz rounds in Redis sorted
// sets: one per round and one per (round, unit), holding each participant's
// best attempt. It is the only code in contest/ that speaks to Redis, and
// everything it holds can be rebuilt from Postgres.
package leaderboard

import "time"

// Entry is one participant's best attempt of a round, as the board ranks it.
//
// Live order (API.md's final order without the prediction, unknown until the
// round closes): more correct answers, then shorter duration, then earlier
// submission, then lower attempt id.
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
func Better(a, b Entry) bool {
	if a.CorrectCount != b.CorrectCount {
		return a.CorrectCount > b.CorrectCount
	}
	if a.DurationMS != b.DurationMS {
		return a.DurationMS < b.DurationMS
	}
	if !a.SubmittedAt.Equal(b.SubmittedAt) {
		return a.SubmittedAt.Before(b.SubmittedAt)
	}
	return a.AttemptID < b.AttemptID
}
