package contest

import (
	"context"
	"time"

	"lawcontest/contest/leaderboard"
)

// recordFinalized puts each attempt just finalized on the live board (and
// forgets its cached paper), in one Redis call per round, and returns the
// place of each attempt's participant once all are recorded (zero for a
// practice attempt, or when the board cannot tell). The board keeps a
// participant's best attempt (it only ever improves an entry, in the order
// of leaderboard.Better), so the attempt itself is recorded, with no need
// to read the participant's other attempts. It runs after the commit, and
// a board that fails is logged, never returned: the attempt is safe in
// Postgres and the board is rebuilt from there.
func (s *Service) recordFinalized(ctx context.Context, fs []finalizedAttempt) []leaderboard.Place {
	for _, f := range fs {
		s.papers.drop(f.ID) // no more autosaves to check
	}
	places := make([]leaderboard.Place, len(fs))
	if s.board == nil {
		return places
	}
	var (
		entries []leaderboard.Entry
		from    []int // index in fs of each entry
	)
	for i, f := range fs {
		if !f.Practice && !f.Disqualified {
			entries = append(entries, f.entry())
			from = append(from, i)
		}
	}
	if len(entries) == 0 {
		return places
	}
	got, err := s.board.RecordAll(ctx, entries)
	if err != nil {
		s.log.Warn("contest: live board not updated or not read; rebuilt from Postgres when lost",
			"attempts", len(entries), "round_id", entries[0].RoundID, "err", err)
	}
	for j, i := range from {
		places[i] = got[j]
	}
	return places
}

// rank is a participant's live position in a ranked round: from the board,
// or, when the board is unavailable or does not know them yet, from
// Postgres in the same order.
func (s *Service) rank(ctx context.Context, roundID, participantID int64) (*Rank, error) {
	if s.board != nil {
		pos, total, err := s.board.Rank(ctx, roundID, participantID)
		if err == nil && pos > 0 {
			return &Rank{Position: pos, Total: total}, nil
		}
		if err != nil {
			// Ranking from Postgres would rank the whole round on every
			// submit, just when Redis is down and Postgres carries
			// everything: answer without a rank until the board is back.
			s.log.Warn("contest: live board unavailable; submit answered without rank", "round_id", roundID, "err", err)
			return nil, nil
		}
	}
	pos, total, ok, err := s.st.livePlace(ctx, roundID, participantID)
	if err != nil || !ok {
		return nil, err
	}
	return &Rank{Position: pos, Total: total}, nil
}

// Standing is one line of a round's ranking, from round_ranking.
type Standing struct {
	Place          int64
	ParticipantID  int64
	AttemptID      int64
	CorrectCount   int
	Score          int
	DurationMS     int64
	SubmittedAt    time.Time
	Prediction     *int
	PredictionDiff *int64
}

// Ranking returns a round's ranking: the live order, or with final the
// order that also weighs the prediction (for results after closing).
func (s *Service) Ranking(ctx context.Context, roundID int64, final bool) ([]Standing, error) {
	return s.st.ranking(ctx, roundID, final)
}
