package contest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/contest/leaderboard"
	"lawcontest/pgstmt"
	"lawcontest/questions"
)

// This file holds all the SQL of the contest package. store runs
// statements on the pool; txStore runs those that must share a
// transaction. Statements that both need take a queryer.

type store struct {
	db *sqlx.DB
	// stmts prepares the single-row statements of the attempt path, which
	// run on every request of a round (see pgstmt).
	stmts *pgstmt.Cache
}

// The group commits of starts, autosaves and submits run statements over
// arrays (`WHERE id = ANY($1)`, joins with unnest) that must find their
// rows by index, one probe per item. They are prepared (planning one took
// more of Postgres's time than running it), and a prepared statement's
// generic plan is made once, without the arrays' length, against the
// tables' sizes at that moment, and then kept: made while a round's first
// attempts came in (tables of a few pages, where a sequential scan or a
// hash join is cheapest), the load test's statements went on scanning
// the whole attempts and round_participants tables on every group and
// halved the submit rate. So the SQL functions that commit starts and
// submits (and finalize_attempts, which every writer calls) turn off
// sequential scans and hash and merge joins for themselves, in their SET
// clauses (migrations 0600 and 0610), and the plans, generic or not, are
// index probes in nested loops; the autosave's single statement gets the same
// plan from its LATERAL shape. They also ask for the generic plan at once
// (plan_cache_mode): otherwise Postgres went on making a custom plan for
// each group, a tenth of its CPU time in the load test's mixed load, to
// arrive at the same probes. And they never JIT-compile (jit off): those
// settings and missing statistics can price a group above jit_above_cost,
// and compiling every call cut the submit rate to a third (migration 0610).

type txStore struct {
	tx    *sqlx.Tx
	stmts *pgstmt.Cache
}

// queryRow runs a single-row statement of the transaction, prepared on its
// connection once pgstmt has it.
func (t txStore) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmts.InTx(ctx, t.tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// query runs a statement over arrays, planned on each call (see above).
func (t txStore) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, query, args...)
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s store) inTx(ctx context.Context, fn func(txStore) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(txStore{tx: tx, stmts: s.stmts}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func notFound(err error, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, key)
	}
	return err
}

// ---- contests

const contestColumns = `id, kind, title, description, rules, published, starts_at, ends_at`

func scanContest(row interface{ Scan(...any) error }) (Contest, error) {
	var c Contest
	err := row.Scan(&c.ID, &c.Kind, &c.Title, &c.Description, &c.Rules, &c.Published, &c.StartsAt, &c.EndsAt)
	c.StartsAt, c.EndsAt = c.StartsAt.UTC(), c.EndsAt.UTC()
	return c, err
}

func (s store) contests(ctx context.Context, withDrafts bool) ([]Contest, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+contestColumns+`
		FROM contests
		WHERE published OR $1
		ORDER BY starts_at DESC, id DESC`, withDrafts)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cs := []Contest{}
	for rows.Next() {
		c, err := scanContest(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

func (s store) contest(ctx context.Context, id int64) (Contest, error) {
	c, err := scanContest(s.db.QueryRowContext(ctx, `SELECT `+contestColumns+` FROM contests WHERE id = $1`, id))
	return c, notFound(err, "contest.not_found")
}

func (t txStore) contestForUpdate(ctx context.Context, id int64) (Contest, error) {
	c, err := scanContest(t.tx.QueryRowContext(ctx, `SELECT `+contestColumns+` FROM contests WHERE id = $1 FOR UPDATE`, id))
	return c, notFound(err, "contest.not_found")
}

func (t txStore) insertContest(ctx context.Context, actorID int64, in ContestInput, now time.Time) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `
		INSERT INTO contests (kind, title, description, rules, published, starts_at, ends_at, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
		RETURNING id`,
		in.Kind, in.Title, in.Description, in.Rules, in.Published, in.StartsAt, in.EndsAt, nullID(actorID), now,
	).Scan(&id)
	return id, err
}

