package contest

import (
	"context"
	"sort"
	"time"

	"lawcontest/questions"
)

// Statistics of rounds and unit (collective) rankings of contests, for
// organizers: what the published reports of such contests show, and what
// tells a bad question (nobody or everybody gets it right, or the weak get
// it right as often as the strong).

// UnitCount is a unit's participation in a round.
type UnitCount struct {
	UnitID       int64    `json:"unit_id,string"`
	Unit         string   `json:"unit"`
	Participants int      `json:"participants"`
	MemberCount  *int     `json:"member_count"`
	Rate         *float64 `json:"participation_rate"` // participants / member_count, when known
}

// HistogramBin is how many got a number of answers right.
type HistogramBin struct {
	CorrectCount int `json:"correct_count"`
	Score        int `json:"score"`
	// Participants whose best attempt has this many right.
	Participants int `json:"participants"`
	// Attempts (every finished one) with this many right.
	Attempts int `json:"attempts"`
}

// QuestionStat is how a question fared in a round's finished attempts.
type QuestionStat struct {
	QuestionID   int64   `json:"question_id,string"`
	Text         string  `json:"text"`
	Shown        int     `json:"shown"`    // finished attempts that had it
	Answered     int     `json:"answered"` // ... and answered it
	Correct      int     `json:"correct"`
	CorrectShare float64 `json:"correct_share"` // correct / shown
	// Discrimination is the share right among the upper 27 % of finished
	// attempts (by correct answers) minus the share among the lower 27 %,
	// of those that had the question: near 0 or below, the question does
	// not tell who knows the law. Nil while either group lacks it.
	Discrimination *float64 `json:"discrimination"`
	Upper          int      `json:"upper_shown"`
	Lower          int      `json:"lower_shown"`
}

// RoundStats are a round's statistics (API.md /admin/rounds/{id}/stats).
type RoundStats struct {
	RoundID       int64 `json:"round_id,string"`
	QuestionCount int   `json:"question_count"`
	// Participants who started an attempt; Finished those with a finished
	// one; AllCorrect those with an all-correct one.
	Participants   int            `json:"participants"`
	Finished       int            `json:"finished"`
	AllCorrect     int            `json:"all_correct"`
	Attempts       int            `json:"attempts"`
	Submitted      int            `json:"submitted"`
	Expired        int            `json:"expired"`
	InProgress     int            `json:"in_progress"`
	ByUnit         []UnitCount    `json:"by_unit"`
	ScoreHistogram []HistogramBin `json:"score_histogram"`
	Questions      []QuestionStat `json:"questions"`
}

// discriminationGroup is the share of attempts in each of the upper and
// lower groups of the discrimination index, by Kelley's rule.
const discriminationGroup = 0.27

// Stats returns a round's statistics.
func (s *Service) Stats(ctx context.Context, roundID int64) (RoundStats, error) {
	st, err := s.Overview(ctx, roundID)
	if err != nil {
		return RoundStats{}, err
	}
	qs, refs, err := s.st.questionStats(ctx, roundID, discriminationGroup)
	if err != nil {
		return RoundStats{}, err
	}
	texts := s.questionTexts(ctx, refs)
	for i := range qs {
		qs[i].Text = texts[qs[i].QuestionID]
	}
	st.Questions = qs
	return st, nil
}

// Overview is Stats without the questions, which cost a pass over every
// answer: what the organizer's live page refreshes.
func (s *Service) Overview(ctx context.Context, roundID int64) (RoundStats, error) {
	r, err := s.st.round(ctx, roundID)
	if err != nil {
		return RoundStats{}, err
	}
	st := RoundStats{RoundID: roundID, QuestionCount: r.QuestionCount}
	if err := s.st.attemptCounts(ctx, roundID, &st); err != nil {
		return RoundStats{}, err
	}
	if st.ByUnit, err = s.st.unitCounts(ctx, roundID); err != nil {
		return RoundStats{}, err
	}
	best, attempts, err := s.st.histogram(ctx, roundID)
	if err != nil {
		return RoundStats{}, err
	}
	top := r.QuestionCount
	for c := range best {
		top = max(top, c)
	}
	for c := range attempts {
		top = max(top, c)
	}
	st.ScoreHistogram = make([]HistogramBin, top+1)
	for c := range st.ScoreHistogram {
		st.ScoreHistogram[c] = HistogramBin{CorrectCount: c, Score: c * r.PointsPerQuestion,
			Participants: best[c], Attempts: attempts[c]}
	}
	st.Questions = []QuestionStat{}
	return st, nil
}

// questionTexts looks up the text of one version of each question. The
// statistics stand without them, so a bank that fails leaves them empty.
func (s *Service) questionTexts(ctx context.Context, refs []questions.PaperRef) map[int64]string {
	out := make(map[int64]string, len(refs))
	if len(refs) == 0 {
		return out
	}
	qs, err := s.bank.Rebuild(ctx, refs)
	if err != nil {
		s.log.Warn("contest: question texts for statistics", "err", err)
		return out
	}
	for _, q := range qs {
		out[q.QuestionID] = q.Text
	}
	return out
}

// TimeCount is how many attempts finished in a time bucket.
type TimeCount struct {
	At    time.Time `json:"at"`
	Count int       `json:"count"`
}

