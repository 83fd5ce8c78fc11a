package account

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// ProfilePatch changes some of a participant's registration data; nil
// fields stay as they are, an empty string clears an optional field.
type ProfilePatch struct {
	FullName  *string `json:"full_name"`
	BirthDate *string `json:"birth_date"`
	Phone     *string `json:"phone"`
	CitizenID *string `json:"citizen_id"`
	Email     *string `json:"email"`
	UnitID    *string `json:"unit_id"`
	Category  *string `json:"category"`
}

// Change is one field's old and new value, for the audit log.
type Change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// UpdateProfile applies p to participant id through exec (a transaction,
// so the caller can audit in it) and returns the user and what changed.
// allowPhone is for organizers: a participant cannot move their account to
// another phone number themselves.
func (s *Store) UpdateProfile(ctx context.Context, exec sqlx.ExtContext, id int64, p ProfilePatch, allowPhone bool) (*User, map[string]Change, error) {
	var u User
	err := sqlx.GetContext(ctx, exec, &u, `SELECT `+userColumns+` FROM users WHERE id = $1 AND role = 'participant' FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, nil, err
	}
	var f apperr.Fields
	changes := map[string]Change{}
	note := func(field string, old, new any) {
		changes[field] = Change{Old: old, New: new}
	}
	if p.FullName != nil {
		v := vntext.Clean(*p.FullName)
		if !ValidName(v) {
			f.Add("full_name", "register.full_name_invalid")
		} else if v != u.FullName {
			note("full_name", u.FullName, v)
			u.FullName, u.DisplayName = v, v
		}
	}
	if p.BirthDate != nil {
		d, err := time.Parse("2006-01-02", strings.TrimSpace(*p.BirthDate))
		switch {
		case err != nil:
			f.Add("birth_date", "register.birth_date_format")
		case !ValidBirthDate(d, s.clock.Now()):
			f.Add("birth_date", "register.birth_date_range")
		case u.BirthDate == nil || !u.BirthDate.Equal(d):
			note("birth_date", dateString(u.BirthDate), d.Format("2006-01-02"))
			u.BirthDate = &d
		}
	}
	if p.Phone != nil {
		v, ok := NormalizePhone(*p.Phone)
		switch {
		case !allowPhone:
			f.Add("phone", "profile.phone_fixed")
		case !ok:
			f.Add("phone", "register.phone_invalid")
		case u.Phone == nil || v != *u.Phone:
			note("phone", deref(u.Phone), v)
			u.Phone = &v
		}
	}
	if p.CitizenID != nil {
		v := strings.TrimSpace(*p.CitizenID)
		if v != "" && !ValidCitizenID(v) {
			f.Add("citizen_id", "register.citizen_id_invalid")
		} else if v != deref(u.CitizenID) {
			note("citizen_id", deref(u.CitizenID), v)
			u.CitizenID = optional(v)
		}
	}
	if p.Email != nil {
		v := strings.ToLower(strings.TrimSpace(*p.Email))
		if v != "" && !ValidEmail(v) {
			f.Add("email", "register.email_invalid")
		} else if v != deref(u.Email) {
			note("email", deref(u.Email), v)
			u.Email = optional(v)
		}
	}
	if p.UnitID != nil {
		v := strings.TrimSpace(*p.UnitID)
		if v == "" {
			if u.UnitID != nil {
				note("unit_id", *u.UnitID, nil)
			}
			u.UnitID = nil
		} else if uid, ok := parseID(v); !ok {
			f.Add("unit_id", "register.unit_invalid")
		} else if ok, err := s.unitExists(ctx, uid); err != nil {
			return nil, nil, err
		} else if !ok {
			f.Add("unit_id", "register.unit_invalid")
		} else if u.UnitID == nil || *u.UnitID != uid {
			note("unit_id", u.UnitID, uid)
			u.UnitID = &uid
		}
	}
	if p.Category != nil {
		v := strings.TrimSpace(*p.Category)
		if v != "" && !slices.Contains(Categories, v) {
			f.Add("category", "register.category_invalid")
		} else if v != deref(u.Category) {
			note("category", deref(u.Category), v)
			u.Category = optional(v)
		}
	}
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	if len(changes) == 0 {
		return &u, changes, nil
	}
	_, err = exec.ExecContext(ctx, `
		UPDATE users SET full_name = $2, display_name = $2, name_key = $3, birth_date = $4, phone = $5,
			citizen_id = $6, email = $7, unit_id = $8, category = $9, updated_at = $10
		WHERE id = $1`, u.ID, u.FullName, vntext.Fold(u.FullName), u.BirthDate, u.Phone, u.CitizenID, u.Email, u.UnitID, u.Category, s.clock.Now())
	if err != nil {
		return nil, nil, uniqueConflict(err)
	}
	return &u, changes, nil
}

// SearchParticipants finds participants by name (ignoring diacritics),
// phone or citizen id, for organizers.
func (s *Store) SearchParticipants(ctx context.Context, q string, limit, offset int) ([]User, int, error) {
	key := vntext.Fold(q)
	phone, _ := NormalizePhone(q)
	key = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(key)
	var rows []struct {
		User
		Total int `db:"total"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT `+userColumns+`, count(*) OVER () AS total FROM users
		WHERE role = 'participant'
		  AND ($1 = '' OR name_key LIKE '%' || $1 || '%' OR phone = $2 OR citizen_id = $3)
		ORDER BY id LIMIT $4 OFFSET $5`, key, phone, strings.TrimSpace(q), limit, offset)
	if err != nil {
		return nil, 0, err
	}
	users := make([]User, len(rows))
	total := 0
	for i, r := range rows {
		users[i] = r.User
		total = r.Total
	}
	return users, total, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}
