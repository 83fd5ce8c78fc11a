package essay

import (
	"fmt"
	"math"
	"regexp"
	"unicode/utf8"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// Criterion is one line of a rubric: a judge gives it 0 to MaxPoints.
type Criterion struct {
	Key         string  `json:"key"`
	Name        string  `json:"name"`
	MaxPoints   float64 `json:"max_points"`
	Description string  `json:"description"`
}

// Rubric is the ordered list of criteria of one stage of a contest.
type Rubric []Criterion

const (
	maxCriteria      = 20
	maxCriterionName = 200
	maxCriterionDesc = 2000
	maxRubricTotal   = 1000
	// Points are given in quarter points, as Vietnamese marking sheets do
	// (7.25, 8.5), so totals stay exact in numeric(7,2).
	pointStep = 0.25
)

var criterionKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Validate returns the rubric with its texts cleaned, or a validation error
// naming each bad field as criteria[i].field.
func (r Rubric) Validate() (Rubric, error) {
	var f apperr.Fields
	if len(r) == 0 {
		f.Add("criteria", "essay.rubric_empty")
		return nil, f.Err()
	}
	if len(r) > maxCriteria {
		f.Add("criteria", "essay.rubric_too_many", maxCriteria)
		return nil, f.Err()
	}
	out := make(Rubric, len(r))
	seen := map[string]bool{}
	total := 0.0
	for i, c := range r {
		field := fmt.Sprintf("criteria[%d].", i)
		c.Name = vntext.Clean(c.Name)
		c.Description = vntext.CleanMultiline(c.Description)
		switch {
		case !criterionKeyRE.MatchString(c.Key):
			f.Add(field+"key", "essay.criterion_key_invalid")
		case seen[c.Key]:
			f.Add(field+"key", "essay.criterion_key_duplicate")
		}
		seen[c.Key] = true
		if c.Name == "" {
			f.Add(field+"name", "error.required")
		} else if utf8.RuneCountInString(c.Name) > maxCriterionName {
			f.Add(field+"name", "error.too_long", maxCriterionName)
		}
		if utf8.RuneCountInString(c.Description) > maxCriterionDesc {
			f.Add(field+"description", "error.too_long", maxCriterionDesc)
		}
		if !(c.MaxPoints > 0) || c.MaxPoints > maxRubricTotal || !onStep(c.MaxPoints) {
			f.Add(field+"max_points", "essay.criterion_max_invalid")
		}
		total += c.MaxPoints
		out[i] = c
	}
	if total > maxRubricTotal {
		f.Add("criteria", "essay.rubric_total_too_large", maxRubricTotal)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Total is the highest mark the rubric can give.
func (r Rubric) Total() float64 {
	t := 0.0
	for _, c := range r {
		t += c.MaxPoints
	}
	return round2(t)
}

// CheckScores validates a judge's points against the rubric and returns
// their total. A draft may leave criteria out; a final score must give every
// criterion. Unknown keys and points outside 0..max (or not in quarter
// points) are refused, each under "scores.<key>".
func (r Rubric) CheckScores(scores map[string]float64, final bool) (float64, error) {
	var f apperr.Fields
	known := make(map[string]Criterion, len(r))
	for _, c := range r {
		known[c.Key] = c
	}
	for k := range scores {
		if _, ok := known[k]; !ok {
			f.Add("scores."+k, "essay.criterion_unknown")
		}
	}
	total := 0.0
	for _, c := range r {
		p, ok := scores[c.Key]
		if !ok {
			if final {
				f.Add("scores."+c.Key, "essay.score_missing")
			}
			continue
		}
		if math.IsNaN(p) || p < 0 || p > c.MaxPoints || !onStep(p) {
			f.Add("scores."+c.Key, "essay.score_out_of_range", formatPoints(c.MaxPoints))
			continue
		}
		total += p
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	return round2(total), nil
}

func onStep(p float64) bool {
	q := p / pointStep
	return math.Abs(q-math.Round(q)) < 1e-9
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// formatPoints writes points the Vietnamese way: "7,5", "20".
func formatPoints(p float64) string {
	s := fmt.Sprintf("%.2f", p)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	b := []byte(s)
	for i := range b {
		if b[i] == '.' {
			b[i] = ','
		}
	}
	return string(b)
}