// Live is what an organizer watches while a round runs.
type Live struct {
	RoundID    int64 `json:"round_id,string"`
	InProgress int   `json:"in_progress"`
	// SubmitsLastMinute: attempts finished in the last minute.
	SubmitsLastMinute int `json:"submits_last_minute"`
	// PerMinute: attempts finished in each of the last 60 minutes.
	PerMinute []TimeCount `json:"per_minute"`
	// OverTime: attempts finished over the round's window so far, in
	// buckets of BucketSeconds.
	OverTime      []TimeCount `json:"over_time"`
	BucketSeconds int64       `json:"bucket_seconds"`
	AsOf          time.Time   `json:"as_of"`
}

// LiveStats returns the live figures of a round.
func (s *Service) LiveStats(ctx context.Context, roundID int64) (Live, error) {
	r, err := s.st.round(ctx, roundID)
	if err != nil {
		return Live{}, err
	}
	now := s.now()
	out := Live{RoundID: roundID, AsOf: now}
	if out.InProgress, err = s.st.inProgressCount(ctx, roundID); err != nil {
		return Live{}, err
	}
	minute := now.Truncate(time.Minute)
	from := minute.Add(-59 * time.Minute)
	if out.PerMinute, err = s.st.finishedOverTime(ctx, roundID, from, minute.Add(time.Minute), time.Minute); err != nil {
		return Live{}, err
	}
	if out.SubmitsLastMinute, err = s.st.finishedBetween(ctx, roundID, now.Add(-time.Minute), now); err != nil {
		return Live{}, err
	}
	end := now
	if r.ClosesAt.Before(end) {
		end = r.ClosesAt
	}
	if end.After(r.OpensAt) {
		bucket := bucketFor(end.Sub(r.OpensAt))
		out.BucketSeconds = int64(bucket / time.Second)
		start := r.OpensAt.Truncate(bucket)
		if out.OverTime, err = s.st.finishedOverTime(ctx, roundID, start, end.Add(time.Millisecond), bucket); err != nil {
			return Live{}, err
		}
	}
	return out, nil
}

// bucketFor picks a round bucket size that cuts span into at most about
// 60 bars, so a chart of a week-long round stays readable on a phone.
func bucketFor(span time.Duration) time.Duration {
	for _, b := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
		3 * time.Hour, 6 * time.Hour, 12 * time.Hour} {
		if span/b <= 60 {
			return b
		}
	}
	return 24 * time.Hour
}

// fillBuckets returns one TimeCount per bucket from from to before to,
// zero where nothing finished: charts need the gaps.
func fillBuckets(got []TimeCount, from, to time.Time, bucket time.Duration) []TimeCount {
	have := make(map[int64]int, len(got))
	for _, g := range got {
		have[g.At.UnixMilli()] = g.Count
	}
	out := []TimeCount{}
	for t := from; t.Before(to); t = t.Add(bucket) {
		out = append(out, TimeCount{At: t, Count: have[t.UnixMilli()]})
	}
	return out
}

// UnitStanding is a unit's line in a collective ranking.
type UnitStanding struct {
	Rank         int      `json:"rank"` // equal figures share a rank
	UnitID       int64    `json:"unit_id,string"`
	Unit         string   `json:"unit"`
	Participants int      `json:"participants"`
	MemberCount  *int     `json:"member_count"`
	Rate         *float64 `json:"participation_rate"`
	Winners      int      `json:"winners"`
}

// UnitRankings are a contest's collective rankings: units by how many of
// their people took part (finished an attempt of a ranked round, not
// disqualified), by participation rate where the unit's size is known,
// and by prize winners in the published results.
type UnitRankings struct {
	ContestID      int64          `json:"contest_id,string"`
	ByParticipants []UnitStanding `json:"by_participants"`
	ByRate         []UnitStanding `json:"by_participation_rate"`
	ByWinners      []UnitStanding `json:"by_winners"`
}

// UnitRankings returns a contest's collective rankings.
func (s *Service) UnitRankings(ctx context.Context, contestID int64) (UnitRankings, error) {
	if _, err := s.st.contest(ctx, contestID); err != nil {
		return UnitRankings{}, err
	}
	units, err := s.st.unitFigures(ctx, contestID)
	if err != nil {
		return UnitRankings{}, err
	}
	out := UnitRankings{ContestID: contestID}
	rank := func(keep func(UnitStanding) bool, key func(UnitStanding) float64) []UnitStanding {
		var l []UnitStanding
		for _, u := range units {
			if keep(u) {
				l = append(l, u)
			}
		}
		sort.SliceStable(l, func(i, j int) bool {
			if a, b := key(l[i]), key(l[j]); a != b {
				return a > b
			}
			return l[i].Unit < l[j].Unit
		})
		for i := range l {
			l[i].Rank = i + 1
			if i > 0 && key(l[i]) == key(l[i-1]) {
				l[i].Rank = l[i-1].Rank
			}
		}
		if l == nil {
			l = []UnitStanding{}
		}
		return l
	}
	out.ByParticipants = rank(func(u UnitStanding) bool { return u.Participants > 0 },
		func(u UnitStanding) float64 { return float64(u.Participants) })
	out.ByRate = rank(func(u UnitStanding) bool { return u.Rate != nil && u.Participants > 0 },
		func(u UnitStanding) float64 { return *u.Rate })
	out.ByWinners = rank(func(u UnitStanding) bool { return u.Winners > 0 },
		func(u UnitStanding) float64 { return float64(u.Winners) })
	return out, nil
}

func rate(n int, members *int) *float64 {
	if members == nil || *members <= 0 {
		return nil
	}
	r := float64(n) / float64(*members)
	return &r
}
