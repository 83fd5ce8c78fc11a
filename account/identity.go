package account

import (
	"strings"
	"time"
	"unicode"
)

// NormalizePhone turns the ways people write a Vietnamese mobile number
// (0912345678, +84 912 345 678, 84-912-345-678, 0912.345.678) into one form,
// 0xxxxxxxxx, so each person has one account. ok is false for anything that
// is not a 10-digit mobile number.
func NormalizePhone(s string) (string, bool) {
	var digits strings.Builder
	plus := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && !plus && digits.Len() == 0:
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
		if digits.Len() > 15 {
			return "", false
		}
	}
	d := digits.String()
	switch {
	case strings.HasPrefix(d, "84") && len(d) == 11:
		d = "0" + d[2:]
	case strings.HasPrefix(d, "0084") && len(d) == 13:
		d = "0" + d[4:]
	}
	if len(d) != 10 || d[0] != '0' || !strings.ContainsRune("35789", rune(d[1])) {
		return "", false
	}
	return d, true
}

// ValidCitizenID reports whether s is a 12-digit citizen id (CCCD).
func ValidCitizenID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ValidBirthDate refuses dates in the future or more than 120 years ago.
func ValidBirthDate(d, now time.Time) bool {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return !d.After(today) && d.After(today.AddDate(-120, 0, 0))
}

// ValidEmail is a deliberately loose check: one @, a dot in the domain, no
// spaces. The only real check of an address is mail reaching it.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsRune(domain, '@') &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// ValidName requires letters (any script, with diacritics), spaces, and the
// few marks that appear in names; 2 to 100 characters.
func ValidName(s string) bool {
	n := 0
	letters := 0
	for _, r := range s {
		n++
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
		case r == ' ' || r == '\'' || r == '-' || r == '.':
		default:
			return false
		}
	}
	return n >= 2 && n <= 100 && letters >= 2
}
