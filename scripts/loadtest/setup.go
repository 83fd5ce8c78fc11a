package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"lawcontest/account"
	"lawcontest/clock"
	"lawcontest/server"
	"lawcontest/vntext"
)

// account is one virtual participant's identity: a session token made up
// front, so the run measures contest traffic, not password hashing.
type vpAccount struct {
	ID    int64
	Token string
}

// password of every account the load test makes (it logs some in for real).
const loadPassword = "tai-thu-2026"

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	middleNames = []string{"Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Thu", "Quang", "Hoài"}
	givenNames  = []string{"An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Vy", "Yến"}
)

func personName(i int) string {
	return familyNames[i%len(familyNames)] + " " + middleNames[(i/len(familyNames))%len(middleNames)] + " " +
		givenNames[(i/7)%len(givenNames)]
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// setupDB makes what the run needs straight in Postgres: units, n
// participants sharing one argon2id hash, and a session for each.
type dbSetup struct {
	runID    string
	units    []int64
	accounts []vpAccount
	phones   []string // phones[i] is accounts[i]'s login
	regTop   int64    // registrations through the API take 05xxxxxxxx after this
}

func setupDB(ctx context.Context, pg *sqlx.DB, runID string, n, nUnits int) (*dbSetup, error) {
	hash, err := account.NewHasher().Hash(ctx, loadPassword)
	if err != nil {
		return nil, err
	}
	s := &dbSetup{runID: runID}
	now := time.Now().UTC()
	for i := 0; i < nUnits; i++ {
		name := fmt.Sprintf("Trường THCS Tải Thử %s số %d", runID, i+1)
		var id int64
		if err := pg.QueryRowContext(ctx, `INSERT INTO units (name, kind, search_key) VALUES ($1, 'school', $2) RETURNING id`,
			name, vntext.Fold(name)).Scan(&id); err != nil {
			return nil, fmt.Errorf("units: %w", err)
		}
		s.units = append(s.units, id)
	}
	// Phones 07xxxxxxxx after the highest one already taken, so runs
	// against the same database do not collide.
	var top int64
	if err := pg.QueryRowContext(ctx, `
		SELECT coalesce(max(substr(phone, 3)::bigint), 0) FROM users
		WHERE phone ~ '^07[0-9]{8}$'`).Scan(&top); err != nil {
		return nil, err
	}
	if err := pg.QueryRowContext(ctx, `
		SELECT coalesce(max(substr(phone, 3)::bigint), 0) FROM users
		WHERE phone ~ '^05[0-9]{8}$'`).Scan(&s.regTop); err != nil {
		return nil, err
	}
	if top+int64(n) > 99_999_999 {
		return nil, fmt.Errorf("no free 07xxxxxxxx phone numbers left for %d accounts", n)
	}
	s.phones = make([]string, n)
	tokens := make([]string, n)
	for i := range s.phones {
		s.phones[i] = fmt.Sprintf("07%08d", top+1+int64(i))
		tokens[i] = newToken()
	}
	const batch = 5000
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		ids, err := insertParticipants(ctx, pg, s, hash, lo, hi, tokens, now)
		if err != nil {
			return nil, err
		}
		for i, id := range ids {
			s.accounts = append(s.accounts, vpAccount{ID: id, Token: tokens[lo+i]})
		}
	}
	return s, nil
}