func (t txStore) updateContest(ctx context.Context, id int64, in ContestInput, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `
		UPDATE contests
		SET title = $2, description = $3, rules = $4, published = $5, starts_at = $6, ends_at = $7, updated_at = $8
		WHERE id = $1`,
		id, in.Title, in.Description, in.Rules, in.Published, in.StartsAt, in.EndsAt, now)
	return err
}

// roundsSpan is the earliest opening and the latest closing of a contest's
// rounds; ok is false when it has none.
func (t txStore) roundsSpan(ctx context.Context, contestID int64) (first, last time.Time, ok bool, err error) {
	var f, l sql.NullTime
	err = t.tx.QueryRowContext(ctx, `SELECT min(opens_at), max(closes_at) FROM rounds WHERE contest_id = $1`, contestID).Scan(&f, &l)
	return f.Time, l.Time, f.Valid, err
}

// ---- rounds

const roundColumns = `r.id, r.contest_id, r.title, r.opens_at, r.closes_at, r.duration_ms, r.question_count,
	coalesce(r.max_attempts, 0), r.points_per_question, r.blueprint, coalesce(r.prediction_question, ''),
	r.practice, c.published`

func scanRound(row interface{ Scan(...any) error }) (Round, error) {
	var (
		r  Round
		bp []byte
	)
	err := row.Scan(&r.ID, &r.ContestID, &r.Title, &r.OpensAt, &r.ClosesAt, &r.DurationMS, &r.QuestionCount,
		&r.MaxAttempts, &r.PointsPerQuestion, &bp, &r.PredictionQuestion, &r.Practice, &r.contestPublished)
	if err != nil {
		return r, err
	}
	r.OpensAt, r.ClosesAt = r.OpensAt.UTC(), r.ClosesAt.UTC()
	if err := json.Unmarshal(bp, &r.Blueprint); err != nil {
		return r, fmt.Errorf("round %d blueprint: %w", r.ID, err)
	}
	return r, nil
}

