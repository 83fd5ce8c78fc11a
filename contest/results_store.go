package contest

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"lawcontest/audit"
	"lawcontest/vntext"
)

// This file holds the SQL of final results (results.go). Statements that
// run both on the pool and in a transaction take a queryer.

type queryer = sqlx.QueryerContext

// ---- closing

const closingColumns = `round_id, closed_at, closed_by IS NULL, correct_prediction_answer, has_prediction, participants`

func closingFrom(ctx context.Context, q queryer, roundID int64) (Closing, bool, error) {
	var c Closing
	err := q.QueryRowxContext(ctx, `SELECT `+closingColumns+` FROM round_closings WHERE round_id = $1`, roundID).
		Scan(&c.RoundID, &c.ClosedAt, &c.Automatic, &c.CorrectPredictionAnswer, &c.HasPrediction, &c.Participants)
	if errors.Is(err, sql.ErrNoRows) {
		return Closing{}, false, nil
	}
	c.ClosedAt = c.ClosedAt.UTC()
	return c, err == nil, err
}

func (t txStore) closing(ctx context.Context, roundID int64) (Closing, bool, error) {
	return closingFrom(ctx, t.tx, roundID)
}

func (s store) closingOf(ctx context.Context, roundID int64) (Closing, bool, error) {
	return closingFrom(ctx, s.db, roundID)
}

// storeStandings copies the final ranking of a round into round_standings
// and counts, in the same statement (so from the same snapshot), the
// participants with an all-correct attempt: round_ranking's true
// prediction answer.
func (t txStore) storeStandings(ctx context.Context, roundID int64) (n, answer int, err error) {
	// round_ranking sorts every finished attempt twice; a large round's
	// sorts stay in memory instead of spilling to disk (for this
	// transaction only: one close runs at a time per round).
	if _, err := t.tx.ExecContext(ctx, `SET LOCAL work_mem = '128MB'`); err != nil {
		return 0, 0, err
	}
	err = t.tx.QueryRowContext(ctx, `
		WITH ins AS (
			INSERT INTO round_standings (round_id, place, participant_id, attempt_id, correct_count, score,
				duration_ms, submitted_at, prediction, prediction_diff)
			SELECT $1, place, participant_id, attempt_id, correct_count, score, duration_ms, submitted_at,
				prediction, prediction_diff
			FROM round_ranking($1, true)
			RETURNING 1
		)
		SELECT (SELECT count(*) FROM ins),
			(SELECT count(DISTINCT participant_id) FROM attempts
			 WHERE round_id = $1 AND status IN ('submitted', 'expired') AND correct_count = question_count)`,
		roundID).Scan(&n, &answer)
	return n, answer, err
}

