package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"

	"lawcontest/clock"
	"lawcontest/contest/leaderboard"
)

// verification is the end-of-run check against Postgres, the source of truth.
type verification struct {
	Attempts         int // attempts the run started
	SubmitsChecked   int // acknowledged submits compared with the stored result
	AnswersChecked   int // acknowledged answers compared with the stored ones
	UncertainAnswers int // answers whose request never got an answer (not checked)
	BoardChecked     int // places of the live board compared with Postgres (0: not checked)
	Failures         []string
}

func (v *verification) fail(format string, args ...any) {
	v.Failures = append(v.Failures, fmt.Sprintf(format, args...))
}

// verify checks every record against Postgres: each acknowledged submit is
// stored with the result the client was told, and that result is the
// stored answers scored against the attempt's answer key; each
// acknowledged answer is stored, and nothing the client was refused is.
func verify(ctx context.Context, pg *sqlx.DB, recs []*attemptRecord) (verification, error) {
	v := verification{Attempts: len(recs)}
	const batch = 2000
	for lo := 0; lo < len(recs); lo += batch {
		part := recs[lo:min(lo+batch, len(recs))]
		if err := verifyBatch(ctx, pg, part, &v); err != nil {
			return v, err
		}
	}
	return v, nil
}

type storedAttempt struct {
	ID            int64      `db:"id"`
	ParticipantID int64      `db:"participant_id"`
	Status        string     `db:"status"`
	Score         *int       `db:"score"`
	CorrectCount  *int       `db:"correct_count"`
	DurationMS    *int64     `db:"duration_ms"`
	SubmittedAt   *time.Time `db:"submitted_at"`
	AnswerKey     []byte     `db:"answer_key"`
	Points        int        `db:"points_per_question"`
}

