package questions

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"lawcontest/audit"
)

// store owns every SQL statement of the question bank.
type store struct {
	db *sqlx.DB
}

// newVersion is one question version to insert.
type newVersion struct {
	content
	options   []Option
	correctID string
}

func (v newVersion) optionsJSON() string {
	b, _ := json.Marshal(v.options) // []Option always marshals
	return string(b)
}

// insertQuestions inserts new questions (version 1 each) in one statement,
// skipping those whose duplicate key is already in the bank, bumps the bank
// revision when any was inserted, and returns the ids of the inserted ones
// in input order. Ids are taken from the sequences up front so that the
// question and its first version can point at each other in one statement.
const insertQuestionsSQL = `
WITH input AS (
    SELECT t.*, nextval('questions_id_seq') AS qid, nextval('question_versions_id_seq') AS vid
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::text[], $10::text[])
         WITH ORDINALITY AS t(text, options, correct_option_id, category, category_key,
                              difficulty, explanation, legal_reference, search_key, dup_key, ord)
), q AS (
    INSERT INTO questions (id, current_version_id, status, category, category_key, difficulty,
                           search_key, dup_key, created_by, created_at, updated_at)
    SELECT qid, vid, 'active', category, category_key, difficulty, search_key, dup_key, $11, $12, $12
    FROM input ORDER BY ord
    ON CONFLICT (dup_key) DO NOTHING
    RETURNING id
), v AS (
    INSERT INTO question_versions (id, question_id, version_no, text, options, correct_option_id,
                                   category, difficulty, explanation, legal_reference, created_by, created_at)
    SELECT i.vid, i.qid, 1, i.text, i.options::jsonb, i.correct_option_id,
           i.category, i.difficulty, i.explanation, i.legal_reference, $11, $12
    FROM input i JOIN q ON q.id = i.qid
    RETURNING question_id
), bump AS (
    UPDATE question_bank SET revision = revision + 1 WHERE EXISTS (SELECT 1 FROM q)
)
SELECT question_id FROM v ORDER BY question_id`

func (s *store) insertQuestions(ctx context.Context, tx *sqlx.Tx, actor Actor, at time.Time, vs []newVersion) ([]int64, error) {
	n := len(vs)
	cols := make([][]string, 10)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	for i, v := range vs {
		cols[0][i] = v.text
		cols[1][i] = v.optionsJSON()
		cols[2][i] = v.correctID
		cols[3][i] = v.category
		cols[4][i] = categoryKey(v.category)
		cols[5][i] = string(v.difficulty)
		cols[6][i] = v.explanation
		cols[7][i] = v.legalRef
		cols[8][i] = v.searchKey()
		cols[9][i] = v.dupKey()
	}
	args := make([]any, 0, 12)
	for _, c := range cols {
		args = append(args, pq.Array(c))
	}
	args = append(args, actorID(actor), at)
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, insertQuestionsSQL, args...); err != nil {
		return nil, fmt.Errorf("insert questions: %w", err)
	}
	return ids, nil
}

// questionColumns reads a question's current version; q and v are the
// aliases of questions and question_versions.
const questionColumns = `q.id, v.id, v.version_no, v.text, v.options, v.correct_option_id, v.category,
    v.difficulty, v.explanation, v.legal_reference, q.status, q.created_at, q.updated_at,
    EXISTS (SELECT 1 FROM question_version_usage u JOIN question_versions uv ON uv.id = u.version_id
            WHERE uv.question_id = q.id) AS drawn`

type rowScanner interface{ Scan(dest ...any) error }

// scanQuestion reads questionColumns (plus extra destinations after them).
func scanQuestion(r rowScanner, extra ...any) (Question, error) {
	var (
		q         Question
		opts      []byte
		correctID string
		diff      string
		status    string
	)
	dest := []any{&q.ID, &q.VersionID, &q.Version, &q.Text, &opts, &correctID, &q.Category,
		&diff, &q.Explanation, &q.LegalReference, &status, &q.CreatedAt, &q.UpdatedAt, &q.Drawn}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return Question{}, err
	}
	if err := json.Unmarshal(opts, &q.Options); err != nil {
		return Question{}, fmt.Errorf("question %d: options: %w", q.ID, err)
	}
	q.Correct = -1
	for i, o := range q.Options {
		if o.ID == correctID {
			q.Correct = i
		}
	}
	if q.Correct < 0 {
		return Question{}, fmt.Errorf("question %d: correct option %q is not among its options", q.ID, correctID)
	}
	q.Difficulty = Difficulty(diff)
	q.Status = Status(status)
	q.CreatedAt = q.CreatedAt.UTC()
	q.UpdatedAt = q.UpdatedAt.UTC()
	return q, nil
}