func (s store) rounds(ctx context.Context, contestID int64) ([]Round, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+roundColumns+`
		FROM rounds r JOIN contests c ON c.id = r.contest_id
		WHERE r.contest_id = $1
		ORDER BY r.opens_at, r.id`, contestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rs := []Round{}
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

func (s store) round(ctx context.Context, id int64) (Round, error) {
	r, err := scanRound(s.stmts.QueryRow(ctx, `
		SELECT `+roundColumns+` FROM rounds r JOIN contests c ON c.id = r.contest_id WHERE r.id = $1`, id))
	return r, notFound(err, "round.not_found")
}

func (t txStore) roundForUpdate(ctx context.Context, id int64) (Round, error) {
	r, err := scanRound(t.tx.QueryRowContext(ctx, `
		SELECT `+roundColumns+` FROM rounds r JOIN contests c ON c.id = r.contest_id WHERE r.id = $1
		FOR UPDATE OF r`, id))
	return r, notFound(err, "round.not_found")
}

func roundArgs(in RoundInput, questionCount int) []any {
	bp, _ := json.Marshal(in.Blueprint)
	var maxAttempts, prediction any
	if !in.Practice {
		maxAttempts = in.MaxAttempts
	}
	if in.PredictionQuestion != "" {
		prediction = in.PredictionQuestion
	}
	return []any{in.Title, in.OpensAt, in.ClosesAt, in.DurationMS, maxAttempts, bp, questionCount,
		in.PointsPerQuestion, prediction, in.Practice}
}

func (t txStore) insertRound(ctx context.Context, actorID, contestID int64, in RoundInput, questionCount int, now time.Time) (int64, error) {
	args := append(roundArgs(in, questionCount), contestID, nullID(actorID), now)
	var id int64
	err := t.tx.QueryRowContext(ctx, `
		INSERT INTO rounds (title, opens_at, closes_at, duration_ms, max_attempts, blueprint, question_count,
			points_per_question, prediction_question, practice, contest_id, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
		RETURNING id`, args...).Scan(&id)
	return id, err
}

func (t txStore) updateRound(ctx context.Context, id int64, in RoundInput, questionCount int, now time.Time) error {
	args := append(roundArgs(in, questionCount), id, now)
	_, err := t.tx.ExecContext(ctx, `
		UPDATE rounds
		SET title = $1, opens_at = $2, closes_at = $3, duration_ms = $4, max_attempts = $5, blueprint = $6,
			question_count = $7, points_per_question = $8, prediction_question = $9, practice = $10,
			updated_at = $12
		WHERE id = $11`, args...)
	return err
}

// extendDeadlines gives attempts in progress that the old closing time cut
// short the time the new closing time allows.
func (t txStore) extendDeadlines(ctx context.Context, roundID int64, oldClose, newClose time.Time) error {
	_, err := t.tx.ExecContext(ctx, `
		UPDATE attempts a
		SET deadline_at = least(a.started_at + r.duration_ms * interval '1 millisecond', $3)
		FROM rounds r
		WHERE r.id = a.round_id AND a.round_id = $1 AND a.status = 'in_progress' AND a.deadline_at = $2`,
		roundID, oldClose, newClose)
	return err
}

// ---- audit

// audit writes one row of the audit log in the transaction of the change.
func (t txStore) audit(ctx context.Context, actor Actor, now time.Time, action, entity string, entityID int64, details any) error {
	return audit.Record(ctx, t.tx, now, actor, action, entity, strconv.FormatInt(entityID, 10), details)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ---- attempts

type attemptRow struct {
	ID, RoundID, ParticipantID int64
	AttemptNo                  int
	Status                     string
	StartedAt, DeadlineAt      time.Time
	Refs                       []questions.PaperRef
	QuestionCount              int
	Prediction                 *int
	SubmittedAt                *time.Time
	DurationMS                 *int64
	CorrectCount, Score        *int
	Answers                    map[string]string
	RoundTitle                 string
	Practice                   bool
	PredictionQuestion         string
	RoundClosesAt              time.Time
}

func (a attemptRow) result() AttemptResult {
	r := AttemptResult{ID: a.ID, RoundID: a.RoundID, Status: a.Status, QuestionCount: a.QuestionCount, Prediction: a.Prediction}
	if a.Score != nil {
		r.Score, r.CorrectCount, r.DurationMS, r.SubmittedAt = *a.Score, *a.CorrectCount, *a.DurationMS, a.SubmittedAt.UTC()
	}
	return r
}

func (a attemptRow) reviewAvailable(now time.Time) bool {
	return a.Status != AttemptInProgress && (a.Practice || !now.Before(a.RoundClosesAt))
}

const attemptQuery = `
	SELECT a.id, a.round_id, a.participant_id, a.attempt_no, a.status, a.started_at, a.deadline_at,
		p.paper, a.question_count, a.prediction, a.submitted_at, a.duration_ms, a.correct_count, a.score,
		(SELECT coalesce(jsonb_object_agg(aa.question_id::text, aa.option_id), '{}')
		 FROM attempt_answers aa WHERE aa.attempt_id = a.id),
		r.title, r.practice, coalesce(r.prediction_question, ''), r.closes_at
	FROM attempts a JOIN attempt_papers p ON p.attempt_id = a.id JOIN rounds r ON r.id = a.round_id
	WHERE a.id = $1`

func scanAttempt(row *sql.Row) (attemptRow, error) {
	var (
		a              attemptRow
		paper, answers []byte
	)
	err := row.Scan(&a.ID, &a.RoundID, &a.ParticipantID, &a.AttemptNo, &a.Status, &a.StartedAt, &a.DeadlineAt,
		&paper, &a.QuestionCount, &a.Prediction, &a.SubmittedAt, &a.DurationMS, &a.CorrectCount, &a.Score,
		&answers, &a.RoundTitle, &a.Practice, &a.PredictionQuestion, &a.RoundClosesAt)
	if err != nil {
		return a, notFound(err, "attempt.not_found")
	}
	a.StartedAt, a.DeadlineAt, a.RoundClosesAt = a.StartedAt.UTC(), a.DeadlineAt.UTC(), a.RoundClosesAt.UTC()
	if err := json.Unmarshal(paper, &a.Refs); err != nil {
		return a, fmt.Errorf("attempt %d paper: %w", a.ID, err)
	}
	if err := json.Unmarshal(answers, &a.Answers); err != nil {
		return a, fmt.Errorf("attempt %d answers: %w", a.ID, err)
	}
	return a, nil
}

func (s store) attempt(ctx context.Context, id int64) (attemptRow, error) {
	return scanAttempt(s.stmts.QueryRow(ctx, attemptQuery, id))
}

func (t txStore) attemptForUpdate(ctx context.Context, id int64) (attemptRow, error) {
	return scanAttempt(t.queryRow(ctx, attemptQuery+` FOR UPDATE OF a`, id))
}

// saveResult tells why an autosave stored nothing, if it did not.
type saveResult struct {
	found, mine, inTime, questionOK, optionOK bool
	status                                    string
}

func (r saveResult) err() error {
	switch {
	case !r.found || !r.mine:
		return apperr.New(apperr.NotFound, "attempt.not_found")
	case r.status == AttemptSubmitted:
		return apperr.New(apperr.Conflict, "attempt.already_submitted")
	case r.status != AttemptInProgress || !r.inTime:
		return apperr.New(apperr.DeadlinePassed, "attempt.deadline_passed")
	case !r.questionOK:
		return apperr.Field("question_id", "attempt.question_not_in_paper")
	case !r.optionOK:
		return apperr.Field("option_id", "attempt.option_not_in_question")
	}
	return nil
}

// saveAnswerGroup is the autosave write path: one statement, so one
// transaction and one WAL flush, for a whole group of autosaves (see
// groupCommit), each with its own result. It takes a KEY SHARE lock on each
// attempt, which waits for a submit or the sweeper holding the attempt's
// row lock and then sees the status they committed, so an answer is either
// in the scored set or refused, never acknowledged and lost. Autosaves do
// not block each other. items are sorted by attempt and question, and the
// locks are taken in that order, as every other writer of attempts does
// (ORDER BY id), so groups cannot deadlock. Whether each answer fits its
// attempt's paper was checked before, against the cached paper (an
// answer that does not fit is refused here, for the reason its paper
// gave, after the attempt's own checks). An answer saved again unchanged
// (a phone whose acknowledgement was lost) is acknowledged without a new
// row version (migration 0640).
func (s store) saveAnswerGroup(ctx context.Context, items []*answerSave) error {
	n := len(items)
	var (
		idx                         = make([]int64, n)
		attempts, owners, questions = make([]int64, n), make([]int64, n), make([]int64, n)
		options                     = make([]string, n)
		fits                        = make([]bool, n)
		savedAt, cutoffs            = make([]string, n), make([]string, n)
	)
	for i, it := range items {
		idx[i], attempts[i], owners[i], questions[i], options[i] = int64(i), it.attemptID, it.participantID, it.questionID, it.optionID
		fits[i] = it.questionOK && it.optionOK
		savedAt[i], cutoffs[i] = it.now.Format(time.RFC3339Nano), it.cutoff.Format(time.RFC3339Nano)
		it.res = saveResult{} // not found unless a row says otherwise
	}
	// The attempts are found by one index probe each, in id order (the
	// order of every lock on attempts), whatever the statistics: LATERAL
	// makes the plan a nested loop, where a sequential scan would be
	// repeated per attempt (see txStore). Prepared: this runs a thousand
	// times a second.
	rows, err := s.stmts.Query(ctx, `
		WITH i AS (
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[],
				$6::timestamptz[], $7::timestamptz[], $8::boolean[])
				AS i(idx, attempt_id, participant_id, question_id, option_id, saved_at, cutoff, fits)
		), a AS (
			SELECT t.id, t.participant_id, t.status, t.deadline_at
			FROM (SELECT DISTINCT id FROM unnest($2::bigint[]) AS u(id) ORDER BY id) x
			CROSS JOIN LATERAL (
				SELECT id, participant_id, status, deadline_at FROM attempts
				WHERE id = x.id
				FOR KEY SHARE
			) t
		), ok AS (
			SELECT i.idx, i.attempt_id, i.question_id, i.option_id, i.saved_at, i.fits, a.status,
				a.participant_id = i.participant_id AS mine,
				a.deadline_at >= i.cutoff AS in_time
			FROM i JOIN a ON a.id = i.attempt_id
		), ins AS (
			INSERT INTO attempt_answers AS aa (attempt_id, question_id, option_id, saved_at)
			SELECT attempt_id, question_id, option_id, saved_at FROM ok
			WHERE mine AND status = 'in_progress' AND in_time AND fits
			ORDER BY attempt_id, question_id
			ON CONFLICT (attempt_id, question_id)
			DO UPDATE SET option_id = EXCLUDED.option_id, saved_at = EXCLUDED.saved_at
			WHERE aa.option_id <> EXCLUDED.option_id
		)
		SELECT idx, status, mine, in_time FROM ok`,
		pq.Array(idx), pq.Array(attempts), pq.Array(owners), pq.Array(questions), pq.Array(options),
		pq.Array(savedAt), pq.Array(cutoffs), pq.Array(fits))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			i int64
			r = saveResult{found: true}
		)
		if err := rows.Scan(&i, &r.status, &r.mine, &r.inTime); err != nil {
			return err
		}
		if i < 0 || i >= int64(n) {
			return fmt.Errorf("autosave group: row for item %d of %d", i, n)
		}
		r.questionOK, r.optionOK = items[i].questionOK, items[i].optionOK
		items[i].res = r
	}
	return rows.Err()
}