func (t txStore) insertClosing(ctx context.Context, c Closing, actorID int64) error {
	_, err := t.tx.ExecContext(ctx, `
		INSERT INTO round_closings (round_id, closed_at, closed_by, correct_prediction_answer, has_prediction, participants)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		c.RoundID, c.ClosedAt, nullID(actorID), c.CorrectPredictionAnswer, c.HasPrediction, c.Participants)
	return err
}

// roundsDueForClosing lists ranked rounds closed before cutoff that have
// no final ranking yet.
func (s store) roundsDueForClosing(ctx context.Context, cutoff time.Time) ([]int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `
		SELECT r.id FROM rounds r
		WHERE NOT r.practice AND r.closes_at < $1
		  AND NOT EXISTS (SELECT 1 FROM round_closings c WHERE c.round_id = r.id)
		ORDER BY r.closes_at, r.id
		LIMIT 100`, cutoff)
	return ids, err
}

// ---- prizes

func (s store) prizes(ctx context.Context, roundID int64) (Prizes, error) {
	p := DefaultPrizes()
	err := s.db.QueryRowContext(ctx, `
		SELECT first, second, third, consolation FROM round_prize_settings WHERE round_id = $1`, roundID).
		Scan(&p.First, &p.Second, &p.Third, &p.Consolation)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPrizes(), nil
	}
	return p, err
}

func (t txStore) setPrizes(ctx context.Context, roundID int64, p Prizes, actorID int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `
		INSERT INTO round_prize_settings (round_id, first, second, third, consolation, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (round_id) DO UPDATE SET first = EXCLUDED.first, second = EXCLUDED.second,
			third = EXCLUDED.third, consolation = EXCLUDED.consolation,
			updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
		roundID, p.First, p.Second, p.Third, p.Consolation, nullID(actorID), now)
	return err
}

// prizeRules reads the contest's settings (contests.settings is the home
// of kind-specific settings).
func (s store) prizeRules(ctx context.Context, q queryer, contestID int64) (PrizeRules, error) {
	var r PrizeRules
	err := q.QueryRowxContext(ctx, `
		SELECT coalesce((settings->>'one_prize_per_person')::boolean, false) FROM contests WHERE id = $1`,
		contestID).Scan(&r.OnePrizePerPerson)
	return r, notFound(err, "contest.not_found")
}

func (t txStore) setPrizeRules(ctx context.Context, contestID int64, r PrizeRules) error {
	_, err := t.tx.ExecContext(ctx, `
		UPDATE contests SET settings = settings || jsonb_build_object('one_prize_per_person', $2::boolean)
		WHERE id = $1`, contestID, r.OnePrizePerPerson)
	return err
}

// closedRounds lists a contest's ranked rounds that have standings, in
// the order prizes are given (earlier rounds first), with their prizes.
func (s store) closedRounds(ctx context.Context, q queryer, contestID int64) ([]prizeRound, error) {
	d := DefaultPrizes()
	rows, err := q.QueryxContext(ctx, `
		SELECT r.id, coalesce(p.first, $2), coalesce(p.second, $3), coalesce(p.third, $4), coalesce(p.consolation, $5)
		FROM rounds r
		JOIN round_closings c ON c.round_id = r.id
		LEFT JOIN round_prize_settings p ON p.round_id = r.id
		WHERE r.contest_id = $1 AND NOT r.practice
		ORDER BY r.opens_at, r.id`, contestID, d.First, d.Second, d.Third, d.Consolation)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []prizeRound
	for rows.Next() {
		var r prizeRound
		if err := rows.Scan(&r.ID, &r.Prizes.First, &r.Prizes.Second, &r.Prizes.Third, &r.Prizes.Consolation); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// candidates returns the first limit participants of a round's standings
// who are not disqualified from the contest, best first.
func (s store) candidates(ctx context.Context, q queryer, contestID, roundID int64, limit int) ([]int64, error) {
	var ids []int64
	err := sqlx.SelectContext(ctx, q, &ids, `
		SELECT s.participant_id FROM round_standings s
		WHERE s.round_id = $1
		  AND NOT EXISTS (SELECT 1 FROM contest_disqualifications d
		                  WHERE d.contest_id = $2 AND d.participant_id = s.participant_id)
		ORDER BY s.place
		LIMIT $3`, roundID, contestID, limit)
	return ids, err
}

// ---- current results

// currentResults returns a page of the standings without disqualified
// accounts, ranked 1..n, and n.
func (s store) currentResults(ctx context.Context, contestID, roundID int64, limit, offset int) ([]ResultEntry, int64, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT x.rank, x.place, x.participant_id, x.attempt_id, u.full_name, coalesce(u.unit_id, 0),
			coalesce(n.name, ''), x.correct_count, x.score, x.prediction, x.prediction_diff, x.duration_ms,
			x.submitted_at
		FROM (
			SELECT row_number() OVER (ORDER BY s.place) AS rank, s.*
			FROM round_standings s
			WHERE s.round_id = $1
			  AND NOT EXISTS (SELECT 1 FROM contest_disqualifications d
			                  WHERE d.contest_id = $2 AND d.participant_id = s.participant_id)
			ORDER BY s.place
			LIMIT $3 OFFSET $4
		) x
		JOIN users u ON u.id = x.participant_id
		LEFT JOIN units n ON n.id = u.unit_id
		ORDER BY x.rank`, roundID, contestID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []ResultEntry{}
	for rows.Next() {
		var e ResultEntry
		if err := rows.Scan(&e.Rank, &e.Place, &e.ParticipantID, &e.AttemptID, &e.FullName, &e.UnitID, &e.Unit,
			&e.CorrectCount, &e.Score, &e.Prediction, &e.PredictionDiff, &e.DurationMS, &e.SubmittedAt); err != nil {
			return nil, 0, err
		}
		e.SubmittedAt = e.SubmittedAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var total int64
	err = s.db.QueryRowContext(ctx, `
		SELECT c.participants - (SELECT count(*) FROM contest_disqualifications d
		                         JOIN round_standings s ON s.round_id = $1 AND s.participant_id = d.participant_id
		                         WHERE d.contest_id = $2)
		FROM round_closings c WHERE c.round_id = $1`, roundID, contestID).Scan(&total)
	return out, total, err
}

// ---- publications

const publicationColumns = `id, round_id, version, published_at, published_by, reason, correct_prediction_answer, entries`

func scanPublication(row interface{ Scan(...any) error }) (Publication, error) {
	var p Publication
	err := row.Scan(&p.ID, &p.RoundID, &p.Version, &p.PublishedAt, &p.PublishedBy, &p.Reason,
		&p.CorrectPredictionAnswer, &p.Entries)
	p.PublishedAt = p.PublishedAt.UTC()
	return p, err
}

func lastPublicationFrom(ctx context.Context, q queryer, roundID int64) (Publication, bool, error) {
	p, err := scanPublication(q.QueryRowxContext(ctx, `
		SELECT `+publicationColumns+` FROM round_publications WHERE round_id = $1
		ORDER BY version DESC LIMIT 1`, roundID))
	if errors.Is(err, sql.ErrNoRows) {
		return Publication{}, false, nil
	}
	return p, err == nil, err
}

func (t txStore) lastPublication(ctx context.Context, roundID int64) (Publication, bool, error) {
	return lastPublicationFrom(ctx, t.tx, roundID)
}

func (s store) lastPublicationOf(ctx context.Context, roundID int64) (Publication, bool, error) {
	return lastPublicationFrom(ctx, s.db, roundID)
}

// publications lists a round's publications, newest first.
func (s store) publications(ctx context.Context, roundID int64) ([]Publication, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+publicationColumns+` FROM round_publications WHERE round_id = $1 ORDER BY version DESC`, roundID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Publication{}
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// publication returns one version of a round's publications.
func (s store) publication(ctx context.Context, roundID int64, version int) (Publication, error) {
	p, err := scanPublication(s.db.QueryRowContext(ctx, `
		SELECT `+publicationColumns+` FROM round_publications WHERE round_id = $1 AND version = $2`, roundID, version))
	return p, notFound(err, "results.not_published")
}

func (t txStore) insertPublication(ctx context.Context, p Publication) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `
		INSERT INTO round_publications (round_id, version, published_at, published_by, reason, correct_prediction_answer, entries)
		VALUES ($1, $2, $3, $4, $5, $6, 0)
		RETURNING id`, p.RoundID, p.Version, p.PublishedAt, p.PublishedBy, p.Reason, p.CorrectPredictionAnswer).Scan(&id)
	return id, err
}

// publishResults copies the current results of a round, with the given
// prizes and each person's name and unit as they are now, into a
// publication, in one statement; it returns how many lines it wrote.
func (t txStore) publishResults(ctx context.Context, pubID, contestID, roundID int64, prizes map[int64]string) (int, error) {
	ids := make([]int64, 0, len(prizes))
	levels := make([]string, 0, len(prizes))
	for id, p := range prizes {
		ids = append(ids, id)
		levels = append(levels, p)
	}
	res, err := t.tx.ExecContext(ctx, `
		INSERT INTO round_published_results (publication_id, rank, participant_id, attempt_id, full_name, unit_id,
			unit_name, correct_count, score, duration_ms, submitted_at, prediction, prediction_diff, prize)
		SELECT $1, x.rank, x.participant_id, x.attempt_id, u.full_name, u.unit_id, coalesce(n.name, ''),
			x.correct_count, x.score, x.duration_ms, x.submitted_at, x.prediction, x.prediction_diff, p.prize
		FROM (
			SELECT row_number() OVER (ORDER BY s.place) AS rank, s.*
			FROM round_standings s
			WHERE s.round_id = $2
			  AND NOT EXISTS (SELECT 1 FROM contest_disqualifications d
			                  WHERE d.contest_id = $3 AND d.participant_id = s.participant_id)
		) x
		JOIN users u ON u.id = x.participant_id
		LEFT JOIN units n ON n.id = u.unit_id
		LEFT JOIN unnest($4::bigint[], $5::text[]) AS p(participant_id, prize) ON p.participant_id = x.participant_id`,
		pubID, roundID, contestID, pq.Array(ids), pq.Array(levels))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t txStore) setPublicationEntries(ctx context.Context, pubID int64, n int) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE round_publications SET entries = $2 WHERE id = $1`, pubID, n)
	return err
}

// publishedPrizes maps each prize holder of a publication to the prize.
func (s store) publishedPrizes(ctx context.Context, pubID int64) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT participant_id, prize FROM round_published_results
		WHERE publication_id = $1 AND prize IS NOT NULL`, pubID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var (
			id    int64
			prize string
		)
		if err := rows.Scan(&id, &prize); err != nil {
			return nil, err
		}
		out[id] = prize
	}
	return out, rows.Err()
}

// publishedPage returns a page of a publication, names masked: the query
// reads no phone, e-mail or citizen id.
func (s store) publishedPage(ctx context.Context, pubID int64, limit, offset int) ([]PublicEntry, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT rank, full_name, unit_name, score, correct_count, prediction, prediction_diff, duration_ms,
			coalesce(prize, '')
		FROM round_published_results
		WHERE publication_id = $1
		ORDER BY rank
		LIMIT $2 OFFSET $3`, pubID, limit, offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PublicEntry{}
	for rows.Next() {
		var (
			e    PublicEntry
			name string
		)
		if err := rows.Scan(&e.Rank, &name, &e.Unit, &e.Score, &e.CorrectCount, &e.Prediction, &e.PredictionDiff,
			&e.DurationMS, &e.Prize); err != nil {
			return nil, err
		}
		e.DisplayName = vntext.MaskName(name)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s store) publishedWinners(ctx context.Context, pubID int64) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `
		SELECT count(*) FROM round_published_results WHERE publication_id = $1 AND prize IS NOT NULL`, pubID).Scan(&n)
	return n, err
}