// get returns a question; with lock it is locked for the rest of tx.
func (s *store) get(ctx context.Context, x sqlx.QueryerContext, id int64, lock bool) (Question, error) {
	query := `SELECT ` + questionColumns + `
        FROM questions q JOIN question_versions v ON v.id = q.current_version_id
        WHERE q.id = $1`
	if lock {
		query += ` FOR UPDATE OF q`
	}
	q, err := scanQuestion(x.QueryRowxContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Question{}, errNotFound
	}
	return q, err
}

// Filter selects questions for the organizer's list. Empty fields match all.
type Filter struct {
	Category   string
	Difficulty Difficulty
	Status     Status
	Query      string // matched ignoring case and diacritics
	Limit      int
	Offset     int
}

const listSQL = `
SELECT ` + questionColumns + `, count(*) OVER () AS total
FROM questions q JOIN question_versions v ON v.id = q.current_version_id
WHERE ($1 = '' OR q.category_key = $1)
  AND ($2 = '' OR q.difficulty = $2)
  AND ($3 = '' OR q.status = $3)
  AND ($4 = '' OR q.search_key LIKE $4)
ORDER BY q.id DESC
LIMIT $5 OFFSET $6`

const countSQL = `
SELECT count(*) FROM questions q
WHERE ($1 = '' OR q.category_key = $1)
  AND ($2 = '' OR q.difficulty = $2)
  AND ($3 = '' OR q.status = $3)
  AND ($4 = '' OR q.search_key LIKE $4)`

