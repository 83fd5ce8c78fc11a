package essay

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"lawcontest/vntext"
)

// Mask replaces a personal detail in what judges read. It holds no digit,
// letter or '@', so masking a masked text changes nothing and can never
// create a new number or address out of the text around it.
const Mask = "[***]"

var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// MaskPersonal returns s with what could identify its author replaced by
// Mask: e-mail addresses; phone numbers in the forms Vietnamese people write
// them (0912345678, 0912 345 678, 0912.345.678, 091-234-5678, +84 912 345 678,
// (024) 3825 1234); 12-digit citizen ids and 9-digit old identity card
// numbers; and every occurrence of the phrases given (the author's full name,
// their unit's name), matched ignoring case and diacritics, word by word.
//
// A number is masked when its digits, counted across single separators
// (space, dot, dash, brackets), number at least 9. Round amounts written
// with thousands dots ("1.000.000.000 đồng") are kept: the last group is
// "000". Dates, years, law numbers (24/2018/QH14) and short numbers are kept.
func MaskPersonal(s string, phrases ...string) string {
	for _, p := range phrases {
		s = maskPhrase(s, p)
	}
	s = emailRE.ReplaceAllLiteralString(s, Mask)
	return maskNumbers(s)
}

// word is a run of letters, marks and digits, with its byte span in the text.
type word struct {
	start, end int
	folded     string
}

func splitWords(s string) []word { return splitWordsCached(s, nil) }

// splitWordsCached is splitWords with a cache of folded forms: Vietnamese
// writes a few thousand distinct syllables, so comparing many essays folds
// each one once instead of once per occurrence.
func splitWordsCached(s string, cache map[string]string) []word {
	var ws []word
	fold := func(w string) string {
		if cache == nil {
			return vntext.Fold(w)
		}
		f, ok := cache[w]
		if !ok {
			f = vntext.Fold(w)
			cache[w] = f
		}
		return f
	}
	start := -1
	for i, r := range s {
		in := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			ws = append(ws, word{start, i, fold(s[start:i])})
			start = -1
		}
	}
	if start >= 0 {
		ws = append(ws, word{start, len(s), fold(s[start:])})
	}
	return ws
}

// maskPhrase masks each run of words equal to phrase once folded. A phrase
// of one word is ignored: a given name alone ("An") is also an ordinary word
// ("an ninh") and masking it would garble the essay.
func maskPhrase(s, phrase string) string {
	pw := splitWords(phrase)
	if len(pw) < 2 {
		return s
	}
	ws := splitWords(s)
	var b strings.Builder
	last := 0
	for i := 0; i+len(pw) <= len(ws); {
		match := true
		for j := range pw {
			if ws[i+j].folded != pw[j].folded {
				match = false
				break
			}
		}
		if !match {
			i++
			continue
		}
		b.WriteString(s[last:ws[i].start])
		b.WriteString(Mask)
		last = ws[i+len(pw)-1].end
		i += len(pw)
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// group is a run of ASCII digits; sep is the text between it and the next
// group of the same chain.
type group struct {
	start, end int
	sep        string
}

const (
	maxPersonalDigits = 12 // a citizen id, or +84 and a landline number
	minPersonalDigits = 9  // an old identity card number, a phone without its 0
)

func maskNumbers(s string) string {
	var b strings.Builder
	last := 0
	i := 0
	for i < len(s) {
		if !isDigit(s[i]) {
			i++
			continue
		}
		chain := digitChain(s, i)
		for a := 0; a < len(chain); {
			n := chain[a].end - chain[a].start
			z := a
			for z+1 < len(chain) && n+chain[z+1].end-chain[z+1].start <= maxPersonalDigits {
				z++
				n += chain[z].end - chain[z].start
			}
			if n >= minPersonalDigits && !roundAmount(s, chain[a:z+1]) {
				start := chain[a].start
				// Take a leading "+" or "(" (as in "+84", "(024)", "(+84)") too.
				for start > 0 && (s[start-1] == '+' || s[start-1] == '(') {
					start--
				}
				end := chain[z].end
				if end < len(s) && s[end] == ')' {
					end++
				}
				if start < last {
					start = last
				}
				b.WriteString(s[last:start])
				b.WriteString(Mask)
				last = end
			}
			a = z + 1
		}
		i = chain[len(chain)-1].end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// digitChain returns the groups of digits starting at i that are joined by
// short separators (one or two of space, dot, dash, brackets, no-break
// space), as people write phone numbers.
func digitChain(s string, i int) []group {
	var chain []group
	for {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		g := group{start: i, end: j}
		k, seps := j, 0
		for k < len(s) && seps < 2 {
			r, size := utf8.DecodeRuneInString(s[k:])
			if r != ' ' && r != '.' && r != '-' && r != '(' && r != ')' && r != '\u00a0' {
				break
			}
			k += size
			seps++
		}
		if seps == 0 || k >= len(s) || !isDigit(s[k]) {
			chain = append(chain, g)
			return chain
		}
		g.sep = s[j:k]
		chain = append(chain, g)
		i = k
	}
}

// roundAmount reports whether the groups read as a round amount with
// thousands dots: 1 to 3 digits not starting with 0, then groups of exactly
// three, the last one "000".
func roundAmount(s string, gs []group) bool {
	if len(gs) < 2 {
		return false
	}
	first := s[gs[0].start:gs[0].end]
	if len(first) > 3 || first[0] == '0' {
		return false
	}
	for k, g := range gs {
		if k < len(gs)-1 && g.sep != "." {
			return false
		}
		if k > 0 && g.end-g.start != 3 {
			return false
		}
	}
	last := gs[len(gs)-1]
	return s[last.start:last.end] == "000"
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
