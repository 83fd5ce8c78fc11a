package essay

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// currentStage is 2 once a two-stage contest has a shortlist, else 1.
func (store) currentStage(ctx context.Context, q sqlx.QueryerContext, contestID int64) (int, error) {
	var stage int
	err := sqlx.GetContext(ctx, q, &stage, `SELECT COALESCE(max(stage), 1) FROM essays WHERE contest_id = $1`, contestID)
	return stage, err
}

// releaseUntouched deletes the panel seats of the stage nobody has started,
// so an assignment run can plan them again; it returns them.
func (store) releaseUntouched(ctx context.Context, tx *sqlx.Tx, contestID int64, stage int) ([]Seat, error) {
	var seats []Seat
	err := tx.SelectContext(ctx, &seats, `DELETE FROM essay_assignments a USING essays e
		WHERE e.id = a.essay_id AND e.contest_id = $1 AND a.stage = $2 AND a.seat = 'panel' AND a.status = 'assigned'
		RETURNING a.essay_id AS essayid, a.judge_id AS judgeid`, contestID, stage)
	return seats, err
}

type planEssayRow struct {
	ID         int64         `db:"id"`
	UnitID     sql.NullInt64 `db:"author_unit_id"`
	Held       pq.Int64Array `db:"held"`
	PanelSeats int           `db:"panel_seats"`
}

// stageEssays returns the essays judged in the stage (not disqualified), each
// with the judges who keep a seat on it.
func (store) stageEssays(ctx context.Context, q sqlx.QueryerContext, contestID int64, stage int) ([]planEssayRow, error) {
	var rows []planEssayRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT e.id, e.author_unit_id,
			COALESCE(array_agg(a.judge_id ORDER BY a.judge_id) FILTER (WHERE a.id IS NOT NULL), '{}') AS held,
			count(a.id) FILTER (WHERE a.seat = 'panel') AS panel_seats
		FROM essays e
		LEFT JOIN essay_assignments a ON a.essay_id = e.id AND a.stage = $2
		WHERE e.contest_id = $1 AND e.stage >= $2 AND e.disqualified_at IS NULL
		GROUP BY e.id ORDER BY e.id`, contestID, stage)
	return rows, err
}

type panelJudgeRow struct {
	ID     int64         `db:"id"`
	UnitID sql.NullInt64 `db:"unit_id"`
	Load   int           `db:"load"`
}

// activeJudges returns judge accounts (only those in ids when it is not
// empty) with their seats in the contest's stage.
func (store) activeJudges(ctx context.Context, q sqlx.QueryerContext, contestID int64, stage int, ids []int64) ([]panelJudgeRow, error) {
	var rows []panelJudgeRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT u.id, u.unit_id,
			(SELECT count(*) FROM essay_assignments a JOIN essays e ON e.id = a.essay_id
			 WHERE e.contest_id = $1 AND a.stage = $2 AND a.judge_id = u.id) AS load
		FROM users u
		WHERE u.role = 'judge' AND u.disabled_at IS NULL
			AND (COALESCE(cardinality($3::bigint[]), 0) = 0 OR u.id = ANY ($3::bigint[]))
		ORDER BY u.id`, contestID, stage, pq.Int64Array(ids))
	return rows, err
}

func (store) insertSeats(ctx context.Context, tx *sqlx.Tx, stage int, seat string, seats []Seat, now time.Time) error {
	if len(seats) == 0 {
		return nil
	}
	essays := make([]int64, len(seats))
	judges := make([]int64, len(seats))
	for i, s := range seats {
		essays[i], judges[i] = s.EssayID, s.JudgeID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO essay_assignments (essay_id, stage, judge_id, seat, assigned_at, updated_at)
		SELECT essay_id, $3, judge_id, $4, $5, $5 FROM unnest($1::bigint[], $2::bigint[]) AS t (essay_id, judge_id)`,
		pq.Int64Array(essays), pq.Int64Array(judges), stage, seat, now)
	return err
}

// essaysWaitingThird returns the essays of the stage whose discrepancy still
// has no extra judge.
func (store) essaysWaitingThird(ctx context.Context, q sqlx.QueryerContext, contestID int64, stage int) ([]int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT m.essay_id FROM essay_marks m JOIN essays e ON e.id = m.essay_id
		WHERE e.contest_id = $1 AND m.stage = $2 AND m.status = 'third_needed' AND e.disqualified_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM essay_assignments a WHERE a.essay_id = m.essay_id AND a.stage = $2 AND a.seat = 'third')
		ORDER BY m.essay_id`, contestID, stage)
	return ids, err
}

