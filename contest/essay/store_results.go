package essay

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"
)

// unfinished counts the essays of a stage without a final mark.
func (store) unfinished(ctx context.Context, q sqlx.QueryerContext, contestID int64, stage int) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT count(*) FROM essays e
		LEFT JOIN essay_marks m ON m.essay_id = e.id AND m.stage = $2
		WHERE e.contest_id = $1 AND e.stage >= $2 AND e.disqualified_at IS NULL
			AND (m.status IS NULL OR m.status <> 'final')`, contestID, stage)
	return n, err
}

// shortlist moves into stage 2 the stage-1 essays ranked top (ties at the
// cut included) or marked at least minMark, and back to stage 1 the others;
// stage-2 seats and marks of essays leaving the final go. It returns how
// many essays are in the final.
func (store) shortlist(ctx context.Context, tx *sqlx.Tx, contestID int64, top int, minMark sql.NullFloat64) (int, error) {
	var n int
	err := tx.GetContext(ctx, &n, `WITH ranked AS (
			SELECT e.id, m.mark, rank() OVER (ORDER BY m.mark DESC) AS place
			FROM essays e JOIN essay_marks m ON m.essay_id = e.id AND m.stage = 1 AND m.status = 'final'
			WHERE e.contest_id = $1 AND e.disqualified_at IS NULL
		), chosen AS (
			SELECT id FROM ranked WHERE ($2 > 0 AND place <= $2) OR ($3::numeric IS NOT NULL AND mark >= $3::numeric)
		), moved AS (
			UPDATE essays e SET stage = CASE WHEN e.id IN (SELECT id FROM chosen) THEN 2 ELSE 1 END
			WHERE e.contest_id = $1 RETURNING e.id, e.stage
		), dropped_seats AS (
			DELETE FROM essay_assignments a USING moved WHERE a.essay_id = moved.id AND moved.stage = 1 AND a.stage = 2
		), dropped_marks AS (
			DELETE FROM essay_marks m USING moved WHERE m.essay_id = moved.id AND moved.stage = 1 AND m.stage = 2
		)
		SELECT count(*) FROM moved WHERE stage = 2`, contestID, top, minMark)
	return n, err
}

type publication struct {
	Stage       int           `db:"stage"`
	PublishedAt time.Time     `db:"published_at"`
	PublishedBy sql.NullInt64 `db:"published_by"`
}

func (store) publication(ctx context.Context, q sqlx.QueryerContext, contestID int64) (publication, bool, error) {
	var p publication
	err := sqlx.GetContext(ctx, q, &p, `SELECT stage, published_at, published_by FROM essay_publications WHERE contest_id = $1`, contestID)
	if err == sql.ErrNoRows {
		return p, false, nil
	}
	return p, err == nil, err
}

// publish freezes the ranking of the final stage with its prizes, in one
// statement. Order: higher mark, then earlier first submission, then lower
// essay id, so ranks are distinct and prize counts exact.
func (store) publish(ctx context.Context, tx *sqlx.Tx, contestID int64, stage int, by int64, now time.Time, p Prizes) (int, error) {
	var n int
	err := tx.GetContext(ctx, &n, `WITH pub AS (
			INSERT INTO essay_publications (contest_id, stage, published_at, published_by)
			VALUES ($1, $2, $3, NULLIF($4, 0)) RETURNING contest_id
		), ranked AS (
			SELECT e.id, m.mark, row_number() OVER (ORDER BY m.mark DESC, e.submitted_at, e.id) AS place
			FROM essays e JOIN essay_marks m ON m.essay_id = e.id AND m.stage = $2 AND m.status = 'final'
			WHERE e.contest_id = $1 AND e.stage >= $2 AND e.disqualified_at IS NULL
		), stored AS (
			INSERT INTO essay_results (contest_id, essay_id, rank, mark, prize)
			SELECT (SELECT contest_id FROM pub), id, place, mark,
				CASE WHEN place <= $5 THEN 'first'
					WHEN place <= $5 + $6 THEN 'second'
					WHEN place <= $5 + $6 + $7 THEN 'third'
					WHEN place <= $5 + $6 + $7 + $8 THEN 'consolation' END
			FROM ranked RETURNING 1
		)
		SELECT count(*) FROM stored`, contestID, stage, now, by, p.First, p.Second, p.Third, p.Consolation)
	return n, err
}

type publicRow struct {
	Rank     int            `db:"rank"`
	Code     string         `db:"code"`
	Title    string         `db:"masked_title"`
	FullName string         `db:"full_name"`
	Unit     sql.NullString `db:"unit"`
	Mark     float64        `db:"mark"`
	Prize    sql.NullString `db:"prize"`
}

func (store) publicResults(ctx context.Context, q sqlx.QueryerContext, contestID int64) ([]publicRow, error) {
	var rows []publicRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT r.rank, e.code, e.masked_title, u.full_name, un.name AS unit,
			r.mark, r.prize
		FROM essay_results r
		JOIN essays e ON e.id = r.essay_id
		JOIN users u ON u.id = e.author_id
		LEFT JOIN units un ON un.id = e.author_unit_id
		WHERE r.contest_id = $1 ORDER BY r.rank`, contestID)
	return rows, err
}

