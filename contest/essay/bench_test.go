package essay

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// BenchmarkPlan1000Essays30Judges: a large contest's assignment run.
func BenchmarkPlan1000Essays30Judges(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	var judges []PlanJudge
	for i := 0; i < 30; i++ {
		judges = append(judges, PlanJudge{ID: int64(i + 1), UnitID: int64(r.Intn(40))})
	}
	var essays []PlanEssay
	for i := 0; i < 1000; i++ {
		essays = append(essays, PlanEssay{ID: int64(i + 1), UnitID: int64(1 + r.Intn(40)), Need: 2})
	}
	for b.Loop() {
		Plan(essays, judges)
	}
}

// BenchmarkNearDuplicates500Essays: 500 essays of about 800 words drawn
// from a shared vocabulary (so they overlap in single words, as real essays
// on one topic do), with a handful of copies.
func BenchmarkNearDuplicates500Essays(b *testing.B) {
	r := rand.New(rand.NewSource(2))
	vocab := strings.Fields(vocabText)
	docs := make([]DupDoc, 500)
	for i := range docs {
		var sb strings.Builder
		for w := 0; w < 800; w++ {
			sb.WriteString(vocab[r.Intn(len(vocab))])
			sb.WriteByte(' ')
		}
		docs[i] = DupDoc{ID: int64(i + 1), Code: fmt.Sprint(i), Text: sb.String()}
	}
	for i := 0; i < 5; i++ {
		docs[100+i].Text = docs[i].Text
	}
	for b.Loop() {
		if got := FindNearDuplicates(docs); len(got) != 5 {
			b.Fatalf("%d pairs", len(got))
		}
	}
}

var vocabText = essayOne + " " + essayTwo
