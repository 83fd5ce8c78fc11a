package account

import (
	"context"
	"slices"
	"strings"
	"time"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// Registration is what a participant sends to register.
type Registration struct {
	FullName  string `json:"full_name"`
	BirthDate string `json:"birth_date"`
	Phone     string `json:"phone"`
	Password  string `json:"password"`
	CitizenID string `json:"citizen_id"`
	Email     string `json:"email"`
	UnitID    string `json:"unit_id"`
	Category  string `json:"category"`
}

// Password length bounds, in characters.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// validRegistration is a checked, normalized registration.
type validRegistration struct {
	FullName  string
	BirthDate time.Time
	Phone     string
	CitizenID *string
	Email     *string
	UnitID    *int64
	Category  *string
}

// validate checks every field and reports each refusal under its JSON name.
func (r Registration) validate(now time.Time) (validRegistration, error) {
	var f apperr.Fields
	var v validRegistration

	v.FullName = vntext.Clean(r.FullName)
	switch {
	case v.FullName == "":
		f.Add("full_name", "register.full_name_required")
	case !ValidName(v.FullName):
		f.Add("full_name", "register.full_name_invalid")
	}

	if strings.TrimSpace(r.BirthDate) == "" {
		f.Add("birth_date", "register.birth_date_required")
	} else if d, err := time.Parse("2006-01-02", strings.TrimSpace(r.BirthDate)); err != nil {
		f.Add("birth_date", "register.birth_date_format")
	} else if !ValidBirthDate(d, now) {
		f.Add("birth_date", "register.birth_date_range")
	} else {
		v.BirthDate = d
	}

	if strings.TrimSpace(r.Phone) == "" {
		f.Add("phone", "register.phone_required")
	} else if p, ok := NormalizePhone(r.Phone); !ok {
		f.Add("phone", "register.phone_invalid")
	} else {
		v.Phone = p
	}

	if err := checkPassword(r.Password); err != "" {
		f.Add("password", err)
	}

	if c := strings.TrimSpace(r.CitizenID); c != "" {
		if !ValidCitizenID(c) {
			f.Add("citizen_id", "register.citizen_id_invalid")
		} else {
			v.CitizenID = &c
		}
	}
	if e := strings.ToLower(strings.TrimSpace(r.Email)); e != "" {
		if !ValidEmail(e) {
			f.Add("email", "register.email_invalid")
		} else {
			v.Email = &e
		}
	}
	if u := strings.TrimSpace(r.UnitID); u != "" {
		id, ok := parseID(u)
		if !ok {
			f.Add("unit_id", "register.unit_invalid")
		} else {
			v.UnitID = &id
		}
	}
	if c := strings.TrimSpace(r.Category); c != "" {
		if !slices.Contains(Categories, c) {
			f.Add("category", "register.category_invalid")
		} else {
			v.Category = &c
		}
	}
	return v, f.Err()
}

// Check validates r as Register would, without storing anything: for
// tests and fuzzing of the registration body.
func (r Registration) Check(now time.Time) error {
	_, err := r.validate(now)
	return err
}

func checkPassword(p string) string {
	n := len([]rune(p))
	switch {
	case n == 0:
		return "register.password_required"
	case n < MinPasswordLen:
		return "register.password_short"
	case n > MaxPasswordLen:
		return "register.password_long"
	}
	return ""
}

// Register validates r, hashes the password and stores the participant.
// A phone or citizen id already registered is a conflict naming the field.
func (s *Store) Register(ctx context.Context, r Registration) (*User, error) {
	v, err := r.validate(s.clock.Now())
	if err != nil {
		return nil, err
	}
	if v.UnitID != nil {
		ok, err := s.unitExists(ctx, *v.UnitID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.Field("unit_id", "register.unit_invalid")
		}
	}
	hash, err := s.hasher.Hash(ctx, r.Password)
	if err != nil {
		return nil, err
	}
	return s.insertParticipant(ctx, v, hash)
}