// ---- disqualifications

func (t txStore) isParticipant(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := t.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND role = 'participant')`, id).Scan(&ok)
	return ok, err
}

// boardEntriesOf returns a participant's best finished attempt in each
// ranked round of a contest (the live boards' order) and whether they are
// disqualified from it now.
func (s store) boardEntriesOf(ctx context.Context, contestID, participantID int64) ([]finalizedAttempt, bool, error) {
	var disqualified bool
	if err := s.db.GetContext(ctx, &disqualified, `
		SELECT EXISTS (SELECT 1 FROM contest_disqualifications WHERE contest_id = $1 AND participant_id = $2)`,
		contestID, participantID); err != nil {
		return nil, false, err
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT DISTINCT ON (a.round_id) a.id, a.round_id, a.participant_id, a.status, a.correct_count, a.score,
			a.question_count, a.duration_ms, a.submitted_at, coalesce(u.unit_id, 0)
		FROM attempts a JOIN rounds r ON r.id = a.round_id JOIN users u ON u.id = a.participant_id
		WHERE r.contest_id = $1 AND NOT r.practice AND a.participant_id = $2 AND a.finalized_at IS NOT NULL
		ORDER BY a.round_id, a.correct_count DESC, a.duration_ms, a.submitted_at, a.id`, contestID, participantID)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []finalizedAttempt
	for rows.Next() {
		var f finalizedAttempt
		if err := rows.Scan(&f.ID, &f.RoundID, &f.ParticipantID, &f.Status, &f.CorrectCount, &f.Score,
			&f.QuestionCount, &f.DurationMS, &f.SubmittedAt, &f.UnitID); err != nil {
			return nil, false, err
		}
		f.SubmittedAt = f.SubmittedAt.UTC()
		out = append(out, f)
	}
	return out, disqualified, rows.Err()
}

