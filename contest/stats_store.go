package contest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"lawcontest/questions"
)

// This file holds the SQL of round statistics and unit rankings (stats.go).

func (s store) attemptCounts(ctx context.Context, roundID int64, st *RoundStats) error {
	return s.db.QueryRowContext(ctx, `
		SELECT count(*),
			count(*) FILTER (WHERE status = 'submitted'),
			count(*) FILTER (WHERE status = 'expired'),
			count(*) FILTER (WHERE status = 'in_progress'),
			count(DISTINCT participant_id),
			count(DISTINCT participant_id) FILTER (WHERE status <> 'in_progress'),
			count(DISTINCT participant_id) FILTER (WHERE status <> 'in_progress' AND correct_count = question_count)
		FROM attempts WHERE round_id = $1`, roundID).
		Scan(&st.Attempts, &st.Submitted, &st.Expired, &st.InProgress, &st.Participants, &st.Finished, &st.AllCorrect)
}

// unitCounts counts the people of each unit who started an attempt of the
// round, most first; people without a unit are counted under unit 0.
func (s store) unitCounts(ctx context.Context, roundID int64) ([]UnitCount, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT coalesce(u.unit_id, 0), coalesce(n.name, ''), n.member_count, count(*)
		FROM (SELECT DISTINCT participant_id FROM attempts WHERE round_id = $1) p
		JOIN users u ON u.id = p.participant_id
		LEFT JOIN units n ON n.id = u.unit_id
		GROUP BY 1, 2, 3
		ORDER BY 4 DESC, 2`, roundID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []UnitCount{}
	for rows.Next() {
		var u UnitCount
		if err := rows.Scan(&u.UnitID, &u.Unit, &u.MemberCount, &u.Participants); err != nil {
			return nil, err
		}
		u.Rate = rate(u.Participants, u.MemberCount)
		out = append(out, u)
	}
	return out, rows.Err()
}

// histogram counts participants by the correct answers of their best
// attempt, and finished attempts by their correct answers.
func (s store) histogram(ctx context.Context, roundID int64) (best, attempts map[int]int, err error) {
	best, attempts = map[int]int{}, map[int]int{}
	rows, err := s.db.QueryContext(ctx, `
		WITH fin AS (
			SELECT participant_id, correct_count FROM attempts WHERE round_id = $1 AND status <> 'in_progress'
		), best AS (
			SELECT max(correct_count) AS c FROM fin GROUP BY participant_id
		)
		SELECT true, c, count(*) FROM best GROUP BY c
		UNION ALL
		SELECT false, correct_count, count(*) FROM fin GROUP BY correct_count`, roundID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			isBest bool
			c, n   int
		)
		if err := rows.Scan(&isBest, &c, &n); err != nil {
			return nil, nil, err
		}
		if isBest {
			best[c] = n
		} else {
			attempts[c] = n
		}
	}
	return best, attempts, rows.Err()
}

// questionStats computes, per question of the round's finished attempts,
// how often it was shown, answered and answered right, overall and in the
// upper and lower groups (the first and last share of attempts ordered by
// correct answers). It also returns one paper reference of each question,
// to look its text up.
func (s store) questionStats(ctx context.Context, roundID int64, group float64) ([]QuestionStat, []questions.PaperRef, error) {
	rows, err := s.db.QueryContext(ctx, `
		WITH fin AS (
			SELECT a.id, p.paper, p.answer_key,
				row_number() OVER (ORDER BY a.correct_count DESC, a.id) AS rn,
				count(*) OVER () AS n
			FROM attempts a JOIN attempt_papers p ON p.attempt_id = a.id
			WHERE a.round_id = $1 AND a.status <> 'in_progress'
		), g AS (
			SELECT id, paper, answer_key,
				CASE WHEN rn <= ceil(n * $2::float8) THEN 1
				     WHEN rn > n - ceil(n * $2::float8) THEN -1
				     ELSE 0 END AS grp
			FROM fin
		), shown AS (
			SELECT g.id, g.grp, (x->>'q')::bigint AS qid, x::text AS ref, g.answer_key ->> (x->>'q') AS right_option
			FROM g CROSS JOIN LATERAL jsonb_array_elements(g.paper) AS x
		)
		SELECT s.qid, max(s.ref), count(*), count(aa.option_id),
			count(*) FILTER (WHERE aa.option_id = s.right_option),
			count(*) FILTER (WHERE s.grp = 1),
			count(*) FILTER (WHERE s.grp = 1 AND aa.option_id = s.right_option),
			count(*) FILTER (WHERE s.grp = -1),
			count(*) FILTER (WHERE s.grp = -1 AND aa.option_id = s.right_option)
		FROM shown s
		LEFT JOIN attempt_answers aa ON aa.attempt_id = s.id AND aa.question_id = s.qid
		GROUP BY s.qid
		ORDER BY s.qid`, roundID, group)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := []QuestionStat{}
	var refs []questions.PaperRef
	for rows.Next() {
		var (
			q                         QuestionStat
			ref                       string
			upperRight, lowerRight    int
			upperShown, lowerShownCnt int
		)
		if err := rows.Scan(&q.QuestionID, &ref, &q.Shown, &q.Answered, &q.Correct,
			&upperShown, &upperRight, &lowerShownCnt, &lowerRight); err != nil {
			return nil, nil, err
		}
		q.Upper, q.Lower = upperShown, lowerShownCnt
		if q.Shown > 0 {
			q.CorrectShare = float64(q.Correct) / float64(q.Shown)
		}
		if upperShown > 0 && lowerShownCnt > 0 {
			d := float64(upperRight)/float64(upperShown) - float64(lowerRight)/float64(lowerShownCnt)
			q.Discrimination = &d
		}
		var r questions.PaperRef
		if err := json.Unmarshal([]byte(ref), &r); err != nil {
			return nil, nil, fmt.Errorf("question %d paper ref: %w", q.QuestionID, err)
		}
		refs = append(refs, r)
		out = append(out, q)
	}
	return out, refs, rows.Err()
}

func (s store) inProgressCount(ctx context.Context, roundID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `
		SELECT count(*) FROM attempts WHERE round_id = $1 AND status = 'in_progress'`, roundID).Scan(&n)
	return n, err
}

// finishedBetween counts attempts of the round that ended in (from, to].
func (s store) finishedBetween(ctx context.Context, roundID int64, from, to time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `
		SELECT count(*) FROM attempts
		WHERE round_id = $1 AND status <> 'in_progress' AND submitted_at > $2 AND submitted_at <= $3`,
		roundID, from, to).Scan(&n)
	return n, err
}

// finishedOverTime counts attempts of the round that ended in [from, to)
// per bucket, every bucket listed (from must be on a bucket boundary).
func (s store) finishedOverTime(ctx context.Context, roundID int64, from, to time.Time, bucket time.Duration) ([]TimeCount, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT date_bin(make_interval(secs => $4), submitted_at, $2) AS t, count(*)
		FROM attempts
		WHERE round_id = $1 AND status <> 'in_progress' AND submitted_at >= $2 AND submitted_at < $3
		GROUP BY 1 ORDER BY 1`, roundID, from, to, bucket.Seconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var got []TimeCount
	for rows.Next() {
		var c TimeCount
		if err := rows.Scan(&c.At, &c.Count); err != nil {
			return nil, err
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return fillBuckets(got, from.UTC(), to, bucket), nil
}

// unitFigures returns, for every unit with participants or winners in a
// contest, how many of its people finished an attempt of a ranked round
// (disqualified accounts left out) and how many distinct people of it hold
// a prize in the newest publication of each round.
func (s store) unitFigures(ctx context.Context, contestID int64) ([]UnitStanding, error) {
	rows, err := s.db.QueryContext(ctx, `
		WITH people AS (
			SELECT DISTINCT a.participant_id
			FROM attempts a JOIN rounds r ON r.id = a.round_id
			WHERE r.contest_id = $1 AND NOT r.practice AND a.status <> 'in_progress'
			  AND NOT EXISTS (SELECT 1 FROM contest_disqualifications d
			                  WHERE d.contest_id = $1 AND d.participant_id = a.participant_id)
		), took_part AS (
			SELECT u.unit_id, count(*) AS n
			FROM people p JOIN users u ON u.id = p.participant_id
			WHERE u.unit_id IS NOT NULL
			GROUP BY u.unit_id
		), newest AS (
			SELECT DISTINCT ON (pb.round_id) pb.id
			FROM round_publications pb JOIN rounds r ON r.id = pb.round_id
			WHERE r.contest_id = $1
			ORDER BY pb.round_id, pb.version DESC
		), won AS (
			SELECT pr.unit_id, count(DISTINCT pr.participant_id) AS n
			FROM round_published_results pr JOIN newest ON newest.id = pr.publication_id
			WHERE pr.prize IS NOT NULL AND pr.unit_id IS NOT NULL
			GROUP BY pr.unit_id
		)
		SELECT n.id, n.name, n.member_count, coalesce(t.n, 0), coalesce(w.n, 0)
		FROM units n
		LEFT JOIN took_part t ON t.unit_id = n.id
		LEFT JOIN won w ON w.unit_id = n.id
		WHERE t.n IS NOT NULL OR w.n IS NOT NULL
		ORDER BY n.name`, contestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UnitStanding
	for rows.Next() {
		var u UnitStanding
		if err := rows.Scan(&u.UnitID, &u.Unit, &u.MemberCount, &u.Participants, &u.Winners); err != nil {
			return nil, err
		}
		u.Rate = rate(u.Participants, u.MemberCount)
		out = append(out, u)
	}
	return out, rows.Err()
}
