package contest

import "time"

// Hanoi is Asia/Ho_Chi_Minh, the time organizers enter and read. Vietnam
// has kept UTC+7 all year since 1975, so a fixed zone is exact and needs no
// tzdata on the server.
func Hanoi() *time.Location { return time.FixedZone("ICT", 7*60*60) }

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