func (s *store) list(ctx context.Context, f Filter) ([]Question, int, error) {
	cat := ""
	if f.Category != "" {
		cat = categoryKey(f.Category)
	}
	like := ""
	if f.Query != "" {
		like = "%" + escapeLike(f.Query) + "%"
	}
	args := []any{cat, string(f.Difficulty), string(f.Status), like, f.Limit, f.Offset}
	rows, err := s.db.QueryxContext(ctx, listSQL, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	qs := []Question{}
	total := 0
	for rows.Next() {
		q, err := scanQuestion(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		qs = append(qs, q)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(qs) == 0 && f.Offset > 0 {
		// Paged past the end: the window function saw no row to count.
		if err := s.db.GetContext(ctx, &total, countSQL, args[:4]...); err != nil {
			return nil, 0, err
		}
	}
	return qs, total, nil
}

// escapeLike escapes LIKE's wildcards (the default escape is backslash).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CategoryCount is how many active questions of each difficulty a category
// has: what a round's blueprint can ask for.
type CategoryCount struct {
	Category string `json:"category"`
	Easy     int    `json:"easy"`
	Medium   int    `json:"medium"`
	Hard     int    `json:"hard"`
	Total    int    `json:"total"`
}

func (s *store) categories(ctx context.Context) ([]CategoryCount, error) {
	out := []CategoryCount{}
	err := s.db.SelectContext(ctx, &out, `
        SELECT (array_agg(category ORDER BY id DESC))[1] AS category,
               count(*) FILTER (WHERE difficulty = 'easy') AS easy,
               count(*) FILTER (WHERE difficulty = 'medium') AS medium,
               count(*) FILTER (WHERE difficulty = 'hard') AS hard,
               count(*) AS total
        FROM questions WHERE status = 'active'
        GROUP BY category_key ORDER BY 1`)
	return out, err
}

// addVersion stores c as the question's next version and makes it current;
// a unique violation on the duplicate key is returned as is.
func (s *store) addVersion(ctx context.Context, tx *sqlx.Tx, actor Actor, at time.Time, id int64, no int, v newVersion) error {
	_, err := tx.ExecContext(ctx, `
        WITH v AS (
            INSERT INTO question_versions (question_id, version_no, text, options, correct_option_id,
                                           category, difficulty, explanation, legal_reference, created_by, created_at)
            VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11)
            RETURNING id
        )
        UPDATE questions SET current_version_id = v.id, category = $6, category_key = $12,
               difficulty = $7, search_key = $13, dup_key = $14, updated_at = $11
        FROM v WHERE questions.id = $1`,
		id, no, v.text, v.optionsJSON(), v.correctID, v.category, string(v.difficulty),
		v.explanation, v.legalRef, actorID(actor), at, categoryKey(v.category), v.searchKey(), v.dupKey())
	return err
}

func (s *store) setStatus(ctx context.Context, tx *sqlx.Tx, at time.Time, id int64, st Status) error {
	_, err := tx.ExecContext(ctx, `
        UPDATE questions SET status = $2, updated_at = $3,
               retired_at = CASE WHEN $2 = 'retired' THEN $3::timestamptz END
        WHERE id = $1`, id, string(st), at)
	return err
}

func (s *store) drawn(ctx context.Context, tx *sqlx.Tx, id int64) (bool, error) {
	var drawn bool
	err := tx.GetContext(ctx, &drawn, `
        SELECT EXISTS (SELECT 1 FROM question_version_usage u JOIN question_versions v ON v.id = u.version_id
                       WHERE v.question_id = $1)`, id)
	return drawn, err
}

func (s *store) delete(ctx context.Context, tx *sqlx.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM questions WHERE id = $1`, id)
	return err
}

func (s *store) lockBank(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT revision FROM question_bank FOR UPDATE`)
	return err
}

func (s *store) bumpRevision(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE question_bank SET revision = revision + 1`)
	return err
}

func (s *store) revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.db.GetContext(ctx, &rev, `SELECT revision FROM question_bank`)
	return rev, err
}

// versionColumns reads a version for drawing and rebuilding papers.
const versionColumns = `v.id, v.question_id, v.text, v.options, v.correct_option_id,
    v.category, v.difficulty, v.explanation, v.legal_reference`

func scanVersion(r rowScanner, extra ...any) (*version, error) {
	var (
		v    version
		opts []byte
		diff string
	)
	dest := []any{&v.VersionID, &v.QuestionID, &v.Text, &opts, &v.CorrectOptionID,
		&v.Category, &diff, &v.Explanation, &v.LegalReference}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(opts, &v.Options); err != nil {
		return nil, fmt.Errorf("version %d: options: %w", v.VersionID, err)
	}
	v.Difficulty = Difficulty(diff)
	return &v, nil
}

// loadActive reads the revision and every active question's current version
// in one statement (one snapshot), ordered by question id. A bank with no
// active question still yields the revision, from a row of NULLs.
func (s *store) loadActive(ctx context.Context) (int64, []*version, error) {
	rows, err := s.db.QueryxContext(ctx, `
        SELECT b.revision, `+versionColumns+`
        FROM question_bank b
        LEFT JOIN (questions q JOIN question_versions v ON v.id = q.current_version_id)
               ON q.status = 'active'
        ORDER BY q.id`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var (
		rev int64
		vs  []*version
	)
	for rows.Next() {
		var (
			vid, qid                                 sql.NullInt64
			text, opts, correct, cat, diff, exp, ref sql.NullString
		)
		if err := rows.Scan(&rev, &vid, &qid, &text, &opts, &correct, &cat, &diff, &exp, &ref); err != nil {
			return 0, nil, err
		}
		if !vid.Valid {
			continue
		}
		v := &version{
			VersionID: vid.Int64, QuestionID: qid.Int64, Text: text.String, CorrectOptionID: correct.String,
			Category: cat.String, Difficulty: Difficulty(diff.String), Explanation: exp.String, LegalReference: ref.String,
		}
		if err := json.Unmarshal([]byte(opts.String), &v.Options); err != nil {
			return 0, nil, fmt.Errorf("version %d: options: %w", v.VersionID, err)
		}
		vs = append(vs, v)
	}
	return rev, vs, rows.Err()
}

func (s *store) versions(ctx context.Context, ids []int64) ([]*version, error) {
	rows, err := s.db.QueryxContext(ctx, `SELECT `+versionColumns+`
        FROM question_versions v WHERE v.id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []*version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// recordUsage marks versions as drawn. ON CONFLICT DO NOTHING: another
// instance may have recorded them first. Rows go in id order, so that two
// instances recording overlapping sets wait for each other instead of
// deadlocking.
func (s *store) recordUsage(ctx context.Context, ids []int64, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `
        INSERT INTO question_version_usage (version_id, first_drawn_at)
        SELECT id, $2 FROM unnest($1::bigint[]) AS id ORDER BY id
        ON CONFLICT (version_id) DO NOTHING`, pq.Array(ids), at)
	return err
}

// exportRows returns every active question in id order, for export.
func (s *store) exportRows(ctx context.Context) ([]Question, error) {
	rows, err := s.db.QueryxContext(ctx, `SELECT `+questionColumns+`
        FROM questions q JOIN question_versions v ON v.id = q.current_version_id
        WHERE q.status = 'active' ORDER BY q.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	qs := []Question{}
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, err
		}
		qs = append(qs, q)
	}
	return qs, rows.Err()
}

// writeAudit records an organizer's change in the audit log, inside the
// change's transaction (entity "question"; entityID 0 for imports).
func (s *store) writeAudit(ctx context.Context, tx *sqlx.Tx, at time.Time, actor Actor, action string, entityID int64, details any) error {
	if actor.Role == "" {
		actor = audit.System
	}
	id := ""
	if entityID != 0 {
		id = strconv.FormatInt(entityID, 10)
	}
	return audit.Record(ctx, tx, at, actor, action, "question", id, details)
}

func actorID(a Actor) sql.NullInt64 {
	return sql.NullInt64{Int64: a.ID, Valid: a.ID != 0}
}

// pqCode returns the SQLSTATE of a Postgres error, or "".
func pqCode(err error) string {
	var e *pq.Error
	if errors.As(err, &e) {
		return string(e.Code)
	}
	return ""
}

const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)
