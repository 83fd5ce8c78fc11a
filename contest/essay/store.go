package essay

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// store holds this package's SQL for contests, settings, rubrics and
// essays; store_judging.go and store_results.go hold the rest. Every method
// takes the handle to run on, so callers choose the transaction.
type store struct{}

var (
	errCodeTaken      = errors.New("essay code taken")
	errAlreadyEntered = errors.New("author already has an essay in the contest")
)

func (store) contest(ctx context.Context, q sqlx.QueryerContext, id int64) (contest, error) {
	var c contest
	err := sqlx.GetContext(ctx, q, &c, `SELECT id, kind, title, published, starts_at, ends_at
		FROM contests WHERE id = $1`, id)
	return c, err
}

// lockContest serializes, per contest, the steps that choose judges
// (assignment runs, third judges), shortlists and publication. Every such
// transaction takes it first, before any row lock, so they cannot deadlock.
func (store) lockContest(ctx context.Context, tx *sqlx.Tx, contestID int64) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(4400, $1::int4)`, contestID)
	return err
}

func (store) settings(ctx context.Context, q sqlx.QueryerContext, contestID int64) (Settings, error) {
	st := DefaultSettings()
	err := sqlx.GetContext(ctx, q, &st, `SELECT word_limit, judges_per_essay, discrepancy_threshold,
			final_rule, two_stage, prize_first, prize_second, prize_third, prize_consolation
		FROM essay_settings WHERE contest_id = $1`, contestID)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings(), nil
	}
	return st, err
}

func (store) saveSettings(ctx context.Context, tx *sqlx.Tx, contestID int64, st Settings, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO essay_settings (contest_id, word_limit, judges_per_essay,
			discrepancy_threshold, final_rule, two_stage, prize_first, prize_second, prize_third,
			prize_consolation, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (contest_id) DO UPDATE SET word_limit = EXCLUDED.word_limit,
			judges_per_essay = EXCLUDED.judges_per_essay,
			discrepancy_threshold = EXCLUDED.discrepancy_threshold, final_rule = EXCLUDED.final_rule,
			two_stage = EXCLUDED.two_stage, prize_first = EXCLUDED.prize_first,
			prize_second = EXCLUDED.prize_second, prize_third = EXCLUDED.prize_third,
			prize_consolation = EXCLUDED.prize_consolation, updated_at = EXCLUDED.updated_at`,
		contestID, st.WordLimit, st.JudgesPerEssay, st.DiscrepancyThreshold, st.FinalRule, st.TwoStage,
		st.First, st.Second, st.Third, st.Consolation, now)
	return err
}

func (store) rubric(ctx context.Context, q sqlx.QueryerContext, contestID int64, stage int) (Rubric, error) {
	var b []byte
	err := sqlx.GetContext(ctx, q, &b, `SELECT criteria FROM essay_rubrics WHERE contest_id = $1 AND stage = $2`, contestID, stage)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r Rubric
	return r, json.Unmarshal(b, &r)
}

func (store) saveRubric(ctx context.Context, tx *sqlx.Tx, contestID int64, stage int, r Rubric, now time.Time) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO essay_rubrics (contest_id, stage, criteria, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (contest_id, stage) DO UPDATE SET criteria = EXCLUDED.criteria, updated_at = EXCLUDED.updated_at`,
		contestID, stage, b, now)
	return err
}

// scoringStarted reports whether any judge has saved points in the stage
// (0: in any stage) of the contest.
func (store) scoringStarted(ctx context.Context, q sqlx.QueryerContext, contestID int64, stage int) (bool, error) {
	var started bool
	err := sqlx.GetContext(ctx, q, &started, `SELECT EXISTS (
		SELECT 1 FROM essay_assignments a JOIN essays e ON e.id = a.essay_id
		WHERE e.contest_id = $1 AND ($2 = 0 OR a.stage = $2) AND a.status <> 'assigned')`, contestID, stage)
	return started, err
}

func (store) isPublished(ctx context.Context, q sqlx.QueryerContext, contestID int64) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM essay_publications WHERE contest_id = $1)`, contestID)
	return ok, err
}

func (store) author(ctx context.Context, q sqlx.QueryerContext, userID int64) (author, error) {
	var a author
	err := sqlx.GetContext(ctx, q, &a, `SELECT u.role, u.full_name, u.unit_id, un.name AS unit_name,
			u.disabled_at IS NOT NULL AS disabled
		FROM users u LEFT JOIN units un ON un.id = u.unit_id WHERE u.id = $1`, userID)
	return a, err
}

