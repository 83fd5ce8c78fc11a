package vntext

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaskName shortens a full name for public boards: the family name stays,
// every other word becomes its initial ("Nguyễn Văn An" -> "Nguyễn V. A."),
// so winners can recognise themselves while strangers cannot identify them.
// A one-word name becomes its initial ("An" -> "A."). Case is normalised
// (family name in title case, initials upper case) and extra spaces and words
// without letters are dropped. Quiz and essay boards share it.
func MaskName(fullName string) string {
	var words []string
	for _, w := range strings.Fields(Clean(fullName)) {
		if strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			words = append(words, w)
		}
	}
	switch len(words) {
	case 0:
		return ""
	case 1:
		return initial(words[0])
	}
	parts := make([]string, 0, len(words))
	parts = append(parts, titleCase(words[0]))
	for _, w := range words[1:] {
		parts = append(parts, initial(w))
	}
	return strings.Join(parts, " ")
}

// initial is the first letter of w, upper case, with a dot. Leading
// non-letters (quotes, brackets) are skipped.
func initial(w string) string {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return string(unicode.ToUpper(r)) + "."
		}
	}
	return ""
}

// titleCase keeps only the letters of w (no stray punctuation on a public
// board), first one upper case, the rest lower case.
func titleCase(w string) string {
	var b strings.Builder
	first := true
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			continue
		}
		if first {
			b.WriteRune(unicode.ToUpper(r))
			first = false
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	// Dropping punctuation can bring a combining mark next to a letter.
	return norm.NFC.String(b.String())
}
