package essay

import (
	"math"
	"sort"
)

// FinalRule says how an essay's final mark follows from its judges' final
// scores. It is a per-contest setting, published with the rules.
type FinalRule string

const (
	// RuleClosestTwoMean is the mean of the two closest scores (with two
	// scores, their mean). When two pairs are equally close, the mean of
	// those pairs' means: for 60, 70, 80 that is 70.
	RuleClosestTwoMean FinalRule = "closest_two_mean"
	// RuleMean is the mean of all final scores.
	RuleMean FinalRule = "mean"
	// RuleMedian is the median of all final scores.
	RuleMedian FinalRule = "median"
)

// Valid reports whether r is a known rule.
func (r FinalRule) Valid() bool {
	return r == RuleClosestTwoMean || r == RuleMean || r == RuleMedian
}

// FinalMark applies rule to the final scores (at least one), rounded to
// hundredths.
func FinalMark(rule FinalRule, scores []float64) float64 {
	if len(scores) == 0 {
		return 0
	}
	s := append([]float64(nil), scores...)
	sort.Float64s(s)
	switch rule {
	case RuleMean:
		return round2(mean(s))
	case RuleMedian:
		n := len(s)
		if n%2 == 1 {
			return round2(s[n/2])
		}
		return round2((s[n/2-1] + s[n/2]) / 2)
	default:
		if len(s) == 1 {
			return round2(s[0])
		}
		// In sorted order the closest pair is adjacent.
		best := math.Inf(1)
		var means []float64
		for i := 0; i+1 < len(s); i++ {
			d := s[i+1] - s[i]
			switch {
			case d < best-1e-9:
				best = d
				means = []float64{(s[i] + s[i+1]) / 2}
			case math.Abs(d-best) <= 1e-9:
				means = append(means, (s[i]+s[i+1])/2)
			}
		}
		return round2(mean(means))
	}
}

// Discrepant reports whether the scores spread by at least threshold, the
// condition that brings in one more judge.
func Discrepant(scores []float64, threshold float64) bool {
	if len(scores) < 2 {
		return false
	}
	lo, hi := scores[0], scores[0]
	for _, x := range scores[1:] {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return hi-lo >= threshold-1e-9
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t / float64(len(xs))
}

// sampleSD is the sample standard deviation (0 for fewer than two values).
func sampleSD(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m := mean(xs)
	ss := 0.0
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}
