package essay

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/vntext"
)

// AssignRequest asks for an assignment run.
type AssignRequest struct {
	JudgesPerEssay int     // 0: the contest's setting
	Stage          int     // 0: the current stage
	JudgeIDs       []int64 // the panel; empty: every active judge
}

// JudgeLoad is a judge's number of seats in a stage.
type JudgeLoad struct {
	JudgeID int64 `json:"judge_id,string"`
	Seats   int   `json:"seats"`
}

// Unfilled is an essay that still lacks judges (too few outside its unit).
type Unfilled struct {
	EssayID int64 `json:"essay_id,string"`
	Missing int   `json:"missing"`
}

// AssignReport says what an assignment run did.
type AssignReport struct {
	Stage          int         `json:"stage"`
	JudgesPerEssay int         `json:"judges_per_essay"`
	Essays         int         `json:"essays"`
	Judges         int         `json:"judges"`
	Kept           int         `json:"kept"`  // seats kept because work on them started
	Added          int         `json:"added"` // seats that did not exist before the run
	Moved          int         `json:"moved"` // untouched seats given to another judge
	ThirdJudges    int         `json:"third_judges"`
	Unfilled       []Unfilled  `json:"unfilled"`
	Loads          []JudgeLoad `json:"loads"`
}

// Assign gives every essay of the stage JudgesPerEssay judges, balanced and
// never of the author's unit. It can be run again when essays or judges are
// added: seats where a judge has saved anything stay; untouched seats may be
// planned again to keep loads even. It also brings in third judges that an
// earlier discrepancy could not find. Allowed once the contest has ended
// (essays can no longer change) and until results are published.
func (s *Service) Assign(ctx context.Context, by Actor, contestID int64, req AssignRequest) (AssignReport, error) {
	if err := requireOrganizer(by); err != nil {
		return AssignReport{}, err
	}
	var rep AssignReport
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		set, err := s.lockJudging(ctx, tx, contestID)
		if err != nil {
			return err
		}
		stage := req.Stage
		if stage == 0 {
			if stage, err = s.st.currentStage(ctx, tx, contestID); err != nil {
				return err
			}
		}
		if err := checkStage(stage); err != nil {
			return err
		}
		if r, err := s.st.rubric(ctx, tx, contestID, stage); err != nil {
			return err
		} else if len(r) == 0 {
			return apperr.New(apperr.Conflict, "essay.rubric_missing")
		}
		k := req.JudgesPerEssay
		if k == 0 {
			k = set.JudgesPerEssay
		}
		if k < 1 || k > 5 {
			return apperr.Field("judges_per_essay", "essay.judges_per_essay_invalid", 1, 5)
		}
		if k != set.JudgesPerEssay {
			set.JudgesPerEssay = k
			if err := s.st.saveSettings(ctx, tx, contestID, set, s.now()); err != nil {
				return err
			}
		}
		released, err := s.st.releaseUntouched(ctx, tx, contestID, stage)
		if err != nil {
			return err
		}
		essays, err := s.st.stageEssays(ctx, tx, contestID, stage)
		if err != nil {
			return err
		}
		if len(essays) == 0 {
			return apperr.New(apperr.Conflict, "essay.no_essays")
		}
		judges, err := s.st.activeJudges(ctx, tx, contestID, stage, req.JudgeIDs)
		if err != nil {
			return err
		}
		if len(req.JudgeIDs) > 0 && len(judges) != len(uniq(req.JudgeIDs)) {
			return apperr.Field("judge_ids", "essay.judge_unknown")
		}
		if len(judges) == 0 {
			return apperr.New(apperr.Conflict, "essay.no_judges")
		}
		prefer := map[int64][]int64{}
		for _, r := range released {
			prefer[r.EssayID] = append(prefer[r.EssayID], r.JudgeID)
		}
		pe := make([]PlanEssay, len(essays))
		for i, e := range essays {
			pe[i] = PlanEssay{ID: e.ID, UnitID: e.UnitID.Int64, Held: e.Held, Need: max(0, k-e.PanelSeats), Prefer: prefer[e.ID]}
			rep.Kept += len(e.Held)
		}
		pj := make([]PlanJudge, len(judges))
		for i, j := range judges {
			pj[i] = PlanJudge{ID: j.ID, UnitID: j.UnitID.Int64, Load: j.Load}
		}
		seats, missing := Plan(pe, pj)
		if err := s.st.insertSeats(ctx, tx, stage, "panel", seats, s.now()); err != nil {
			return err
		}
		before := map[Seat]bool{}
		for _, r := range released {
			before[r] = true
		}
		for _, st := range seats {
			if !before[st] {
				rep.Added++
			}
			delete(before, st)
		}
		rep.Moved = len(before)
		rep.Stage, rep.JudgesPerEssay, rep.Essays, rep.Judges = stage, k, len(essays), len(judges)
		rep.Unfilled = []Unfilled{}
		for id, n := range missing {
			rep.Unfilled = append(rep.Unfilled, Unfilled{EssayID: id, Missing: n})
		}
		sort.Slice(rep.Unfilled, func(a, b int) bool { return rep.Unfilled[a].EssayID < rep.Unfilled[b].EssayID })
		waiting, err := s.st.essaysWaitingThird(ctx, tx, contestID, stage)
		if err != nil {
			return err
		}
		for _, id := range waiting {
			ok, err := s.bringThird(ctx, tx, contestID, id, stage, nil)
			if err != nil {
				return err
			}
			if ok {
				rep.ThirdJudges++
			}
		}
		loads, err := s.st.activeJudges(ctx, tx, contestID, stage, req.JudgeIDs)
		if err != nil {
			return err
		}
		for _, j := range loads {
			rep.Loads = append(rep.Loads, JudgeLoad{JudgeID: j.ID, Seats: j.Load})
		}
		return s.audit(ctx, tx, by, "essay.assigned", "contest", contestID, rep)
	})
	return rep, err
}