// savePrediction stores the prediction of an attempt in progress. It takes
// the same KEY SHARE lock as saveAnswer before its UPDATE: with NO KEY
// UPDATE there, two predictions and an answer saved at once deadlocked in
// Postgres (locking the updated version of a row that answers had share-
// locked), and one of them failed.
func (s store) savePrediction(ctx context.Context, attemptID, participantID int64, prediction int, cutoff time.Time) (saveResult, error) {
	r := saveResult{found: true, questionOK: true, optionOK: true}
	err := s.stmts.QueryRow(ctx, `
		WITH a AS (
			SELECT id, participant_id, status, deadline_at
			FROM attempts
			WHERE id = $1
			FOR KEY SHARE
		), u AS (
			UPDATE attempts t SET prediction = $3
			FROM a
			WHERE t.id = a.id AND a.participant_id = $2 AND a.status = 'in_progress' AND a.deadline_at >= $4
		)
		SELECT status, participant_id = $2, deadline_at >= $4 FROM a`,
		attemptID, participantID, prediction, cutoff,
	).Scan(&r.status, &r.mine, &r.inTime)
	if errors.Is(err, sql.ErrNoRows) {
		return saveResult{}, nil
	}
	return r, err
}

// finalizedAttempt is an attempt finalize just finished, with its result
// and what its board entry needs.
type finalizedAttempt struct {
	ID, RoundID, ParticipantID int64
	Practice                   bool
	Status                     string
	CorrectCount, Score        int
	QuestionCount              int
	DurationMS                 int64
	SubmittedAt                time.Time
	Prediction                 *int
	UnitID                     int64
	// Disqualified: the participant is disqualified from the round's
	// contest, so the attempt stays off the live board.
	Disqualified bool
}

