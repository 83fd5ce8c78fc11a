package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"lawcontest/apperr"
)

// SessionPolicy says how long sessions last.
type SessionPolicy struct {
	// Lifetime is the absolute lifetime of any session.
	Lifetime time.Duration
	// StaffIdle ends a staff session after this long without a request.
	StaffIdle time.Duration
	// TouchEvery limits last_seen_at writes to one per this period per
	// session, so a busy participant does not write on every request.
	TouchEvery time.Duration
}

// Session is a signed-in user with the session's id (the token's hash).
type Session struct {
	User      *User
	TokenHash []byte
	ExpiresAt time.Time
}

// HashToken returns the stored form of a session token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateSession starts a session for u and returns the token to give the
// client: 256 random bits, of which only the SHA-256 is stored.
func (s *Store) CreateSession(ctx context.Context, u *User, p SessionPolicy) (string, *Session, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.clock.Now()
	sess := &Session{User: u, TokenHash: HashToken(token), ExpiresAt: now.Add(p.Lifetime)}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $3, $4)`, sess.TokenHash, u.ID, now, sess.ExpiresAt)
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// Lookup returns the live session of token, or an unauthenticated error if
// there is none: unknown, expired, idle too long (staff) or disabled user.
// It records when the session was last seen, at most once per TouchEvery:
// a staff session's at once (its idle timeout is checked against it), a
// participant's later, with others, by FlushTouches (touches.go).
func (s *Store) Lookup(ctx context.Context, token string, p SessionPolicy) (*Session, error) {
	if token == "" || len(token) > 100 {
		return nil, apperr.New(apperr.Unauthenticated, "error.unauthenticated")
	}
	hash := HashToken(token)
	var row struct {
		User
		LastSeen  time.Time `db:"last_seen_at"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	// Every request runs this: prepared, so Postgres plans it once per
	// connection rather than on each call (see pgstmt).
	err := s.stmts.Get(ctx, &row, `
		SELECT u.id, u.role, u.phone, u.username, u.full_name, u.display_name, u.birth_date, u.citizen_id,
			u.email, u.unit_id, u.category, u.disabled_at, u.created_at, s.last_seen_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1`, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.Unauthenticated, "error.unauthenticated")
	}
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	idle := row.User.IsStaff() && p.StaffIdle > 0 && now.Sub(row.LastSeen) > p.StaffIdle
	if !now.Before(row.ExpiresAt) || idle || row.DisabledAt != nil {
		s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
		return nil, apperr.New(apperr.Unauthenticated, "session.expired")
	}
	if now.Sub(row.LastSeen) >= p.TouchEvery {
		if row.User.IsStaff() {
			// The idle timeout is checked against it: written at once.
			if _, err := s.stmts.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1`, hash, now); err != nil {
				return nil, err
			}
		} else {
			s.touches.add(hash, now)
		}
	}
	u := row.User
	return &Session{User: &u, TokenHash: hash, ExpiresAt: row.ExpiresAt}, nil
}

// EndSession deletes one session; its token stops working at once.
func (s *Store) EndSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return err
}

// EndAllSessions signs a user out everywhere.
func (s *Store) EndAllSessions(ctx context.Context, userID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return err
}

// DeleteExpiredSessions removes sessions past their lifetime.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, s.clock.Now())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