func uniq(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// judgingOpen refuses judging steps before the contest ends and after its
// results are published.
// lockJudging locks an essay contest against concurrent judging changes
// (assignment, shortlist) and returns its settings, once judging is open.
// The caller holds tx.
func (s *Service) lockJudging(ctx context.Context, tx *sqlx.Tx, contestID int64) (Settings, error) {
	c, err := s.essayContest(ctx, tx, contestID)
	if err != nil {
		return Settings{}, err
	}
	if err := s.st.lockContest(ctx, tx, contestID); err != nil {
		return Settings{}, err
	}
	if err := s.judgingOpen(ctx, tx, c); err != nil {
		return Settings{}, err
	}
	return s.st.settings(ctx, tx, contestID)
}

func (s *Service) judgingOpen(ctx context.Context, q sqlx.QueryerContext, c contest) error {
	if s.now().Before(c.EndsAt) {
		return apperr.New(apperr.Conflict, "essay.contest_not_ended")
	}
	published, err := s.st.isPublished(ctx, q, c.ID)
	if err != nil {
		return err
	}
	if published {
		return apperr.New(apperr.Conflict, "essay.results_published")
	}
	return nil
}

// JudgeEssay is an essay as a judge sees it: no author, masked text.
type JudgeEssay struct {
	Code      string `json:"code"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	WordCount int    `json:"word_count"`
}

// JudgeAssignment is one of a judge's seats.
type JudgeAssignment struct {
	ID           int64              `json:"id,string"`
	ContestID    int64              `json:"contest_id,string"`
	ContestTitle string             `json:"contest_title"`
	Stage        int                `json:"stage"`
	Essay        JudgeEssay         `json:"essay"`
	Status       string             `json:"status"` // assigned, draft, final
	Scores       map[string]float64 `json:"scores"`
	Total        *float64           `json:"total"`
	Comment      string             `json:"comment"`
	Criteria     Rubric             `json:"criteria"`
	MaxTotal     float64            `json:"max_total"`
	UpdatedAt    time.Time          `json:"updated_at"`
	FinalizedAt  *time.Time         `json:"finalized_at"`
}

func (v judgeView) assignment() (JudgeAssignment, error) {
	a := JudgeAssignment{
		ID: v.ID, ContestID: v.ContestID, ContestTitle: v.ContestTitle, Stage: v.Stage,
		Essay:  JudgeEssay{Code: v.Code, Title: v.Title, Body: v.Body, WordCount: v.WordCount},
		Status: v.Status, Comment: v.Comment, UpdatedAt: v.UpdatedAt,
		Scores: map[string]float64{}, Criteria: Rubric{},
	}
	if err := json.Unmarshal(v.Scores, &a.Scores); err != nil {
		return a, err
	}
	if err := json.Unmarshal(v.Criteria, &a.Criteria); err != nil {
		return a, err
	}
	a.MaxTotal = a.Criteria.Total()
	if v.Total.Valid {
		t := v.Total.Float64
		a.Total = &t
	}
	if v.FinalizedAt.Valid {
		t := v.FinalizedAt.Time.UTC()
		a.FinalizedAt = &t
	}
	return a, nil
}

// JudgeAssignments returns the judge's own seats (in one contest when
// contestID is not 0), unfinished first.
func (s *Service) JudgeAssignments(ctx context.Context, by Actor, contestID int64) ([]JudgeAssignment, error) {
	if by.Role != RoleJudge {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	rows, err := s.st.judgeSeats(ctx, s.db, by.ID, contestID, 0)
	if err != nil {
		return nil, err
	}
	out := make([]JudgeAssignment, 0, len(rows))
	for _, r := range rows {
		a, err := r.assignment()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// JudgeAssignment returns one of the judge's seats; another judge's seat is
// forbidden.
func (s *Service) JudgeAssignment(ctx context.Context, by Actor, seatID int64) (JudgeAssignment, error) {
	rows, err := s.st.judgeSeats(ctx, s.db, by.ID, 0, seatID)
	if err != nil {
		return JudgeAssignment{}, err
	}
	if len(rows) == 0 || by.Role != RoleJudge {
		return JudgeAssignment{}, apperr.New(apperr.Forbidden, "essay.not_assigned")
	}
	return rows[0].assignment()
}

// ScoreInput is a judge's sheet for one seat.
type ScoreInput struct {
	Scores  map[string]float64
	Comment string
	Final   bool
}

// Score saves a judge's points for one of their seats, as a draft or final.
// Points are checked against the stage's rubric (a final sheet must give
// every criterion); a final sheet can no longer be changed by the judge
// (409). Finalizing may complete the essay's mark, or bring in a third
// judge when the scores are too far apart.
func (s *Service) Score(ctx context.Context, by Actor, seatID int64, in ScoreInput) (JudgeAssignment, error) {
	if by.Role != RoleJudge {
		return JudgeAssignment{}, apperr.New(apperr.Forbidden, "essay.not_assigned")
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		seat, err := s.st.seat(ctx, tx, seatID, false)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && seat.JudgeID != by.ID) {
			return apperr.New(apperr.Forbidden, "essay.not_assigned")
		}
		if err != nil {
			return err
		}
		if in.Final {
			// The contest lock comes before any row lock (see lockContest).
			if err := s.st.lockContest(ctx, tx, seat.ContestID); err != nil {
				return err
			}
		}
		if seat, err = s.st.seat(ctx, tx, seatID, true); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.Forbidden, "essay.not_assigned")
			}
			return err
		}
		if seat.Status == "final" {
			return apperr.New(apperr.Conflict, "essay.score_final")
		}
		if seat.Disqualified {
			return apperr.New(apperr.Conflict, "essay.disqualified")
		}
		c, err := s.essayContest(ctx, tx, seat.ContestID)
		if err != nil {
			return err
		}
		if err := s.judgingOpen(ctx, tx, c); err != nil {
			return err
		}
		rubric, err := s.st.rubric(ctx, tx, seat.ContestID, seat.Stage)
		if err != nil {
			return err
		}
		if in.Scores == nil {
			in.Scores = map[string]float64{}
		}
		total, err := rubric.CheckScores(in.Scores, in.Final)
		comment := vntext.CleanMultiline(in.Comment)
		if utf8.RuneCountInString(comment) > maxCommentRunes {
			f := apperr.Fields{}
			if e, ok := apperr.As(err); ok {
				for k, m := range e.Fields {
					f.Add(k, m.Key, m.Args...)
				}
			}
			f.Add("comment", "error.too_long", maxCommentRunes)
			return f.Err()
		}
		if err != nil {
			return err
		}
		if err := s.st.saveScore(ctx, tx, seatID, in.Scores, total, comment, in.Final, s.now()); err != nil {
			return err
		}
		action := "essay.score_draft"
		if in.Final {
			action = "essay.score_final"
		}
		if err := s.audit(ctx, tx, by, action, "essay_assignment", seatID,
			map[string]any{"essay_id": seat.EssayID, "stage": seat.Stage, "scores": in.Scores, "total": total, "comment": comment}); err != nil {
			return err
		}
		if in.Final {
			return s.updateMark(ctx, tx, seat.ContestID, seat.EssayID, seat.Stage)
		}
		return nil
	})
	if err != nil {
		return JudgeAssignment{}, err
	}
	return s.JudgeAssignment(ctx, by, seatID)
}

// updateMark recomputes an essay's mark in a stage after a seat became
// final, recording each step of the rule: the discrepancy, the third judge
// brought in (or that none could be found), the final mark.
func (s *Service) updateMark(ctx context.Context, tx *sqlx.Tx, contestID, essayID int64, stage int) error {
	set, err := s.st.settings(ctx, tx, contestID)
	if err != nil {
		return err
	}
	seats, err := s.st.essaySeats(ctx, tx, essayID, stage)
	if err != nil {
		return err
	}
	var panel, extra []float64
	panelSeats, panelOpen, thirdSeat := 0, 0, false
	for _, st := range seats {
		final := st.Status == "final"
		switch st.Seat {
		case "panel":
			panelSeats++
			if final {
				panel = append(panel, st.Total.Float64)
			} else {
				panelOpen++
			}
		case "third":
			thirdSeat = true
			if final {
				extra = append(extra, st.Total.Float64)
			}
		}
	}
	now := s.now()
	if panelOpen > 0 || panelSeats < set.JudgesPerEssay {
		return s.st.saveMark(ctx, tx, essayID, stage, "pending", sql.NullFloat64{}, now)
	}
	details := map[string]any{"stage": stage, "panel_scores": panel, "threshold": set.DiscrepancyThreshold}
	if Discrepant(panel, set.DiscrepancyThreshold) && len(extra) == 0 {
		if !thirdSeat {
			if err := s.audit(ctx, tx, system(), "essay.discrepancy", "essay", essayID, details); err != nil {
				return err
			}
			if _, err := s.bringThird(ctx, tx, contestID, essayID, stage, details); err != nil {
				return err
			}
		}
		return s.st.saveMark(ctx, tx, essayID, stage, "third_needed", sql.NullFloat64{}, now)
	}
	all := append(panel, extra...)
	mark := FinalMark(set.FinalRule, all)
	details["scores"], details["rule"], details["mark"] = all, set.FinalRule, mark
	if err := s.st.saveMark(ctx, tx, essayID, stage, "final", sql.NullFloat64{Float64: mark, Valid: true}, now); err != nil {
		return err
	}
	return s.audit(ctx, tx, system(), "essay.mark_final", "essay", essayID, details)
}

// bringThird seats the extra judge of a discrepancy, or records that no
// judge could be found (the organizers add judges and run assignment again).
func (s *Service) bringThird(ctx context.Context, tx *sqlx.Tx, contestID, essayID int64, stage int, details map[string]any) (bool, error) {
	if details == nil {
		details = map[string]any{"stage": stage}
	}
	judge, err := s.st.pickThirdJudge(ctx, tx, essayID, stage)
	if err != nil {
		return false, err
	}
	if judge == 0 {
		return false, s.audit(ctx, tx, system(), "essay.third_unavailable", "essay", essayID, details)
	}
	if err := s.st.insertSeats(ctx, tx, stage, "third", []Seat{{EssayID: essayID, JudgeID: judge}}, s.now()); err != nil {
		return false, err
	}
	details["judge_id"] = judge
	return true, s.audit(ctx, tx, system(), "essay.third_assigned", "essay", essayID, details)
}

// Disqualify removes an essay from judging and results (or puts it back
// when on is false), until results are published.
func (s *Service) Disqualify(ctx context.Context, by Actor, essayID int64, reason string, on bool) error {
	if err := requireOrganizer(by); err != nil {
		return err
	}
	reason = vntext.Clean(reason)
	if on && reason == "" {
		return apperr.Field("reason", "error.required")
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		own, err := s.st.essayOwner(ctx, tx, essayID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "essay.not_found")
		}
		if err != nil {
			return err
		}
		if published, err := s.st.isPublished(ctx, tx, own.ContestID); err != nil {
			return err
		} else if published {
			return apperr.New(apperr.Conflict, "essay.results_published")
		}
		if err := s.st.setDisqualified(ctx, tx, essayID, reason, s.now(), on); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "essay.disqualified", "essay", essayID, map[string]any{"disqualified": on, "reason": reason})
	})
}

// Duplicates returns the pairs of essays of the contest whose texts overlap
// heavily, with the shared passages.
func (s *Service) Duplicates(ctx context.Context, contestID int64) ([]DupPair, error) {
	if _, err := s.essayContest(ctx, s.db, contestID); err != nil {
		return nil, err
	}
	docs, err := s.st.contestTexts(ctx, s.db, contestID)
	if err != nil {
		return nil, err
	}
	pairs := FindNearDuplicates(docs)
	if pairs == nil {
		pairs = []DupPair{}
	}
	return pairs, nil
}