// exportRow is one essay with everything the organizers need to give
// prizes: contact details, every judge's score, marks and the result.
type exportRow struct {
	Rank         sql.NullInt64   `db:"rank"`
	Code         string          `db:"code"`
	Title        string          `db:"title"`
	FullName     string          `db:"full_name"`
	BirthDate    sql.NullTime    `db:"birth_date"`
	Phone        sql.NullString  `db:"phone"`
	Email        sql.NullString  `db:"email"`
	CitizenID    sql.NullString  `db:"citizen_id"`
	Unit         sql.NullString  `db:"unit"`
	Category     sql.NullString  `db:"category"`
	WordCount    int             `db:"word_count"`
	SubmittedAt  time.Time       `db:"submitted_at"`
	UpdatedAt    time.Time       `db:"updated_at"`
	Stage        int             `db:"stage"`
	Mark1        sql.NullFloat64 `db:"mark1"`
	Mark2        sql.NullFloat64 `db:"mark2"`
	Scores       []byte          `db:"scores"` // [{stage, judge, seat, status, total}]
	Prize        sql.NullString  `db:"prize"`
	Disqualified string          `db:"disqualified"`
}

// exportRows lists every essay of the contest: ranked ones first (the
// published rank, or before publication the provisional one by the same
// order), then the others.
func (store) exportRows(ctx context.Context, q sqlx.QueryerContext, contestID int64, finalStage int) ([]exportRow, error) {
	var rows []exportRow
	err := sqlx.SelectContext(ctx, q, &rows, `WITH marks AS (
			SELECT e.id,
				max(m.mark) FILTER (WHERE m.stage = 1 AND m.status = 'final') AS mark1,
				max(m.mark) FILTER (WHERE m.stage = 2 AND m.status = 'final') AS mark2
			FROM essays e LEFT JOIN essay_marks m ON m.essay_id = e.id
			WHERE e.contest_id = $1 GROUP BY e.id
		), provisional AS (
			SELECT e.id, row_number() OVER (ORDER BY m.mark DESC, e.submitted_at, e.id) AS place
			FROM essays e JOIN essay_marks m ON m.essay_id = e.id AND m.stage = $2 AND m.status = 'final'
			WHERE e.contest_id = $1 AND e.stage >= $2 AND e.disqualified_at IS NULL
		), scores AS (
			SELECT a.essay_id, json_agg(json_build_object('stage', a.stage, 'judge', j.display_name,
					'seat', a.seat, 'status', a.status, 'total', a.total) ORDER BY a.stage, a.id) AS scores
			FROM essay_assignments a JOIN users j ON j.id = a.judge_id JOIN essays e ON e.id = a.essay_id
			WHERE e.contest_id = $1 GROUP BY a.essay_id
		)
		SELECT COALESCE(r.rank, p.place) AS rank, e.code, e.title, u.full_name, u.birth_date, u.phone,
			u.email, u.citizen_id, un.name AS unit, u.category, e.word_count, e.submitted_at, e.updated_at,
			e.stage, mk.mark1, mk.mark2, COALESCE(s.scores, '[]') AS scores, r.prize,
			COALESCE(CASE WHEN e.disqualified_at IS NOT NULL THEN e.disqualified_reason END, '') AS disqualified
		FROM essays e
		JOIN users u ON u.id = e.author_id
		LEFT JOIN units un ON un.id = e.author_unit_id
		LEFT JOIN marks mk ON mk.id = e.id
		LEFT JOIN provisional p ON p.id = e.id
		LEFT JOIN essay_results r ON r.contest_id = e.contest_id AND r.essay_id = e.id
		LEFT JOIN scores s ON s.essay_id = e.id
		WHERE e.contest_id = $1
		ORDER BY COALESCE(r.rank, p.place) NULLS LAST, e.id`, contestID, finalStage)
	return rows, err
}