// pickThirdJudge chooses the extra judge for an essay: a judge of the
// contest's panel for the stage (someone holding a seat in it), active, not
// of the author's unit, not already on the essay, with the fewest seats in
// the stage (then the lowest id). 0 when there is none.
func (store) pickThirdJudge(ctx context.Context, q sqlx.QueryerContext, essayID int64, stage int) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `WITH essay AS (
			SELECT id, contest_id, author_unit_id FROM essays WHERE id = $1
		), loads AS (
			SELECT a.judge_id, count(*) AS load
			FROM essay_assignments a JOIN essays e ON e.id = a.essay_id JOIN essay ON essay.contest_id = e.contest_id
			WHERE a.stage = $2 GROUP BY a.judge_id
		)
		SELECT u.id FROM loads l JOIN users u ON u.id = l.judge_id, essay
		WHERE u.role = 'judge' AND u.disabled_at IS NULL
			AND (essay.author_unit_id IS NULL OR u.unit_id IS NULL OR u.unit_id <> essay.author_unit_id)
			AND NOT EXISTS (SELECT 1 FROM essay_assignments a WHERE a.essay_id = essay.id AND a.stage = $2 AND a.judge_id = u.id)
		ORDER BY l.load, u.id LIMIT 1`, essayID, stage)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}

type seatRow struct {
	ID        int64           `db:"id"`
	EssayID   int64           `db:"essay_id"`
	Stage     int             `db:"stage"`
	JudgeID   int64           `db:"judge_id"`
	Seat      string          `db:"seat"`
	Status    string          `db:"status"`
	Total     sql.NullFloat64 `db:"total"`
	ContestID int64           `db:"contest_id"`
	// the essay was disqualified after the seat was given
	Disqualified bool `db:"disqualified"`
}

// seat returns one seat; with lock, the row is locked for the transaction.
func (store) seat(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (seatRow, error) {
	query := `SELECT a.id, a.essay_id, a.stage, a.judge_id, a.seat, a.status, a.total, e.contest_id,
			e.disqualified_at IS NOT NULL AS disqualified
		FROM essay_assignments a JOIN essays e ON e.id = a.essay_id WHERE a.id = $1`
	if lock {
		query += ` FOR UPDATE OF a`
	}
	var r seatRow
	err := sqlx.GetContext(ctx, q, &r, query, id)
	return r, err
}

func (store) essaySeats(ctx context.Context, q sqlx.QueryerContext, essayID int64, stage int) ([]seatRow, error) {
	var rows []seatRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT a.id, a.essay_id, a.stage, a.judge_id, a.seat, a.status, a.total, e.contest_id,
			e.disqualified_at IS NOT NULL AS disqualified
		FROM essay_assignments a JOIN essays e ON e.id = a.essay_id
		WHERE a.essay_id = $1 AND a.stage = $2 ORDER BY a.id`, essayID, stage)
	return rows, err
}

func (store) saveScore(ctx context.Context, tx *sqlx.Tx, id int64, scores map[string]float64, total float64, comment string, final bool, now time.Time) error {
	b, err := json.Marshal(scores)
	if err != nil {
		return err
	}
	status := "draft"
	var finalizedAt any
	if final {
		status, finalizedAt = "final", now
	}
	_, err = tx.ExecContext(ctx, `UPDATE essay_assignments SET scores = $2, total = $3, comment = $4,
			status = $5, updated_at = $6, finalized_at = $7 WHERE id = $1`,
		id, b, total, comment, status, now, finalizedAt)
	return err
}

func (store) saveMark(ctx context.Context, tx *sqlx.Tx, essayID int64, stage int, status string, mark sql.NullFloat64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO essay_marks (essay_id, stage, status, mark, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (essay_id, stage) DO UPDATE SET status = EXCLUDED.status, mark = EXCLUDED.mark,
			updated_at = EXCLUDED.updated_at`, essayID, stage, status, mark, now)
	return err
}

