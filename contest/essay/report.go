package essay

import (
	"context"
	"slices"
	"sort"
)

// Stat summarizes a set of final scores.
type Stat struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	SD    float64 `json:"sd"` // sample standard deviation
}

func statOf(xs []float64) Stat {
	return Stat{Count: len(xs), Mean: round2(mean(xs)), SD: round2(sampleSD(xs))}
}

// JudgeProgress is one judge's line on the judging page.
type JudgeProgress struct {
	JudgeID  int64   `json:"judge_id,string"`
	Name     string  `json:"name"`
	Assigned int     `json:"assigned"`
	Drafts   int     `json:"drafts"`
	Final    int     `json:"final"`
	Stat     Stat    `json:"stat"`
	Offset   float64 `json:"offset"` // mean minus the panel's mean: negative is harsh
}

// SeatScore is one judge's score of an essay on the judging page.
type SeatScore struct {
	JudgeID int64    `json:"judge_id,string"`
	Name    string   `json:"name"`
	Seat    string   `json:"seat"`
	Status  string   `json:"status"`
	Total   *float64 `json:"total"`
	Z       *float64 `json:"z"` // the score standardized by its judge's mean and spread
}

// EssayMark is one essay's line on the judging page.
type EssayMark struct {
	EssayID    int64       `json:"essay_id,string"`
	Code       string      `json:"code"`
	Title      string      `json:"title"`
	AuthorName string      `json:"author_name"`
	Status     string      `json:"status"` // unassigned, pending, third_needed, final
	Mark       *float64    `json:"mark"`
	Spread     *float64    `json:"spread"` // highest minus lowest final score
	ZMean      *float64    `json:"z_mean"`
	ZRank      int         `json:"z_rank"` // rank by ZMean (0 until every seat is final)
	Scores     []SeatScore `json:"scores"`
}

// JudgingReport is the organizers' view of a stage's judging.
type JudgingReport struct {
	Stage         int             `json:"stage"`
	Settings      Settings        `json:"settings"`
	Essays        int             `json:"essays"`
	Complete      int             `json:"complete"`
	WaitingThird  int             `json:"waiting_third"`
	Panel         Stat            `json:"panel"`
	Judges        []JudgeProgress `json:"judges"`
	Discrepancies []EssayMark     `json:"discrepancies"`
	Marks         []EssayMark     `json:"marks"`
}

// Judging returns progress per judge, each judge's mean and spread next to
// the panel's, the essays with a discrepancy, and every essay's mark with
// its z-score rank (each judge's scores standardized by that judge's own
// mean and spread, so a harsh or lenient judge does not move an essay).
func (s *Service) Judging(ctx context.Context, contestID int64, stage int) (JudgingReport, error) {
	if _, err := s.essayContest(ctx, s.db, contestID); err != nil {
		return JudgingReport{}, err
	}
	var err error
	if stage == 0 {
		if stage, err = s.st.currentStage(ctx, s.db, contestID); err != nil {
			return JudgingReport{}, err
		}
	}
	if err := checkStage(stage); err != nil {
		return JudgingReport{}, err
	}
	set, err := s.st.settings(ctx, s.db, contestID)
	if err != nil {
		return JudgingReport{}, err
	}
	rows, err := s.st.judgingRows(ctx, s.db, contestID, stage)
	if err != nil {
		return JudgingReport{}, err
	}
	return buildReport(stage, set, rows), nil
}

func buildReport(stage int, set Settings, rows []judgingRow) JudgingReport {
	rep := JudgingReport{Stage: stage, Settings: set, Judges: []JudgeProgress{}, Discrepancies: []EssayMark{}, Marks: []EssayMark{}}
	judges := map[int64]*JudgeProgress{}
	finals := map[int64][]float64{}
	var all []float64
	var order []int64
	marks := map[int64]*EssayMark{}
	for _, r := range rows {
		m, ok := marks[r.EssayID]
		if !ok {
			m = &EssayMark{EssayID: r.EssayID, Code: r.Code, Title: r.Title, AuthorName: r.AuthorName, Status: "unassigned", Scores: []SeatScore{}}
			if r.MarkStatus.Valid {
				m.Status = r.MarkStatus.String
			}
			if r.Mark.Valid {
				x := r.Mark.Float64
				m.Mark = &x
			}
			marks[r.EssayID] = m
			order = append(order, r.EssayID)
		}
		if !r.SeatID.Valid {
			continue
		}
		if m.Status == "unassigned" {
			m.Status = "pending"
		}
		j, ok := judges[r.JudgeID.Int64]
		if !ok {
			j = &JudgeProgress{JudgeID: r.JudgeID.Int64, Name: r.JudgeName.String}
			judges[r.JudgeID.Int64] = j
		}
		j.Assigned++
		sc := SeatScore{JudgeID: r.JudgeID.Int64, Name: r.JudgeName.String, Seat: r.Seat.String, Status: r.Status.String}
		switch r.Status.String {
		case "draft":
			j.Drafts++
		case "final":
			j.Final++
			x := r.Total.Float64
			sc.Total = &x
			finals[j.JudgeID] = append(finals[j.JudgeID], x)
			all = append(all, x)
		}
		m.Scores = append(m.Scores, sc)
	}
	rep.Panel = statOf(all)
	for id, j := range judges {
		j.Stat = statOf(finals[id])
		if j.Final > 0 {
			j.Offset = round2(j.Stat.Mean - rep.Panel.Mean)
		}
		rep.Judges = append(rep.Judges, *j)
	}
	sort.Slice(rep.Judges, func(a, b int) bool {
		return rep.Judges[a].Name < rep.Judges[b].Name || (rep.Judges[a].Name == rep.Judges[b].Name && rep.Judges[a].JudgeID < rep.Judges[b].JudgeID)
	})

	var ranked []*EssayMark
	for _, id := range order {
		m := marks[id]
		var zs, totals []float64
		complete := len(m.Scores) > 0
		for i, sc := range m.Scores {
			if sc.Total == nil {
				complete = false
				continue
			}
			totals = append(totals, *sc.Total)
			st := judges[sc.JudgeID].Stat
			z := 0.0
			if st.SD > 0 {
				z = (*sc.Total - st.Mean) / st.SD
			}
			z = round2(z)
			m.Scores[i].Z = &z
			zs = append(zs, z)
		}
		if len(totals) >= 2 {
			sp := round2(slices.Max(totals) - slices.Min(totals))
			m.Spread = &sp
		}
		if complete && len(zs) > 0 {
			z := round2(mean(zs))
			m.ZMean = &z
			ranked = append(ranked, m)
		}
		rep.Essays++
		switch m.Status {
		case "final":
			rep.Complete++
		case "third_needed":
			rep.WaitingThird++
		}
		hasThird := false
		for _, sc := range m.Scores {
			hasThird = hasThird || sc.Seat == "third"
		}
		if m.Status == "third_needed" || hasThird {
			rep.Discrepancies = append(rep.Discrepancies, *m)
		}
	}
	sort.SliceStable(ranked, func(a, b int) bool { return *ranked[a].ZMean > *ranked[b].ZMean })
	for i, m := range ranked {
		m.ZRank = i + 1
	}
	for _, id := range order {
		rep.Marks = append(rep.Marks, *marks[id])
	}
	// Discrepancies were copied before z ranks were set; refresh them.
	for i, d := range rep.Discrepancies {
		rep.Discrepancies[i] = *marks[d.EssayID]
	}
	return rep
}
