// Package account owns people and how they sign in: participants (who
// register with their phone number), staff (admin, organizer, judge), the
// units people belong to, passwords and sessions.
package account

import (
	"time"
)

// Roles.
const (
	RoleParticipant = "participant"
	RoleJudge       = "judge"
	RoleOrganizer   = "organizer"
	RoleAdmin       = "admin"
)

// Categories of participants (DOMAIN.md), as stored and sent in the API.
var Categories = []string{"hoc_sinh", "sinh_vien", "can_bo", "nguoi_lao_dong", "nguoi_dan"}

// User is a participant or a staff member. Personal fields are empty for
// staff; Phone and CitizenID are never shown on public pages.
type User struct {
	ID          int64      `db:"id"`
	Role        string     `db:"role"`
	Phone       *string    `db:"phone"`
	Username    *string    `db:"username"`
	FullName    string     `db:"full_name"`
	DisplayName string     `db:"display_name"`
	BirthDate   *time.Time `db:"birth_date"`
	CitizenID   *string    `db:"citizen_id"`
	Email       *string    `db:"email"`
	UnitID      *int64     `db:"unit_id"`
	Category    *string    `db:"category"`
	DisabledAt  *time.Time `db:"disabled_at"`
	CreatedAt   time.Time  `db:"created_at"`
}

// IsStaff reports whether the user is judge, organizer or admin.
func (u *User) IsStaff() bool { return u.Role != RoleParticipant }

// Unit is a school, ward, agency or company people register under.
type Unit struct {
	ID          int64  `db:"id" json:"id,string"`
	Name        string `db:"name" json:"name"`
	Kind        string `db:"kind" json:"kind"`
	MemberCount *int   `db:"member_count" json:"member_count,omitempty"`
}

// Actor is who does something, for the audit log and permission checks.
type Actor struct {
	ID   int64
	Role string
}