// insertDisqualification stores d unless the account is already
// disqualified from the contest (inserted false).
func (t txStore) insertDisqualification(ctx context.Context, d Disqualification) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `
		INSERT INTO contest_disqualifications (contest_id, participant_id, reason, disqualified_by, disqualified_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (contest_id, participant_id) DO NOTHING`,
		d.ContestID, d.ParticipantID, d.Reason, d.DisqualifiedBy, d.DisqualifiedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// deleteDisqualification removes a disqualification and returns its reason.
func (t txStore) deleteDisqualification(ctx context.Context, contestID, participantID int64) (string, bool, error) {
	var reason string
	err := t.tx.QueryRowContext(ctx, `
		DELETE FROM contest_disqualifications WHERE contest_id = $1 AND participant_id = $2
		RETURNING reason`, contestID, participantID).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return reason, err == nil, err
}

// disqualifications lists a contest's disqualified accounts, newest first
// (only participantID's when it is not 0).
func (s store) disqualifications(ctx context.Context, contestID, participantID int64) ([]Disqualification, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT d.contest_id, d.participant_id, u.full_name, d.reason, d.disqualified_at, d.disqualified_by
		FROM contest_disqualifications d JOIN users u ON u.id = d.participant_id
		WHERE d.contest_id = $1 AND ($2 = 0 OR d.participant_id = $2)
		ORDER BY d.disqualified_at DESC, d.participant_id`, contestID, participantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Disqualification{}
	for rows.Next() {
		var d Disqualification
		if err := rows.Scan(&d.ContestID, &d.ParticipantID, &d.FullName, &d.Reason, &d.DisqualifiedAt, &d.DisqualifiedBy); err != nil {
			return nil, err
		}
		d.DisqualifiedAt = d.DisqualifiedAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// ---- duplicate identities

// personColumns read an account for the duplicate report; p is the users
// row, the round's standings and the contest are $2 and $3.
const personColumns = `p.id, p.full_name, p.birth_date, coalesce(p.phone, ''), coalesce(p.email, ''),
	coalesce(p.citizen_id, ''), coalesce((SELECT name FROM units WHERE id = p.unit_id), ''), p.created_at,
	coalesce((SELECT place FROM round_standings s WHERE s.round_id = $2 AND s.participant_id = p.id), 0),
	EXISTS (SELECT 1 FROM attempts a JOIN rounds r ON r.id = a.round_id
	        WHERE r.contest_id = $3 AND a.participant_id = p.id),
	EXISTS (SELECT 1 FROM contest_disqualifications d WHERE d.contest_id = $3 AND d.participant_id = p.id)`

func scanPerson(row interface{ Scan(...any) error }, extra ...any) (Person, error) {
	var p Person
	dest := append([]any{&p.ParticipantID, &p.FullName, &p.BirthDate, &p.Phone, &p.Email, &p.CitizenID, &p.Unit,
		&p.RegisteredAt, &p.Place, &p.TookPart, &p.Disqualified}, extra...)
	err := row.Scan(dest...)
	p.RegisteredAt = p.RegisteredAt.UTC()
	return p, err
}

// duplicates finds, for each of ids, the other participant accounts with
// the same citizen id or the same folded name and birth date (the
// users_identity_idx index), and returns the winners that have any.
func (s store) duplicates(ctx context.Context, contestID, roundID int64, ids []int64) ([]DuplicateGroup, error) {
	if len(ids) == 0 {
		return []DuplicateGroup{}, nil
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT w.id, `+personColumns+`,
			coalesce(p.citizen_id = w.citizen_id, false),
			coalesce(w.name_key <> '' AND p.name_key = w.name_key AND p.birth_date = w.birth_date, false)
		FROM users w
		JOIN users p ON p.role = 'participant' AND p.id <> w.id
		 AND ((w.citizen_id IS NOT NULL AND p.citizen_id = w.citizen_id)
		   OR (w.name_key <> '' AND p.name_key = w.name_key AND p.birth_date = w.birth_date))
		WHERE w.id = ANY($1)
		ORDER BY w.id, p.id`, pq.Array(ids), roundID, contestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byWinner := map[int64][]DuplicateMatch{}
	var order []int64
	for rows.Next() {
		var (
			wid int64
			m   DuplicateMatch
		)
		// The winner id comes first; scanPerson reads the rest.
		p, err := scanPerson(rowFunc(func(dest ...any) error {
			return rows.Scan(append([]any{&wid}, dest...)...)
		}), &m.SameCitizenID, &m.SameNameAndBirth)
		if err != nil {
			return nil, err
		}
		m.Person = p
		if _, seen := byWinner[wid]; !seen {
			order = append(order, wid)
		}
		byWinner[wid] = append(byWinner[wid], m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []DuplicateGroup{}
	for _, wid := range order {
		w, err := scanPerson(s.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM users p WHERE p.id = $1`,
			wid, roundID, contestID))
		if err != nil {
			return nil, err
		}
		out = append(out, DuplicateGroup{Winner: w, Matches: byWinner[wid]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Winner.Place < out[j].Winner.Place })
	return out, nil
}

// rowFunc adapts a scan function to the Scan method scanPerson takes.
type rowFunc func(dest ...any) error

func (f rowFunc) Scan(dest ...any) error { return f(dest...) }

// ---- exports

func scanExportRow(rows *sql.Rows) (exportRow, error) {
	var r exportRow
	err := rows.Scan(&r.Rank, &r.Place, &r.ParticipantID, &r.AttemptID, &r.FullName, &r.BirthDate, &r.Phone,
		&r.Email, &r.CitizenID, &r.Unit, &r.Category, &r.CorrectCount, &r.Score, &r.Prediction,
		&r.PredictionDiff, &r.DurationMS, &r.SubmittedAt, &r.Prize, &r.Disqualified)
	return r, err
}

func eachExportRow(rows *sql.Rows, fn func(exportRow) error) error {
	defer rows.Close()
	for rows.Next() {
		r, err := scanExportRow(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// exportRows streams a round's standings with contact details: ranked
// accounts first (rank among them), then disqualified ones (no rank).
func (s store) exportRows(ctx context.Context, contestID, roundID int64, fn func(exportRow) error) error {
	rows, err := s.db.QueryContext(ctx, `
		SELECT CASE WHEN d.participant_id IS NULL
		            THEN row_number() OVER (PARTITION BY d.participant_id IS NULL ORDER BY s.place) END,
			s.place, s.participant_id, s.attempt_id, u.full_name, u.birth_date, coalesce(u.phone, ''),
			coalesce(u.email, ''), coalesce(u.citizen_id, ''), coalesce(n.name, ''), coalesce(u.category, ''),
			s.correct_count, s.score, s.prediction, s.prediction_diff, s.duration_ms, s.submitted_at,
			'', coalesce(d.reason, '')
		FROM round_standings s
		JOIN users u ON u.id = s.participant_id
		LEFT JOIN units n ON n.id = u.unit_id
		LEFT JOIN contest_disqualifications d ON d.contest_id = $2 AND d.participant_id = s.participant_id
		WHERE s.round_id = $1
		ORDER BY d.participant_id IS NOT NULL, s.place`, roundID, contestID)
	if err != nil {
		return err
	}
	return eachExportRow(rows, fn)
}

// publishedExportRows streams a publication as announced (name and unit
// as published) with today's contact details.
func (s store) publishedExportRows(ctx context.Context, pubID int64, fn func(exportRow) error) error {
	rows, err := s.db.QueryContext(ctx, `
		SELECT pr.rank::bigint, coalesce(st.place, 0), pr.participant_id, pr.attempt_id, pr.full_name, u.birth_date,
			coalesce(u.phone, ''), coalesce(u.email, ''), coalesce(u.citizen_id, ''), pr.unit_name,
			coalesce(u.category, ''), pr.correct_count, pr.score, pr.prediction, pr.prediction_diff, pr.duration_ms,
			pr.submitted_at, coalesce(pr.prize, ''), ''
		FROM round_published_results pr
		JOIN round_publications pb ON pb.id = pr.publication_id
		JOIN users u ON u.id = pr.participant_id
		LEFT JOIN round_standings st ON st.round_id = pb.round_id AND st.participant_id = pr.participant_id
		WHERE pr.publication_id = $1
		ORDER BY pr.rank`, pubID)
	if err != nil {
		return err
	}
	return eachExportRow(rows, fn)
}

// auditExport records who exported a round's results (contact details).
func (s store) auditExport(ctx context.Context, actor Actor, now time.Time, roundID int64, opt ExportOptions) error {
	return audit.Record(ctx, s.db, now, actor, "results.export", "round", strconv.FormatInt(roundID, 10), opt)
}
