package contest

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/audit"
	"lawcontest/clock"
	"lawcontest/questions"
)

// DemoBlueprint is the paper of the demo rounds: 19 questions over the
// topics of the demo bank (server/demodata/questions.csv), as in DOMAIN.md
// (19 multiple choice plus the prediction question).
func DemoBlueprint() questions.Blueprint {
	return questions.Blueprint{
		{Category: "Quy tắc ứng xử trên mạng xã hội", Count: 4},
		{Category: "Luật An ninh mạng", Count: 3},
		{Category: "Luật An toàn thông tin mạng", Count: 3},
		{Category: "Bảo vệ trẻ em trên môi trường mạng", Count: 3},
		{Category: "Luật Tiếp cận thông tin", Count: 3},
		{Category: "Xử phạt vi phạm hành chính trên không gian mạng", Count: 3},
	}
}

// SeedDemo creates, once, the demo quiz contest of `lawcontest seed demo`:
// a round open now (3 attempts, with the prediction question), a practice
// round open now and a round that opens tomorrow at 07:00 in Hà Nội, all
// drawing papers by bp (DemoBlueprint when nil) from bank. It returns the contest's id; a second
// call finds the contest made by the first and changes nothing.
func SeedDemo(ctx context.Context, db *sqlx.DB, bank Bank, clk clock.Clock, bp questions.Blueprint) (int64, error) {
	if bp == nil {
		bp = DemoBlueprint()
	}
	s := New(db, bank, nil, clk, Options{})
	if id, ok, err := s.st.demoContest(ctx); err != nil || ok {
		return id, err
	}
	now := s.now()
	y, m, d := now.In(Hanoi()).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, Hanoi()).UTC()
	system := audit.System
	c, err := s.CreateContest(ctx, system, ContestInput{
		Kind:  KindQuiz,
		Title: "Cuộc thi tìm hiểu pháp luật về ứng xử trên không gian mạng (thử nghiệm)",
		Description: "Cuộc thi trắc nghiệm trực tuyến tìm hiểu Bộ Quy tắc ứng xử trên mạng xã hội, " +
			"Luật An ninh mạng, Luật Trẻ em và các quy định xử phạt vi phạm hành chính trên môi trường mạng.",
		Rules: "Mỗi đợt thi mở trong thời gian ghi ở từng đợt. Mỗi lượt thi có thời gian làm bài riêng, tính theo đồng hồ của máy chủ.\n\n" +
			"Người dự thi được thi tối đa số lượt ghi ở từng đợt; lượt có kết quả tốt nhất được tính. " +
			"Xếp hạng theo số câu trả lời đúng, sau đó theo câu hỏi dự đoán, thời gian làm bài và thời điểm nộp bài.",
		StartsAt:  today.Add(-24 * time.Hour),
		EndsAt:    today.Add(60 * 24 * time.Hour),
		Published: true,
	})
	if err != nil {
		return 0, err
	}
	rounds := []RoundInput{
		{
			Title: "Đợt 1", OpensAt: today, ClosesAt: today.Add(7*24*time.Hour - time.Minute),
			DurationMS: 15 * 60_000, MaxAttempts: 3, PointsPerQuestion: 5, Blueprint: bp,
			PredictionQuestion: "Theo bạn, sẽ có bao nhiêu người trả lời đúng tất cả các câu hỏi của đợt thi này?",
		},
		{
			Title: "Thi thử", OpensAt: today, ClosesAt: today.Add(59 * 24 * time.Hour),
			DurationMS: 10 * 60_000, PointsPerQuestion: 5, Blueprint: bp, Practice: true,
		},
		{
			Title: "Đợt 2", OpensAt: today.Add(24*time.Hour + 7*time.Hour), ClosesAt: today.Add(14*24*time.Hour - time.Minute),
			DurationMS: 15 * 60_000, MaxAttempts: 1, PointsPerQuestion: 5, Blueprint: bp,
		},
	}
	for _, in := range rounds {
		if _, err := s.CreateRound(ctx, system, c.ID, in); err != nil {
			return 0, err
		}
	}
	return c.ID, s.st.markDemo(ctx, c.ID)
}