type newEssay struct {
	ContestID, AuthorID     int64
	UnitID                  sql.NullInt64
	Code, Title, Body       string
	MaskedTitle, MaskedBody string
	WordCount               int
	Now                     time.Time
}

// insertEssay stores a new essay. A second essay of the same author in the
// contest is a conflict error; a taken code is errCodeTaken (draw again).
func (store) insertEssay(ctx context.Context, tx *sqlx.Tx, e newEssay) (int64, error) {
	var id int64
	// A savepoint, so a taken code can be retried in the same transaction.
	if _, err := tx.ExecContext(ctx, `SAVEPOINT insert_essay`); err != nil {
		return 0, err
	}
	err := tx.GetContext(ctx, &id, `INSERT INTO essays (contest_id, author_id, author_unit_id, code, title,
			body, masked_title, masked_body, word_count, declared_at, submitted_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $10)
		RETURNING id`,
		e.ContestID, e.AuthorID, e.UnitID, e.Code, e.Title, e.Body, e.MaskedTitle, e.MaskedBody, e.WordCount, e.Now)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT insert_essay`); rerr != nil {
			return 0, rerr
		}
		if pqErr.Constraint == "essays_code_key" {
			return 0, errCodeTaken
		}
		return 0, errAlreadyEntered
	}
	return id, err
}

type essayOwner struct {
	AuthorID     int64 `db:"author_id"`
	ContestID    int64 `db:"contest_id"`
	Disqualified bool  `db:"disqualified"`
}

func (store) essayOwner(ctx context.Context, q sqlx.QueryerContext, essayID int64) (essayOwner, error) {
	var o essayOwner
	err := sqlx.GetContext(ctx, q, &o, `SELECT author_id, contest_id, disqualified_at IS NOT NULL AS disqualified
		FROM essays WHERE id = $1 FOR UPDATE`, essayID)
	return o, err
}

func (store) updateEssay(ctx context.Context, tx *sqlx.Tx, id int64, title, body, maskedTitle, maskedBody string, words int, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE essays SET title = $2, body = $3, masked_title = $4,
			masked_body = $5, word_count = $6, updated_at = $7 WHERE id = $1`,
		id, title, body, maskedTitle, maskedBody, words, now)
	return err
}

// ownEssays returns an author's essays (in one contest when contestID is
// not 0) with what they may know of the results.
func (store) ownEssays(ctx context.Context, q sqlx.QueryerContext, authorID, contestID int64) ([]ownRow, error) {
	var rows []ownRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT e.id, e.contest_id, c.title AS contest_title, e.code,
			e.title, e.body, e.word_count, COALESCE(s.word_limit, $3) AS word_limit, e.submitted_at,
			e.updated_at, c.ends_at, e.disqualified_at IS NOT NULL AS disqualified,
			p.contest_id IS NOT NULL AS published, r.rank, r.mark, r.prize
		FROM essays e
		JOIN contests c ON c.id = e.contest_id
		LEFT JOIN essay_settings s ON s.contest_id = e.contest_id
		LEFT JOIN essay_publications p ON p.contest_id = e.contest_id
		LEFT JOIN essay_results r ON r.contest_id = e.contest_id AND r.essay_id = e.id
		WHERE e.author_id = $1 AND ($2 = 0 OR e.contest_id = $2)
		ORDER BY c.ends_at DESC, e.id DESC`, authorID, contestID, DefaultSettings().WordLimit)
	return rows, err
}

func (store) contestByTitle(ctx context.Context, q sqlx.QueryerContext, title string) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM contests WHERE kind = 'essay' AND title = $1 ORDER BY id LIMIT 1`, title)
	return id, err
}

// insertDemoContest makes a published essay contest for the demo seed; the
// contest package owns contests in production.
func (store) insertDemoContest(ctx context.Context, tx *sqlx.Tx, title string, starts, ends time.Time) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `INSERT INTO contests (kind, title, description, rules, published, starts_at, ends_at, created_at, updated_at)
		VALUES ('essay', $1, 'Cuộc thi viết về các hành động đẹp khi tham gia môi trường mạng (dữ liệu mẫu).',
			'Mỗi người nộp một bài, tối đa 2.000 chữ, sửa được đến hết hạn. Bài được chấm kín bởi hai giám khảo theo thang điểm 100.',
			true, $2, $3, $2, $2) RETURNING id`, title, starts, ends)
	return id, err
}

func (store) hasEssay(ctx context.Context, q sqlx.QueryerContext, authorID int64) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM essays WHERE author_id = $1)`, authorID)
	return ok, err
}
