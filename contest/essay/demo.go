package essay

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// DemoEssay is one essay of the demo data (server/demodata/essays.json).
type DemoEssay struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// DemoSeed is what the demo needs: essays and one participant per essay,
// and the judges to assign in the contest that is already being judged.
type DemoSeed struct {
	Essays    []DemoEssay
	AuthorIDs []int64 // participants; the i-th writes essay i
	JudgeIDs  []int64
}

// Demo contest titles; SeedDemo finds its contests by them, so running it
// again adds nothing.
const (
	demoOpenTitle    = "Viết về hành động đẹp trên không gian mạng (demo)"
	demoJudgingTitle = "Viết về hành động đẹp trên không gian mạng — đợt 1 (demo, đang chấm)"
)

// SeedDemo adds two demo essay contests with the standard rubric: one open
// for submissions holding the first half of the essays, and one that has
// ended, holding the rest, with its essays assigned to the judges so they
// have work to score. It returns the two contest ids (open, judging).
func SeedDemo(ctx context.Context, db *sqlx.DB, now time.Time, seed DemoSeed) (int64, int64, error) {
	s := &Service{db: db}
	n := min(len(seed.Essays), len(seed.AuthorIDs))
	half := (n + 1) / 2
	var open, judging int64
	var created bool
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if open, _, err = demoContest(ctx, tx, s, demoOpenTitle, now.Add(-7*24*time.Hour), now.Add(30*24*time.Hour), seed.Essays[:half], seed.AuthorIDs[:half], now); err != nil {
			return err
		}
		judging, created, err = demoContest(ctx, tx, s, demoJudgingTitle, now.Add(-40*24*time.Hour), now.Add(-24*time.Hour), seed.Essays[half:n], seed.AuthorIDs[half:n], now.Add(-3*24*time.Hour))
		return err
	})
	if err != nil || !created || len(seed.JudgeIDs) == 0 {
		return open, judging, err
	}
	// Assignment runs as the organizers' own step would, at the present time.
	s.clock = fixedClock(now)
	_, err = s.Assign(ctx, Actor{Role: RoleOrganizer}, judging, AssignRequest{JudgeIDs: seed.JudgeIDs})
	return open, judging, err
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// demoContest finds or makes one demo contest with its rubric and essays.
func demoContest(ctx context.Context, tx *sqlx.Tx, s *Service, title string, starts, ends time.Time, essays []DemoEssay, authors []int64, submitted time.Time) (int64, bool, error) {
	id, err := s.st.contestByTitle(ctx, tx, title)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	if id, err = s.st.insertDemoContest(ctx, tx, title, starts, ends); err != nil {
		return 0, false, err
	}
	r, err := demoRubric().Validate()
	if err != nil {
		return 0, false, err
	}
	if err := s.st.saveRubric(ctx, tx, id, 1, r, submitted); err != nil {
		return 0, false, err
	}
	for i, e := range essays {
		a, err := s.st.author(ctx, tx, authors[i])
		if err != nil {
			return 0, false, err
		}
		title, body, words, err := Draft{Title: e.Title, Body: e.Body}.clean(20000, false)
		if err != nil {
			return 0, false, err
		}
		ne := newEssay{ContestID: id, AuthorID: authors[i], UnitID: a.UnitID, Title: title, Body: body, WordCount: words,
			Now: submitted, MaskedTitle: MaskPersonal(title, a.FullName, a.UnitName.String),
			MaskedBody: MaskPersonal(body, a.FullName, a.UnitName.String)}
		for try := 0; ; try++ {
			ne.Code = newCode()
			_, err = s.st.insertEssay(ctx, tx, ne)
			if errors.Is(err, errCodeTaken) && try < 5 {
				continue
			}
			break
		}
		if err != nil && !errors.Is(err, errAlreadyEntered) {
			return 0, false, err
		}
	}
	return id, true, nil
}

// demoRubric is a rubric like those of Vietnamese essay contests.
func demoRubric() Rubric {
	return Rubric{
		{Key: "content", Name: "Nội dung", MaxPoints: 40, Description: "Đúng chủ đề, câu chuyện có thật, cụ thể, có sức thuyết phục."},
		{Key: "message", Name: "Thông điệp về ứng xử trên mạng", MaxPoints: 30, Description: "Lan tỏa hành động đẹp, phù hợp Bộ quy tắc ứng xử trên mạng xã hội."},
		{Key: "creativity", Name: "Tính sáng tạo", MaxPoints: 20, Description: "Cách kể, góc nhìn mới mẻ."},
		{Key: "language", Name: "Ngôn ngữ, trình bày", MaxPoints: 10, Description: "Trong sáng, đúng chính tả, bố cục rõ ràng."},
	}
}