// judgeView is one seat as its judge sees it: the essay's code, masked title
// and body and word count, never a column about its author.
type judgeView struct {
	ID           int64           `db:"id"`
	ContestID    int64           `db:"contest_id"`
	ContestTitle string          `db:"contest_title"`
	Stage        int             `db:"stage"`
	Code         string          `db:"code"`
	Title        string          `db:"masked_title"`
	Body         string          `db:"masked_body"`
	WordCount    int             `db:"word_count"`
	Status       string          `db:"status"`
	Scores       []byte          `db:"scores"`
	Total        sql.NullFloat64 `db:"total"`
	Comment      string          `db:"comment"`
	Criteria     []byte          `db:"criteria"`
	UpdatedAt    time.Time       `db:"updated_at"`
	FinalizedAt  sql.NullTime    `db:"finalized_at"`
}

// judgeSeats returns a judge's seats (one seat when seatID is not 0, one
// contest when contestID is not 0), unfinished ones first.
func (store) judgeSeats(ctx context.Context, q sqlx.QueryerContext, judgeID, contestID, seatID int64) ([]judgeView, error) {
	var rows []judgeView
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT a.id, e.contest_id, c.title AS contest_title, a.stage, e.code,
			e.masked_title, e.masked_body, e.word_count, a.status, a.scores, a.total, a.comment,
			COALESCE(r.criteria, '[]') AS criteria, a.updated_at, a.finalized_at
		FROM essay_assignments a
		JOIN essays e ON e.id = a.essay_id
		JOIN contests c ON c.id = e.contest_id
		LEFT JOIN essay_rubrics r ON r.contest_id = e.contest_id AND r.stage = a.stage
		WHERE a.judge_id = $1 AND ($2 = 0 OR e.contest_id = $2) AND ($3 = 0 OR a.id = $3)
			AND e.disqualified_at IS NULL
		ORDER BY a.status = 'final', e.contest_id DESC, a.stage DESC, e.code`, judgeID, contestID, seatID)
	return rows, err
}

// judgingRow is one seat of a stage for the organizers' judging page.
type judgingRow struct {
	EssayID    int64           `db:"essay_id"`
	Code       string          `db:"code"`
	Title      string          `db:"title"`
	AuthorName string          `db:"author_name"`
	SeatID     sql.NullInt64   `db:"seat_id"`
	JudgeID    sql.NullInt64   `db:"judge_id"`
	JudgeName  sql.NullString  `db:"judge_name"`
	Seat       sql.NullString  `db:"seat"`
	Status     sql.NullString  `db:"status"`
	Total      sql.NullFloat64 `db:"total"`
	MarkStatus sql.NullString  `db:"mark_status"`
	Mark       sql.NullFloat64 `db:"mark"`
}

func (store) judgingRows(ctx context.Context, q sqlx.QueryerContext, contestID int64, stage int) ([]judgingRow, error) {
	var rows []judgingRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT e.id AS essay_id, e.code, e.title, u.full_name AS author_name,
			a.id AS seat_id, a.judge_id, j.display_name AS judge_name, a.seat, a.status, a.total,
			m.status AS mark_status, m.mark
		FROM essays e
		JOIN users u ON u.id = e.author_id
		LEFT JOIN essay_assignments a ON a.essay_id = e.id AND a.stage = $2
		LEFT JOIN users j ON j.id = a.judge_id
		LEFT JOIN essay_marks m ON m.essay_id = e.id AND m.stage = $2
		WHERE e.contest_id = $1 AND e.stage >= $2 AND e.disqualified_at IS NULL
		ORDER BY e.id, a.id`, contestID, stage)
	return rows, err
}

func (store) setDisqualified(ctx context.Context, tx *sqlx.Tx, essayID int64, reason string, now time.Time, on bool) error {
	var at any
	if on {
		at = now
	} else {
		reason = ""
	}
	_, err := tx.ExecContext(ctx, `UPDATE essays SET disqualified_at = $2, disqualified_reason = $3 WHERE id = $1`, essayID, at, reason)
	return err
}

func (store) contestTexts(ctx context.Context, q sqlx.QueryerContext, contestID int64) ([]DupDoc, error) {
	var docs []DupDoc
	err := sqlx.SelectContext(ctx, q, &docs, `SELECT id, code, body AS text FROM essays
		WHERE contest_id = $1 AND disqualified_at IS NULL ORDER BY id`, contestID)
	return docs, err
}
