package questions

import (
	"context"
	"sync/atomic"
	"testing"
)

// benchBank is a 1,000-question bank over four categories and a 20-question
// blueprint (per category: 2 easy, 2 medium, 1 hard), like a real round.
func benchBank(b *testing.B) (*Bank, Blueprint) {
	bank, _, _ := newTestBank(b)
	cats := []string{"Luật An ninh mạng", "Luật Trẻ em", "Bộ Quy tắc ứng xử trên mạng xã hội", "Luật Tiếp cận thông tin"}
	if _, err := importBytes(b, bank, "bench.csv", csvBytes(b, ',', false, englishHeader, genRows(1000, cats...))); err != nil {
		b.Fatal(err)
	}
	var bp Blueprint
	for _, c := range cats {
		bp = append(bp, BlueprintPart{Category: c, Difficulty: Easy, Count: 2},
			BlueprintPart{Category: c, Difficulty: Medium, Count: 2}, BlueprintPart{Category: c, Difficulty: Hard, Count: 1})
	}
	// Warm up: load the candidates and record every version as drawn, as
	// a server would be a few seconds into a round.
	for seed := range int64(2000) {
		if _, err := bank.Draw(context.Background(), bp, seed); err != nil {
			b.Fatal(err)
		}
	}
	return bank, bp
}

// BenchmarkDraw measures one goroutine's draws per second (the clock is a
// fake, so the once-a-second revision check never runs: it adds one
// single-row read per second per instance).
func BenchmarkDraw(b *testing.B) {
	bank, bp := benchBank(b)
	ctx := context.Background()
	seed := int64(0)
	b.ReportAllocs()
	for b.Loop() {
		seed++
		if _, err := bank.Draw(ctx, bp, seed); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "draws/s")
}

// BenchmarkDrawParallel measures draws per second with every core drawing.
func BenchmarkDrawParallel(b *testing.B) {
	bank, bp := benchBank(b)
	ctx := context.Background()
	var seed atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := bank.Draw(ctx, bp, seed.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "draws/s")
}
