package contest

import (
	"strings"
	"time"

	"lawcontest/apperr"
)

// Hanoi is Asia/Ho_Chi_Minh, the time organizers enter and read. Vietnam
// has kept UTC+7 all year since 1975, so a fixed zone is exact and needs no
// tzdata on the server.
func Hanoi() *time.Location { return time.FixedZone("ICT", 7*60*60) }

// localLayouts are the forms a time arrives in from organizer pages: the
// value of an <input type="datetime-local"> and the way Vietnamese write a
// date (day first).
var localLayouts = [...]string{
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"02/01/2006 15:04",
	"2/1/2006 15:04",
	"15:04 02/01/2006",
	"15:04 2/1/2006",
}

// ParseLocal reads a wall-clock time in Hà Nội and returns it in UTC. The
// error is a validation error on field.
func ParseLocal(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, apperr.Field(field, "error.required")
	}
	if len(s) <= 32 {
		for _, l := range localLayouts {
			if t, err := time.ParseInLocation(l, s, Hanoi()); err == nil {
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, apperr.Field(field, "contest.time_invalid")
}

// FormatLocal writes t as the value of a datetime-local input in Hà Nội.
func FormatLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Hanoi()).Format("2006-01-02T15:04")
}

// DisplayLocal writes t for people to read, in Hà Nội: "08:00 27/11/2026".
func DisplayLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Hanoi()).Format("15:04 02/01/2006")
}
