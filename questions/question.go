package questions

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/vntext"
)

// Limits of one question, in characters (runes).
const (
	MinOptions        = 2
	MaxOptions        = 6
	MaxTextLen        = 2000
	MaxOptionLen      = 500
	MaxCategoryLen    = 150
	MaxExplanationLen = 4000
	MaxLegalRefLen    = 500
)

// Status of a question: retired questions stay in the bank (attempts that
// showed them keep working) but are never drawn again.
type Status string

const (
	Active  Status = "active"
	Retired Status = "retired"
)

// Actor is who makes a change, for the audit log. ID 0 means the system
// (for example the demo seed), stored without a user.
type Actor = audit.Actor

// Question is a question's current version as an organizer sees it, with
// the correct option. Never send it to a participant.
type Question struct {
	ID             int64      `json:"id,string"`
	VersionID      int64      `json:"version_id,string"`
	Version        int        `json:"version"`
	Text           string     `json:"text"`
	Options        []Option   `json:"options"` // in the author's order
	Correct        int        `json:"correct"` // index into Options
	Category       string     `json:"category"`
	Difficulty     Difficulty `json:"difficulty"`
	Explanation    string     `json:"explanation"`
	LegalReference string     `json:"legal_reference"`
	Status         Status     `json:"status"`
	// Drawn says some version was shown in a paper: deleting retires it.
	Drawn     bool      `json:"drawn"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NoCorrect in Input.Correct means no correct option was chosen.
const NoCorrect = -1

// Input is a new question as an organizer writes it: options as texts, the
// correct one by index (NoCorrect when none was chosen).
type Input struct {
	Text           string
	Options        []string
	Correct        int
	Category       string
	Difficulty     Difficulty
	Explanation    string
	LegalReference string
}

// Patch changes some fields of a question; nil fields stay as they are.
// Changing the content makes a new version. When Options change without
// Correct, the correct option is the one with the old correct text, if it
// is still there. Version, when set, must be the current version number,
// so two organizers editing at once cannot silently overwrite each other.
type Patch struct {
	Text           *string
	Options        *[]string
	Correct        *int
	Category       *string
	Difficulty     *Difficulty
	Explanation    *string
	LegalReference *string
	Status         *Status
	Version        *int
}

// content is a validated, normalized question version.
type content struct {
	text        string
	options     []string
	correct     int
	category    string
	difficulty  Difficulty
	explanation string
	legalRef    string
}

// ParseDifficulty accepts the English codes and the Vietnamese words, in
// any case, with or without diacritics.
func ParseDifficulty(s string) (Difficulty, bool) {
	switch vntext.Fold(s) {
	case "easy", "de":
		return Easy, true
	case "medium", "trung binh":
		return Medium, true
	case "hard", "kho":
		return Hard, true
	}
	return "", false
}

// validDifficulty reports whether d is one of the three codes exactly.
func validDifficulty(d Difficulty) bool { return d == Easy || d == Medium || d == Hard }

// normalize cleans in and checks it, recording problems in f under the
// field names of the JSON API (text, options, options[i], correct,
// category, difficulty, explanation, legal_reference).
func normalize(in Input, f *apperr.Fields) content {
	c := content{
		text:        vntext.CleanMultiline(in.Text),
		category:    vntext.Clean(in.Category),
		difficulty:  in.Difficulty,
		explanation: vntext.CleanMultiline(in.Explanation),
		legalRef:    vntext.Clean(in.LegalReference),
		correct:     in.Correct,
	}
	checkLen(f, "text", c.text, MaxTextLen, "question.text_required", "question.text_too_long")
	checkLen(f, "category", c.category, MaxCategoryLen, "question.category_required", "question.category_too_long")
	checkLen(f, "explanation", c.explanation, MaxExplanationLen, "", "question.explanation_too_long")
	checkLen(f, "legal_reference", c.legalRef, MaxLegalRefLen, "", "question.legal_reference_too_long")
	switch {
	case c.difficulty == "":
		f.Add("difficulty", "question.difficulty_required")
	case !validDifficulty(c.difficulty):
		f.Add("difficulty", "question.difficulty_invalid")
	}

	if len(in.Options) < MinOptions || len(in.Options) > MaxOptions {
		f.Add("options", "question.options_count", MinOptions, MaxOptions)
	}
	seen := map[string]int{}
	for i, o := range in.Options {
		o = vntext.Clean(o)
		c.options = append(c.options, o)
		field := fmt.Sprintf("options[%d]", i)
		if !checkLen(f, field, o, MaxOptionLen, "question.option_empty", "question.option_too_long") {
			continue
		}
		// Options differing only in case are the same answer to a reader.
		k := strings.ToLower(o)
		if j, dup := seen[k]; dup {
			f.Add(field, "question.option_duplicate", Letter(j))
			continue
		}
		seen[k] = i
	}
	switch {
	case c.correct == NoCorrect:
		f.Add("correct", "question.correct_required")
	case c.correct < 0 || c.correct >= len(c.options):
		f.Add("correct", "question.correct_out_of_range")
	}
	return c
}

// checkLen records a message when s is empty (if emptyKey is set) or longer
// than max runes, and reports whether s passed.
func checkLen(f *apperr.Fields, field, s string, max int, emptyKey, longKey string) bool {
	if s == "" {
		if emptyKey != "" {
			f.Add(field, emptyKey)
			return false
		}
		return true
	}
	if utf8.RuneCountInString(s) > max {
		f.Add(field, longKey, max)
		return false
	}
	return true
}

// Letter names option i as people do: A, B, C ...
func Letter(i int) string { return string(rune('A' + i)) }

// searchKey is what the organizer's search matches: folded text, options,
// category and legal reference.
func (c content) searchKey() string {
	parts := append([]string{c.text}, c.options...)
	parts = append(parts, c.category, c.legalRef)
	return vntext.Fold(strings.Join(parts, "\n"))
}

// dupKey is the duplicate rule: two questions are the same when their text
// and their set of options are equal ignoring case, diacritics, white space
// and option order. A hash keeps the unique index small.
func (c content) dupKey() string {
	opts := make([]string, len(c.options))
	for i, o := range c.options {
		opts[i] = vntext.Fold(o)
	}
	slices.Sort(opts)
	h := sha256.New()
	h.Write([]byte(vntext.Fold(c.text)))
	for _, o := range opts {
		h.Write([]byte{0})
		h.Write([]byte(o))
	}
	return hex.EncodeToString(h.Sum(nil))
}

var optionIDEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// newOptionIDs returns n distinct random ids. They are random so that an id
// says nothing about the option's position or whether it is correct.
func newOptionIDs(n int) []string {
	ids := make([]string, 0, n)
	b := make([]byte, 5) // 40 bits: 8 characters
	for len(ids) < n {
		rand.Read(b)
		id := optionIDEncoding.EncodeToString(b)
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// options pairs the content's option texts with fresh ids.
func (c content) withIDs() (opts []Option, correctID string) {
	ids := newOptionIDs(len(c.options))
	opts = make([]Option, len(c.options))
	for i, t := range c.options {
		opts[i] = Option{ID: ids[i], Text: t}
	}
	return opts, ids[c.correct]
}

// contentOf turns a stored question back into content, to apply a patch.
func contentOf(q Question) content {
	c := content{
		text:        q.Text,
		correct:     q.Correct,
		category:    q.Category,
		difficulty:  q.Difficulty,
		explanation: q.Explanation,
		legalRef:    q.LegalReference,
	}
	for _, o := range q.Options {
		c.options = append(c.options, o.Text)
	}
	return c
}

func (c content) equal(d content) bool {
	return c.text == d.text && slices.Equal(c.options, d.options) && c.correct == d.correct &&
		c.category == d.category && c.difficulty == d.difficulty &&
		c.explanation == d.explanation && c.legalRef == d.legalRef
}

// apply returns the input that results from applying p to the current
// question q.
func (p Patch) apply(q Question, f *apperr.Fields) Input {
	cur := contentOf(q)
	in := Input{
		Text: cur.text, Options: cur.options, Correct: cur.correct, Category: cur.category,
		Difficulty: cur.difficulty, Explanation: cur.explanation, LegalReference: cur.legalRef,
	}
	if p.Text != nil {
		in.Text = *p.Text
	}
	if p.Category != nil {
		in.Category = *p.Category
	}
	if p.Difficulty != nil {
		in.Difficulty = *p.Difficulty
	}
	if p.Explanation != nil {
		in.Explanation = *p.Explanation
	}
	if p.LegalReference != nil {
		in.LegalReference = *p.LegalReference
	}
	if p.Options != nil {
		in.Options = *p.Options
		if p.Correct == nil {
			// Keep the same answer, not the same position: reordering
			// options must not silently change which one is right.
			in.Correct = NoCorrect
			old := strings.ToLower(cur.options[cur.correct])
			for i, o := range in.Options {
				if strings.ToLower(vntext.Clean(o)) == old {
					in.Correct = i
					break
				}
			}

		}
	}
	if p.Correct != nil {
		in.Correct = *p.Correct
	}
	return in
}