// columns are the places to scan a row of finalize_attempts into (the
// last columns of submit_group's and start_group's rows too).
func (f *finalizedAttempt) columns() []any {
	return []any{&f.ID, &f.RoundID, &f.ParticipantID, &f.Practice, &f.Status, &f.CorrectCount, &f.Score,
		&f.QuestionCount, &f.DurationMS, &f.SubmittedAt, &f.Prediction, &f.UnitID, &f.Disqualified}
}

func (f finalizedAttempt) result() AttemptResult {
	return AttemptResult{ID: f.ID, RoundID: f.RoundID, Status: f.Status, Score: f.Score, CorrectCount: f.CorrectCount,
		QuestionCount: f.QuestionCount, DurationMS: f.DurationMS, SubmittedAt: f.SubmittedAt, Prediction: f.Prediction}
}

func (f finalizedAttempt) entry() leaderboard.Entry {
	return leaderboard.Entry{RoundID: f.RoundID, ParticipantID: f.ParticipantID, UnitID: f.UnitID, AttemptID: f.ID,
		CorrectCount: f.CorrectCount, Score: f.Score, DurationMS: f.DurationMS, SubmittedAt: f.SubmittedAt}
}

// finalizeItem is one attempt to finish: at is when (the submit's time,
// or the sweeper's), prediction a submit body's prediction or nil.
type finalizeItem struct {
	id         int64
	at         time.Time
	prediction *int
}