func verifyBatch(ctx context.Context, pg *sqlx.DB, recs []*attemptRecord, v *verification) error {
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ids[i] = parseID(r.attemptID)
	}
	var rows []storedAttempt
	if err := pg.SelectContext(ctx, &rows, `
		SELECT a.id, a.participant_id, a.status, a.score, a.correct_count, a.duration_ms, a.submitted_at,
			p.answer_key, r.points_per_question
		FROM attempts a JOIN attempt_papers p ON p.attempt_id = a.id JOIN rounds r ON r.id = a.round_id
		WHERE a.id = ANY($1)`, pq.Array(ids)); err != nil {
		return err
	}
	stored := make(map[int64]storedAttempt, len(rows))
	for _, a := range rows {
		stored[a.ID] = a
	}
	var answers []struct {
		AttemptID  int64  `db:"attempt_id"`
		QuestionID int64  `db:"question_id"`
		OptionID   string `db:"option_id"`
	}
	if err := pg.SelectContext(ctx, &answers, `
		SELECT attempt_id, question_id, option_id FROM attempt_answers WHERE attempt_id = ANY($1)`, pq.Array(ids)); err != nil {
		return err
	}
	saved := map[int64]map[string]string{}
	for _, a := range answers {
		m := saved[a.AttemptID]
		if m == nil {
			m = map[string]string{}
			saved[a.AttemptID] = m
		}
		m[fmt.Sprint(a.QuestionID)] = a.OptionID
	}

	for _, r := range recs {
		id := parseID(r.attemptID)
		a, ok := stored[id]
		if !ok {
			v.fail("attempt %s: started (acknowledged) but not in Postgres", r.attemptID)
			continue
		}
		if a.ParticipantID != r.accountID {
			v.fail("attempt %s: belongs to %d in Postgres, started by %d", r.attemptID, a.ParticipantID, r.accountID)
		}
		got := saved[id]
		for q, o := range r.expected {
			if r.uncertain[q] {
				continue
			}
			v.AnswersChecked++
			if got[q] != o {
				v.fail("attempt %s question %s: stored %q, acknowledged %q", r.attemptID, q, got[q], o)
			}
		}
		for q, o := range got {
			if _, ok := r.expected[q]; !ok && !r.uncertain[q] {
				v.fail("attempt %s question %s: stored %q although no save of it was acknowledged", r.attemptID, q, o)
			}
		}
		v.UncertainAnswers += len(r.uncertain)
		if a.Status != "in_progress" {
			var key map[string]string
			if err := json.Unmarshal(a.AnswerKey, &key); err != nil {
				return fmt.Errorf("attempt %d answer key: %w", id, err)
			}
			correct := 0
			for q, o := range got {
				if key[q] == o {
					correct++
				}
			}
			if a.CorrectCount == nil || a.Score == nil || *a.CorrectCount != correct || *a.Score != correct*a.Points {
				v.fail("attempt %s: stored score %v / %v correct, the stored answers score %d correct", r.attemptID,
					deref(a.Score), deref(a.CorrectCount), correct)
			}
		}
		if !r.submitted {
			continue
		}
		v.SubmitsChecked++
		t := r.told
		switch {
		case a.Status != t.Status:
			v.fail("attempt %s: told %s, stored %s", r.attemptID, t.Status, a.Status)
		case a.Score == nil || *a.Score != t.Score || *a.CorrectCount != t.CorrectCount:
			v.fail("attempt %s: told score %d (%d correct), stored %v (%v)", r.attemptID, t.Score, t.CorrectCount,
				deref(a.Score), deref(a.CorrectCount))
		case *a.DurationMS != t.DurationMS || !a.SubmittedAt.Equal(t.SubmittedAt):
			v.fail("attempt %s: told %d ms at %s, stored %d ms at %s", r.attemptID, t.DurationMS, t.SubmittedAt,
				*a.DurationMS, a.SubmittedAt)
		}
	}
	return nil
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// verifyBoard reads the round's whole live board from Redis (a Board of
// its own, so no cache of the server's answers) and compares it, place by
// place, with round_ranking(round, false) in Postgres: the same
// participants with the same attempts in the same order.
func verifyBoard(ctx context.Context, pg *sqlx.DB, rdb redis.UniversalClient, keyPrefix string, roundID int64, v *verification) error {
	var want []struct {
		Place         int64 `db:"place"`
		ParticipantID int64 `db:"participant_id"`
		AttemptID     int64 `db:"attempt_id"`
	}
	if err := pg.SelectContext(ctx, &want, `SELECT place, participant_id, attempt_id FROM round_ranking($1, false)`, roundID); err != nil {
		return err
	}
	// A board the server has just found lost is rebuilt by its repairer
	// within seconds: wait for it rather than fail.
	var got []leaderboard.Ranked
	for wait := time.Now().Add(30 * time.Second); ; {
		var err error
		got, err = readBoard(ctx, rdb, keyPrefix, roundID)
		if err == nil {
			break
		}
		if !errors.Is(err, leaderboard.ErrUnavailable) || time.Now().After(wait) {
			return fmt.Errorf("board: %w", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	v.BoardChecked = len(want)
	if len(got) != len(want) {
		v.fail("board: %d entries in Redis, %d ranked in Postgres", len(got), len(want))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		g, w := got[i], want[i]
		if g.Position != w.Place || g.ParticipantID != w.ParticipantID || g.AttemptID != w.AttemptID {
			v.fail("board place %d: Redis has participant %d (attempt %d), Postgres ranks participant %d (attempt %d) there",
				w.Place, g.ParticipantID, g.AttemptID, w.ParticipantID, w.AttemptID)
			break
		}
	}
	return nil
}

// readBoard reads a round's whole board from Redis, through a Board of its
// own (so no cache of the server's answers).
func readBoard(ctx context.Context, rdb redis.UniversalClient, keyPrefix string, roundID int64) ([]leaderboard.Ranked, error) {
	b := leaderboard.New(rdb, keyPrefix, clock.Real{})
	var got []leaderboard.Ranked
	for off := 0; ; off += leaderboard.MaxTopLimit {
		es, total, err := b.Top(ctx, roundID, 0, leaderboard.MaxTopLimit, off)
		if err != nil {
			return nil, err
		}
		got = append(got, es...)
		if int64(len(got)) >= total || len(es) == 0 {
			return got, nil
		}
	}
}