// insertParticipants inserts accounts lo..hi-1 and their sessions in one
// transaction with COPY, and returns their ids in order.
func insertParticipants(ctx context.Context, pg *sqlx.DB, s *dbSetup, hash string, lo, hi int, tokens []string, now time.Time) ([]int64, error) {
	tx, err := pg.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `COPY users (role, phone, password_hash, full_name, display_name,
		birth_date, unit_id, category, name_key, created_at, updated_at) FROM STDIN`)
	if err != nil {
		return nil, err
	}
	for i := lo; i < hi; i++ {
		name := personName(i)
		birth := time.Date(1970+i%40, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		var unit any
		if len(s.units) > 0 {
			unit = s.units[i%len(s.units)]
		}
		if _, err := stmt.ExecContext(ctx, "participant", s.phones[i], hash, name, name, birth, unit,
			account.Categories[i%len(account.Categories)], vntext.Fold(name), now, now); err != nil {
			return nil, err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return nil, err
	}
	stmt.Close()
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM users WHERE phone = ANY($1) ORDER BY phone`,
		pq.Array(s.phones[lo:hi])); err != nil {
		return nil, err
	}
	if len(ids) != hi-lo {
		return nil, fmt.Errorf("inserted %d accounts, found %d", hi-lo, len(ids))
	}
	stmt, err = tx.PrepareContext(ctx, `COPY sessions (token_hash, user_id, created_at, last_seen_at, expires_at) FROM STDIN`)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if _, err := stmt.ExecContext(ctx, account.HashToken(tokens[lo+i]), id, now, now, now.Add(48*time.Hour)); err != nil {
			return nil, err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return nil, err
	}
	stmt.Close()
	return ids, tx.Commit()
}

// createOrganizer makes a staff account as `lawcontest user create` does.
func createOrganizer(ctx context.Context, pg *sqlx.DB, runID string) (string, error) {
	st := account.NewStore(pg, clock.Real{}, account.NewHasher())
	username := "taithu" + runID
	_, err := st.CreateStaff(ctx, pg, account.NewStaff{Username: username, Password: loadPassword, Role: account.RoleOrganizer,
		DisplayName: "Ban tổ chức tải thử " + runID})
	return username, err
}

// roundSetup is the contest and round the run plays.
type roundSetup struct {
	contestID, roundID string
	opensAt            time.Time
	questionCount      int
}

// questionBankCSV is a bank in the import format: perCategory questions in
// each of categories, four options each. Their texts are the demo bank's
// real questions (server/demodata), taken in turn, each marked with the
// run and its number to keep it unique: a paper's size, and how well it
// compresses, are then those of real questions. (Generated texts that
// differed in a number only made a 19-question paper of 7.9 KB that
// gzip took to 570 bytes; a real one is about 11.5 KB and 3.6 KB.)
func questionBankCSV(runID string, categories []string, perCategory int) ([]byte, error) {
	demo, err := server.DemoQuestionsCSV()
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(demo)).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("demo questions: %d rows, %v", len(rows), err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, name := range []string{"text", "option_a", "option_b", "option_c", "option_d", "correct", "explanation", "legal_reference"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("demo questions: no column %q", name)
		}
	}
	rows = rows[1:]
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"text", "option_a", "option_b", "option_c", "option_d", "correct", "category", "difficulty", "explanation", "legal_reference"})
	diffs := []string{"easy", "medium", "hard"}
	for ci, cat := range categories {
		for i := 0; i < perCategory; i++ {
			n := ci*perCategory + i + 1
			d := rows[(n-1)%len(rows)]
			w.Write([]string{
				fmt.Sprintf("(Tải thử %s, câu %d) %s", runID, n, d[col["text"]]),
				d[col["option_a"]], d[col["option_b"]], d[col["option_c"]], d[col["option_d"]],
				d[col["correct"]], cat, diffs[n%3], d[col["explanation"]], d[col["legal_reference"]],
			})
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// setupRound logs the organizer in, imports a bank, creates a published
// contest and a round opening at opensAt, all through the API.
func setupRound(ctx context.Context, c *client, username string, o Options, opensAt time.Time) (roundSetup, string, error) {
	r, err := c.must(ctx, "organizer login", "login", http.MethodPost, "/api/v1/sessions", "",
		map[string]string{"login": username, "password": loadPassword}, http.StatusOK)
	if err != nil {
		return roundSetup{}, "", err
	}
	var login struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(r.body, &login); err != nil {
		return roundSetup{}, "", err
	}
	tok := login.Token

	categories := []string{"Luật An ninh mạng " + o.RunID, "Quy tắc ứng xử trên mạng xã hội " + o.RunID,
		"Luật Trẻ em " + o.RunID, "Luật Tiếp cận thông tin " + o.RunID}
	per := (o.Questions + len(categories) - 1) / len(categories)
	bank, err := questionBankCSV(o.RunID, categories, per*3)
	if err != nil {
		return roundSetup{}, "", err
	}
	r, err = c.upload(ctx, "/api/v1/admin/questions/import", tok, "file", "ngan-hang-tai-thu.csv", bank)
	if _, err := expect(r, err, "question import", http.StatusOK); err != nil {
		return roundSetup{}, "", err
	}
	var bp []map[string]any
	left := o.Questions
	for _, cat := range categories {
		n := per
		if n > left {
			n = left
		}
		if n == 0 {
			break
		}
		bp = append(bp, map[string]any{"category": cat, "count": n})
		left -= n
	}

	now := time.Now().UTC()
	r, err = c.must(ctx, "create contest", "", http.MethodPost, "/api/v1/admin/contests", tok, map[string]any{
		"kind": "quiz", "title": "Cuộc thi tải thử " + o.RunID,
		"description": "Cuộc thi do công cụ tải thử tạo ra.", "published": true,
		"starts_at": now.Add(-time.Hour), "ends_at": now.Add(48 * time.Hour),
	}, http.StatusCreated)
	if err != nil {
		return roundSetup{}, "", err
	}
	var ct struct {
		Contest struct {
			ID string `json:"id"`
		} `json:"contest"`
	}
	if err := json.Unmarshal(r.body, &ct); err != nil {
		return roundSetup{}, "", err
	}
	closes := opensAt.Add(o.AttemptDuration + o.Duration + o.Drain + 10*time.Minute)
	r, err = c.must(ctx, "create round", "", http.MethodPost, "/api/v1/admin/contests/"+ct.Contest.ID+"/rounds", tok, map[string]any{
		"title": "Vòng tải thử " + o.RunID, "opens_at": opensAt, "closes_at": closes,
		"duration_ms": o.AttemptDuration.Milliseconds(), "max_attempts": o.MaxAttempts, "blueprint": bp,
		"points_per_question": 5,
		"prediction_question": "Theo bạn, có bao nhiêu người trả lời đúng tất cả các câu hỏi của vòng này?",
	}, http.StatusCreated)
	if err != nil {
		return roundSetup{}, "", err
	}
	var rd struct {
		Round struct {
			ID            string    `json:"id"`
			OpensAt       time.Time `json:"opens_at"`
			QuestionCount int       `json:"question_count"`
		} `json:"round"`
	}
	if err := json.Unmarshal(r.body, &rd); err != nil {
		return roundSetup{}, "", err
	}
	return roundSetup{contestID: ct.Contest.ID, roundID: rd.Round.ID, opensAt: rd.Round.OpensAt, questionCount: rd.Round.QuestionCount}, tok, nil
}

// realAccounts registers n participants through the API and logs n of the
// bulk accounts in for real, so those paths are exercised too; it returns
// the accounts with the tokens the API gave.
func realAccounts(ctx context.Context, c *client, s *dbSetup, n int) ([]vpAccount, error) {
	var out []vpAccount
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("05%08d", s.regTop+1+int64(i))
		body := map[string]any{"full_name": personName(1000 + i), "birth_date": "2005-03-04", "phone": phone,
			"password": loadPassword, "category": "hoc_sinh"}
		if len(s.units) > 0 {
			body["unit_id"] = strconv.FormatInt(s.units[i%len(s.units)], 10)
		}
		r, err := c.must(ctx, "register", "register", http.MethodPost, "/api/v1/participants", "", body, http.StatusCreated)
		if err != nil {
			return nil, err
		}
		var reg struct {
			Participant struct {
				ID string `json:"id"`
			} `json:"participant"`
			Token string `json:"token"`
		}
		if err := json.Unmarshal(r.body, &reg); err != nil {
			return nil, err
		}
		id, _ := strconv.ParseInt(reg.Participant.ID, 10, 64)
		out = append(out, vpAccount{ID: id, Token: reg.Token})
	}
	for i := 0; i < n && i < len(s.accounts); i++ {
		r, err := c.must(ctx, "login", "login", http.MethodPost, "/api/v1/sessions", "",
			map[string]string{"login": s.phones[i], "password": loadPassword}, http.StatusOK)
		if err != nil {
			return nil, err
		}
		var login struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(r.body, &login); err != nil {
			return nil, err
		}
		s.accounts[i].Token = login.Token
	}
	return out, nil
}
