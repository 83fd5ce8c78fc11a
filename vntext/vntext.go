// Package vntext normalizes Vietnamese text: NFC for storage, and a folded
// form (lower case, no diacritics, đ as d, single spaces) for searches and
// duplicate checks that should ignore how a person typed accents.
package vntext

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Clean returns s NFC-normalized, trimmed, with runs of white space (and
// control characters) collapsed to one space.
func Clean(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// CleanMultiline is Clean for text where line breaks matter (essays,
// explanations): it keeps paragraph breaks (at most one blank line), trims
// each line and drops control characters.
func CleanMultiline(s string) string {
	s = norm.NFC.String(strings.ReplaceAll(s, "\r\n", "\n"))
	lines := strings.Split(s, "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = Clean(l)
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
		}
		blank = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// Fold returns s in lower case without diacritics, with đ/Đ as d and white
// space collapsed: "Nguyễn Văn  Đức" -> "nguyen van duc".
func Fold(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	space := false
	for _, r := range d {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
