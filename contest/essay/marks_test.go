package essay

import (
	"testing"

	"lawcontest/apperr"
)

func TestFinalMark(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rule   FinalRule
		scores []float64
		want   float64
	}{
		{RuleClosestTwoMean, []float64{80, 60}, 70},
		{RuleClosestTwoMean, []float64{80, 58, 75}, 77.5},
		{RuleClosestTwoMean, []float64{50, 90, 85.5}, 87.75},
		{RuleClosestTwoMean, []float64{60, 70, 80}, 70},
		{RuleClosestTwoMean, []float64{72}, 72},
		{RuleMean, []float64{80, 58, 75}, 71},
		{RuleMean, []float64{10, 20, 20}, 16.67},
		{RuleMedian, []float64{80, 58, 75}, 75},
		{RuleMedian, []float64{80, 60}, 70},
		{RuleClosestTwoMean, nil, 0},
	}
	for _, c := range cases {
		if got := FinalMark(c.rule, c.scores); got != c.want {
			t.Errorf("FinalMark(%s, %v) = %v, want %v", c.rule, c.scores, got, c.want)
		}
	}
}

func TestDiscrepant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		scores    []float64
		threshold float64
		want      bool
	}{
		{[]float64{80, 60}, 20, true},
		{[]float64{80, 60.25}, 20, false},
		{[]float64{60, 80}, 20, true},
		{[]float64{70, 75, 90}, 20, true},
		{[]float64{70}, 20, false},
	}
	for _, c := range cases {
		if got := Discrepant(c.scores, c.threshold); got != c.want {
			t.Errorf("Discrepant(%v, %v) = %v", c.scores, c.threshold, got)
		}
	}
}

func testRubric() Rubric {
	return Rubric{
		{Key: "content", Name: "Nội dung", MaxPoints: 40},
		{Key: "message", Name: "Thông điệp về ứng xử trên mạng", MaxPoints: 30},
		{Key: "creativity", Name: "Sáng tạo", MaxPoints: 20},
		{Key: "language", Name: "Ngôn ngữ", MaxPoints: 10},
	}
}

func TestRubricValidate(t *testing.T) {
	t.Parallel()
	r, err := testRubric().Validate()
	if err != nil || r.Total() != 100 {
		t.Fatalf("valid rubric refused: %v (total %v)", err, r.Total())
	}
	bad := []struct {
		name  string
		r     Rubric
		field string
	}{
		{"empty", Rubric{}, "criteria"},
		{"bad key", Rubric{{Key: "Nội dung", Name: "x", MaxPoints: 10}}, "criteria[0].key"},
		{"duplicate key", Rubric{{Key: "a", Name: "x", MaxPoints: 10}, {Key: "a", Name: "y", MaxPoints: 10}}, "criteria[1].key"},
		{"no name", Rubric{{Key: "a", Name: "  ", MaxPoints: 10}}, "criteria[0].name"},
		{"zero max", Rubric{{Key: "a", Name: "x", MaxPoints: 0}}, "criteria[0].max_points"},
		{"odd step", Rubric{{Key: "a", Name: "x", MaxPoints: 10.1}}, "criteria[0].max_points"},
	}
	for _, c := range bad {
		_, err := c.r.Validate()
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Validation {
			t.Errorf("%s: got %v, want a validation error", c.name, err)
			continue
		}
		if _, ok := e.Fields[c.field]; !ok {
			t.Errorf("%s: fields %v lack %s", c.name, e.Fields, c.field)
		}
	}
}

func TestCheckScores(t *testing.T) {
	t.Parallel()
	r := testRubric()
	total, err := r.CheckScores(map[string]float64{"content": 35.5, "message": 25, "creativity": 15.25, "language": 8}, true)
	if err != nil || total != 83.75 {
		t.Fatalf("got %v, %v", total, err)
	}
	if total, err := r.CheckScores(map[string]float64{"content": 30}, false); err != nil || total != 30 {
		t.Fatalf("a partial draft is allowed: %v, %v", total, err)
	}
	bad := []struct {
		name   string
		scores map[string]float64
		final  bool
		field  string
	}{
		{"above max", map[string]float64{"content": 41}, false, "scores.content"},
		{"negative", map[string]float64{"language": -1}, false, "scores.language"},
		{"not a quarter", map[string]float64{"language": 5.1}, false, "scores.language"},
		{"unknown", map[string]float64{"style": 5}, false, "scores.style"},
		{"missing in final", map[string]float64{"content": 30, "message": 20, "creativity": 10}, true, "scores.language"},
	}
	for _, c := range bad {
		_, err := r.CheckScores(c.scores, c.final)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Validation {
			t.Errorf("%s: got %v", c.name, err)
			continue
		}
		if _, ok := e.Fields[c.field]; !ok {
			t.Errorf("%s: fields %v lack %s", c.name, e.Fields, c.field)
		}
	}
}

func TestFormatPoints(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{20: "20", 7.5: "7,5", 8.25: "8,25", 0: "0"} {
		if got := formatPoints(in); got != want {
			t.Errorf("formatPoints(%v) = %q, want %q", in, got, want)
		}
	}
}