// finalize scores and finishes attempts still in progress, in one
// statement: correct answers are counted against the attempt's answer key.
// A submitted attempt ends at its submit, capped at its deadline (a submit
// in the grace gains nothing); an expired one ends at its deadline, so its
// result does not depend on when the sweeper came by. A submit body's
// prediction is stored in the same statement. The caller holds the
// attempts' row locks, taken in an earlier statement of its transaction so
// that this one sees every answer committed before. It returns each
// finished attempt's result, so that neither the board nor the submit's
// answer reads it again.
func (t txStore) finalize(ctx context.Context, status string, items []finalizeItem) ([]finalizedAttempt, error) {
	if len(items) == 0 {
		return nil, nil
	}
	ids, ats, preds := make([]int64, len(items)), make([]string, len(items)), make([]int64, len(items))
	for i, it := range items {
		ids[i], ats[i], preds[i] = it.id, it.at.Format(time.RFC3339Nano), -1
		if it.prediction != nil {
			preds[i] = int64(*it.prediction)
		}
	}
	// The scoring is the SQL function finalize_attempts (migration 0600),
	// which submit_group uses too.
	rows, err := t.query(ctx, `SELECT * FROM finalize_attempts($1, $2, $3, $4)`,
		pq.Array(ids), pq.Array(ats), pq.Array(preds), status)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []finalizedAttempt
	for rows.Next() {
		var f finalizedAttempt
		if err := rows.Scan(f.columns()...); err != nil {
			return nil, err
		}
		f.SubmittedAt = f.SubmittedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// expire finishes attempts past their deadline (status expired), at now.
func (t txStore) expire(ctx context.Context, ids []int64, now time.Time) ([]finalizedAttempt, error) {
	items := make([]finalizeItem, len(ids))
	for i, id := range ids {
		items[i] = finalizeItem{id: id, at: now}
	}
	return t.finalize(ctx, AttemptExpired, items)
}

// claimDue locks up to limit attempts in progress whose deadline is before
// cutoff, skipping those another sweeper, a submit or an autosave holds.
func (t txStore) claimDue(ctx context.Context, cutoff time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := t.tx.SelectContext(ctx, &ids, `
		SELECT id FROM attempts
		WHERE status = 'in_progress' AND finalized_at IS NULL AND deadline_at < $1
		ORDER BY deadline_at
		LIMIT $2
		FOR UPDATE SKIP LOCKED`, cutoff, limit)
	return ids, err
}

func (s store) participantAttempts(ctx context.Context, participantID int64) ([]MyAttempt, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT a.id, c.id, c.title, r.id, r.title, r.practice, a.attempt_no, a.status,
			a.started_at, a.deadline_at, a.submitted_at, a.score, a.correct_count, a.question_count,
			a.duration_ms, r.closes_at
		FROM attempts a
		JOIN rounds r ON r.id = a.round_id
		JOIN contests c ON c.id = r.contest_id
		WHERE a.participant_id = $1
		ORDER BY a.started_at DESC, a.id DESC
		LIMIT 500`, participantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []MyAttempt{}
	for rows.Next() {
		var m MyAttempt
		if err := rows.Scan(&m.ID, &m.ContestID, &m.ContestTitle, &m.RoundID, &m.RoundTitle, &m.Practice,
			&m.AttemptNo, &m.Status, &m.StartedAt, &m.DeadlineAt, &m.SubmittedAt, &m.Score, &m.CorrectCount,
			&m.QuestionCount, &m.DurationMS, &m.roundClosesAt); err != nil {
			return nil, err
		}
		m.StartedAt, m.DeadlineAt, m.roundClosesAt = m.StartedAt.UTC(), m.DeadlineAt.UTC(), m.roundClosesAt.UTC()
		if m.SubmittedAt != nil {
			t := m.SubmittedAt.UTC()
			m.SubmittedAt = &t
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s store) hasTakenPart(ctx context.Context, participantID int64) (bool, error) {
	var b bool
	err := s.db.QueryRowContext(ctx, `
		SELECT EXISTS (
			SELECT 1 FROM round_participants rp JOIN rounds r ON r.id = rp.round_id
			WHERE rp.participant_id = $1 AND NOT r.practice
		)`, participantID).Scan(&b)
	return b, err
}

// ---- ranking

// livePlace is a participant's position in the live order of a round
// (the order of round_ranking(round, false)) and the number of people
// ranked; ok is false before their first finished attempt. It is where
// ranks come from when the Redis board cannot answer.
//
// Ranking the whole round to find one place cost ~80 ms per submit on a
// round of 3,000 attempts in the load test (and grows with the round), so
// it counts instead: a participant is above me exactly when one of their
// finished attempts beats my best one in the live order (their best then
// does too), so my place is one more than the number of such people.
func (s store) livePlace(ctx context.Context, roundID, participantID int64) (place, total int64, ok bool, err error) {
	err = s.stmts.QueryRow(ctx, `
		WITH me AS (
			SELECT a.id, a.correct_count, a.duration_ms, a.submitted_at
			FROM attempts a JOIN rounds r ON r.id = a.round_id
			WHERE a.round_id = $1 AND a.participant_id = $2 AND a.status <> 'in_progress' AND NOT r.practice
			ORDER BY a.correct_count DESC, a.duration_ms, a.submitted_at, a.id
			LIMIT 1
		)
		SELECT
			1 + (SELECT count(DISTINCT b.participant_id)
			     FROM attempts b
			     WHERE b.round_id = $1 AND b.status <> 'in_progress' AND b.participant_id <> $2
			       AND (b.correct_count > me.correct_count
			            OR (b.correct_count = me.correct_count
			                AND (b.duration_ms, b.submitted_at, b.id) < (me.duration_ms, me.submitted_at, me.id)))),
			(SELECT count(DISTINCT c.participant_id)
			 FROM attempts c
			 WHERE c.round_id = $1 AND c.status <> 'in_progress')
		FROM me`, roundID, participantID).Scan(&place, &total)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	return place, total, err == nil, err
}

func (s store) ranking(ctx context.Context, roundID int64, final bool) ([]Standing, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT place, participant_id, attempt_id, correct_count, score, duration_ms, submitted_at,
			prediction, prediction_diff
		FROM round_ranking($1, $2)`, roundID, final)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Standing{}
	for rows.Next() {
		var (
			st Standing
			at time.Time
		)
		if err := rows.Scan(&st.Place, &st.ParticipantID, &st.AttemptID, &st.CorrectCount, &st.Score,
			&st.DurationMS, &at, &st.Prediction, &st.PredictionDiff); err != nil {
			return nil, err
		}
		st.SubmittedAt = at.UTC()
		out = append(out, st)
	}
	return out, rows.Err()
}

// ---- demo

func (s store) demoContest(ctx context.Context) (int64, bool, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM contests WHERE settings->>'demo' = 'quiz' ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

func (s store) markDemo(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE contests SET settings = settings || '{"demo": "quiz"}' WHERE id = $1`, id)
	return err
}

// closeRound moves a round's close to now and cuts the deadlines of its
// attempts in progress to now (never to or before their start: the
// deadline stays after started_at).
func (t txStore) closeRound(ctx context.Context, roundID int64, now time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE rounds SET closes_at = $2, updated_at = $2 WHERE id = $1`, roundID, now); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `
		UPDATE attempts
		SET deadline_at = greatest(least(deadline_at, $2), started_at + interval '1 millisecond')
		WHERE round_id = $1 AND status = 'in_progress'`, roundID, now)
	return err
}

// inProgressOfRound locks and returns a round's attempts in progress.
func (t txStore) inProgressOfRound(ctx context.Context, roundID int64) ([]int64, error) {
	var ids []int64
	err := t.tx.SelectContext(ctx, &ids, `
		SELECT id FROM attempts WHERE round_id = $1 AND status = 'in_progress' ORDER BY id FOR UPDATE`, roundID)
	return ids, err
}
