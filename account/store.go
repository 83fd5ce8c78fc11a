package account

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"lawcontest/apperr"
	"lawcontest/clock"
	"lawcontest/pgstmt"
	"lawcontest/vntext"
)

// Store owns the SQL of users and units.
type Store struct {
	db     *sqlx.DB
	stmts  *pgstmt.Cache
	clock  clock.Clock
	hasher *Hasher
	// touches are participants' last_seen_at writes waiting for
	// FlushTouches
	touches touchQueue
}

// NewStore returns a Store.
func NewStore(db *sqlx.DB, clk clock.Clock, hasher *Hasher) *Store {
	return &Store{db: db, stmts: pgstmt.New(db), clock: clk, hasher: hasher}
}

const userColumns = `id, role, phone, username, full_name, display_name, birth_date, citizen_id,
	email, unit_id, category, disabled_at, created_at`

func (s *Store) insertParticipant(ctx context.Context, v validRegistration, hash string) (*User, error) {
	now := s.clock.Now()
	var u User
	err := s.db.GetContext(ctx, &u, `
		INSERT INTO users (role, phone, password_hash, full_name, display_name, birth_date, citizen_id,
			email, unit_id, category, name_key, created_at, updated_at)
		VALUES ('participant', $1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		RETURNING `+userColumns,
		v.Phone, hash, v.FullName, v.BirthDate, v.CitizenID, v.Email, v.UnitID, v.Category, vntext.Fold(v.FullName), now)
	if err != nil {
		return nil, uniqueConflict(err)
	}
	return &u, nil
}

// uniqueConflict turns a unique violation into a conflict naming the field.
func uniqueConflict(err error) error {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "23505" {
		return err
	}
	switch {
	case strings.Contains(pqErr.Constraint, "phone"):
		return conflictField("phone", "register.phone_taken")
	case strings.Contains(pqErr.Constraint, "citizen"):
		return conflictField("citizen_id", "register.citizen_id_taken")
	case strings.Contains(pqErr.Constraint, "username"):
		return conflictField("username", "staff.username_taken")
	}
	return apperr.New(apperr.Conflict, "error.conflict")
}

func conflictField(field, key string) error {
	e := apperr.Field(field, key)
	e.Code = apperr.Conflict
	e.Msg = apperr.Message{Key: key}
	return e
}

// NewStaff is an admin's request to create a staff account.
type NewStaff struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name"`
	UnitID      string `json:"unit_id"`
}

// CreateStaff validates and stores a staff account. exec may be a
// transaction so the audit row commits with the account.
func (s *Store) CreateStaff(ctx context.Context, exec sqlx.QueryerContext, n NewStaff) (*User, error) {
	var f apperr.Fields
	username := strings.ToLower(strings.TrimSpace(n.Username))
	if !validUsername(username) {
		f.Add("username", "staff.username_invalid")
	}
	if e := checkPassword(n.Password); e != "" {
		f.Add("password", e)
	}
	if n.Role != RoleAdmin && n.Role != RoleOrganizer && n.Role != RoleJudge {
		f.Add("role", "staff.role_invalid")
	}
	display := vntext.Clean(n.DisplayName)
	if display == "" || len([]rune(display)) > 100 {
		f.Add("display_name", "staff.display_name_invalid")
	}
	var unitID *int64
	if u := strings.TrimSpace(n.UnitID); u != "" {
		id, ok := parseID(u)
		if !ok {
			f.Add("unit_id", "register.unit_invalid")
		} else {
			unitID = &id
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if unitID != nil {
		ok, err := s.unitExists(ctx, *unitID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.Field("unit_id", "register.unit_invalid")
		}
	}
	hash, err := s.hasher.Hash(ctx, n.Password)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var u User
	err = sqlx.GetContext(ctx, exec, &u, `
		INSERT INTO users (role, username, password_hash, full_name, display_name, unit_id, name_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $7)
		RETURNING `+userColumns, n.Role, username, hash, display, unitID, vntext.Fold(display), now)
	if err != nil {
		return nil, uniqueConflict(err)
	}
	return &u, nil
}

func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Authenticate checks a login (a participant's phone in any usual form, or
// a staff username) and password. Unknown login and wrong password give the
// same error after the same work.
func (s *Store) Authenticate(ctx context.Context, login, password string) (*User, error) {
	var row struct {
		User
		PasswordHash string `db:"password_hash"`
	}
	login = strings.TrimSpace(login)
	key := strings.ToLower(login)
	if p, ok := NormalizePhone(login); ok {
		key = p
	}
	err := s.db.GetContext(ctx, &row, `SELECT `+userColumns+`, password_hash FROM users
		WHERE (phone = $1 OR username = $1) AND disabled_at IS NULL`, key)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	ok, verr := s.hasher.Verify(ctx, password, row.PasswordHash)
	if verr != nil {
		return nil, verr
	}
	if err != nil || !ok {
		return nil, apperr.New(apperr.Unauthenticated, "login.failed")
	}
	return &row.User, nil
}

// Get returns the user with id, or not found.
func (s *Store) Get(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &u, err
}

// SetPassword replaces a user's password (used by the CLI for staff).
func (s *Store) SetPassword(ctx context.Context, id int64, password string) error {
	if e := checkPassword(password); e != "" {
		return apperr.Field("password", e)
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, id, hash, s.clock.Now())
	return err
}

// FindStaff returns the staff user with username, or not found.
func (s *Store) FindStaff(ctx context.Context, username string) (*User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE username = $1`, strings.ToLower(username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &u, err
}

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// Units.

func (s *Store) unitExists(ctx context.Context, id int64) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM units WHERE id = $1)`, id)
	return ok, err
}

// SearchUnits returns up to limit units whose name contains q, ignoring case
// and diacritics ("truong chu van an" finds "Trường THPT Chu Văn An").
func (s *Store) SearchUnits(ctx context.Context, q string, limit int) ([]Unit, error) {
	key := vntext.Fold(q)
	if len(key) > 100 {
		key = key[:100]
	}
	// Escape LIKE's wildcards so they match themselves.
	key = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(key)
	units := []Unit{}
	err := s.db.SelectContext(ctx, &units, `
		SELECT id, name, kind, member_count FROM units
		WHERE search_key LIKE '%' || $1 || '%'
		ORDER BY (search_key LIKE $1 || '%') DESC, name
		LIMIT $2`, key, limit)
	return units, err
}

// UpsertUnit stores a unit by name (for the demo seed) and returns its id.
func (s *Store) UpsertUnit(ctx context.Context, u Unit) (int64, error) {
	name := vntext.Clean(u.Name)
	var id int64
	err := s.db.GetContext(ctx, &id, `
		INSERT INTO units (name, kind, member_count, search_key) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, member_count = EXCLUDED.member_count
		RETURNING id`, name, u.Kind, u.MemberCount, vntext.Fold(name))
	return id, err
}
