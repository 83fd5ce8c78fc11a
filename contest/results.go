package contest

import (
	"context"
	"time"

	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/contest/leaderboard"
	"lawcontest/vntext"
)

// Final results of ranked rounds.
//
// Closing a round (at closes_at + grace by the server's job, or earlier by
// an organizer) finalizes its attempts still in progress and stores
// round_ranking(round_id, true), the full order of API.md with the true
// prediction answer, as the round's standings. That happens once, under
// the round's row lock, so any number of instances may try: the first
// computes, the others find it done. Standings never change afterwards.
//
// Results are the standings without disqualified accounts (the next people
// move up), with prizes given in rank order by the round's prize counts
// and, when the contest limits a person to one prize, the higher prize
// kept (see assignPrizes). Publishing copies the results, names and units
// as they are then, into a numbered publication; the newest is public and
// never changes unless an organizer republishes with a reason, which adds
// a version and keeps the old one.

// Prize levels, highest first.
const (
	PrizeFirst       = "first"
	PrizeSecond      = "second"
	PrizeThird       = "third"
	PrizeConsolation = "consolation"
)

// PrizeLevels are the prize levels, highest first.
func PrizeLevels() []string {
	return []string{PrizeFirst, PrizeSecond, PrizeThird, PrizeConsolation}
}

// Prizes are how many of each prize a round gives.
type Prizes struct {
	First       int `json:"first"`
	Second      int `json:"second"`
	Third       int `json:"third"`
	Consolation int `json:"consolation"`
}

// DefaultPrizes are a round's prizes until an organizer sets them: one
// first, two second, three third and four consolation prizes, as the
// essay contests default to.
func DefaultPrizes() Prizes { return Prizes{First: 1, Second: 2, Third: 3, Consolation: 4} }

func (p Prizes) count(level string) int {
	switch level {
	case PrizeFirst:
		return p.First
	case PrizeSecond:
		return p.Second
	case PrizeThird:
		return p.Third
	case PrizeConsolation:
		return p.Consolation
	}
	return 0
}

// Total is how many prizes the round gives.
func (p Prizes) Total() int { return p.First + p.Second + p.Third + p.Consolation }

// Bounds on prize counts: a first prize count above a thousand is a typo.
const (
	maxTopPrizes         = 1000
	maxConsolationPrizes = 10000
	maxReasonLen         = 1000
)

func (p Prizes) check() error {
	var f apperr.Fields
	for _, c := range []struct {
		field string
		n     int
		max   int
	}{{"first", p.First, maxTopPrizes}, {"second", p.Second, maxTopPrizes}, {"third", p.Third, maxTopPrizes},
		{"consolation", p.Consolation, maxConsolationPrizes}} {
		if c.n < 0 || c.n > c.max {
			f.Add(c.field, "results.prize_count_range", c.max)
		}
	}
	return f.Err()
}

// PrizeRules are a quiz contest's prize settings.
type PrizeRules struct {
	// OnePrizePerPerson limits a person to one prize across the contest's
	// rounds: the higher one stays (the earlier round's on equal prizes),
	// and the next person in the other round moves up.
	OnePrizePerPerson bool `json:"one_prize_per_person"`
}

// Closing is the outcome of closing a ranked round.
type Closing struct {
	RoundID  int64     `json:"round_id,string"`
	ClosedAt time.Time `json:"closed_at"`
	// Automatic: closed by the server at closes_at, not by an organizer.
	Automatic bool `json:"automatic"`
	// CorrectPredictionAnswer is how many participants' best attempt was
	// all correct: the true answer to the prediction question.
	CorrectPredictionAnswer int  `json:"correct_prediction_answer"`
	HasPrediction           bool `json:"has_prediction"`
	// Participants is how many people are in the final ranking.
	Participants int `json:"participants"`
	// Finalized is how many attempts in progress this call finalized (0
	// when the round was already closed).
	Finalized int `json:"finalized"`
	// Practice rounds are closed but never ranked.
	Practice bool `json:"practice,omitempty"`
}

// Close closes a round now for an organizer, or confirms it was closed:
// attempts in progress are finalized with their saved answers, the true
// prediction answer is counted and the final ranking stored. Idempotent:
// closing a closed round returns what the first close computed. Every
// change is audited with the actor (audit.System for the server's job).
func (s *Service) Close(ctx context.Context, actor Actor, roundID int64) (Closing, error) {
	c, _, err := s.close(ctx, actor, roundID)
	return c, err
}

// close is Close that also tells whether this call closed the round.
func (s *Service) close(ctx context.Context, actor Actor, roundID int64) (Closing, bool, error) {
	defer s.rounds.forget() // after the commit: Start must see the change
	now := s.now()
	var (
		out      Closing
		done     []finalizedAttempt
		computed bool
	)
	err := s.st.inTx(ctx, func(tx txStore) error {
		r, err := tx.roundForUpdate(ctx, roundID)
		if err != nil {
			return err
		}
		if c, ok, err := tx.closing(ctx, roundID); err != nil || ok {
			out = c
			return err
		}
		if !now.After(r.OpensAt) {
			return apperr.New(apperr.Conflict, "round.not_opened_yet")
		}
		if now.Before(r.ClosesAt) {
			if err := tx.closeRound(ctx, roundID, now); err != nil {
				return err
			}
			if err := tx.audit(ctx, actor, now, "round.close", "round", roundID,
				map[string]any{"closes_at": now, "was": r.ClosesAt}); err != nil {
				return err
			}
			r.ClosesAt = now
		}
		ids, err := tx.inProgressOfRound(ctx, roundID)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			if done, err = tx.expire(ctx, ids, now); err != nil {
				return err
			}
		}
		if r.Practice {
			out = Closing{RoundID: roundID, ClosedAt: r.ClosesAt, Finalized: len(done), Practice: true}
			return nil
		}
		n, answer, err := tx.storeStandings(ctx, roundID)
		if err != nil {
			return err
		}
		out = Closing{RoundID: roundID, ClosedAt: r.ClosesAt, Automatic: actor.ID == 0,
			CorrectPredictionAnswer: answer, HasPrediction: r.PredictionQuestion != "", Participants: n}
		if err := tx.insertClosing(ctx, out, actor.ID); err != nil {
			return err
		}
		out.Finalized = len(done)
		computed = true
		return tx.audit(ctx, actor, now, "results.compute", "round", roundID, map[string]any{
			"participants": n, "correct_prediction_answer": answer, "finalized": len(done)})
	})
	if err != nil {
		return Closing{}, false, err
	}
	s.recordFinalized(ctx, done)
	return out, computed, nil
}

// CloseDue closes every ranked round whose closes_at and grace have passed
// and that is not closed yet, and returns how many it closed: the job each
// server instance runs. Instances racing for a round queue on its row
// lock; the first closes it, the others find it closed.
func (s *Service) CloseDue(ctx context.Context) (int, error) {
	ids, err := s.st.roundsDueForClosing(ctx, s.now().Add(-s.grace))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		_, computed, err := s.close(ctx, audit.System, id)
		if err != nil {
			return n, err
		}
		if computed {
			n++
		}
	}
	return n, nil
}

// Closing returns how a round was closed; not found while it is not.
func (s *Service) Closing(ctx context.Context, roundID int64) (Closing, error) {
	c, ok, err := s.st.closingOf(ctx, roundID)
	if err != nil {
		return Closing{}, err
	}
	if !ok {
		return Closing{}, apperr.New(apperr.NotFound, "results.not_closed")
	}
	return c, nil
}

// RoundPrizes returns a round's prize counts (the defaults until set).
func (s *Service) RoundPrizes(ctx context.Context, roundID int64) (Prizes, error) {
	if _, err := s.st.round(ctx, roundID); err != nil {
		return Prizes{}, err
	}
	return s.st.prizes(ctx, roundID)
}

// SetRoundPrizes sets how many of each prize a ranked round gives,
// audited. Published results keep their prizes until republished.
func (s *Service) SetRoundPrizes(ctx context.Context, actor Actor, roundID int64, p Prizes) (Prizes, error) {
	if err := p.check(); err != nil {
		return Prizes{}, err
	}
	now := s.now()
	err := s.st.inTx(ctx, func(tx txStore) error {
		r, err := tx.roundForUpdate(ctx, roundID)
		if err != nil {
			return err
		}
		if r.Practice {
			return apperr.New(apperr.Conflict, "results.practice_round")
		}
		if err := tx.setPrizes(ctx, roundID, p, actor.ID, now); err != nil {
			return err
		}
		return tx.audit(ctx, actor, now, "results.prizes", "round", roundID, p)
	})
	return p, err
}

// ContestPrizeRules returns a quiz contest's prize rules.
func (s *Service) ContestPrizeRules(ctx context.Context, contestID int64) (PrizeRules, error) {
	if _, err := s.st.contest(ctx, contestID); err != nil {
		return PrizeRules{}, err
	}
	return s.st.prizeRules(ctx, s.st.db, contestID)
}

// SetContestPrizeRules changes a quiz contest's prize rules, audited.
func (s *Service) SetContestPrizeRules(ctx context.Context, actor Actor, contestID int64, rules PrizeRules) (PrizeRules, error) {
	now := s.now()
	err := s.st.inTx(ctx, func(tx txStore) error {
		c, err := tx.contestForUpdate(ctx, contestID)
		if err != nil {
			return err
		}
		if c.Kind != KindQuiz {
			return apperr.New(apperr.Conflict, "round.not_quiz")
		}
		if err := tx.setPrizeRules(ctx, contestID, rules); err != nil {
			return err
		}
		return tx.audit(ctx, actor, now, "results.prize_rules", "contest", contestID, rules)
	})
	return rules, err
}

// ---- prizes

// prizeRound is one closed ranked round of a contest as prizes see it:
// its prize counts and its first candidates in rank order (standings
// without disqualified accounts).
type prizeRound struct {
	ID         int64
	Prizes     Prizes
	Candidates []int64 // participant ids, best first
}

// assignPrizes gives each round's prizes in rank order. With onePerPerson
// a person keeps only their highest prize across the rounds: prizes are
// given level by level (all first prizes of every round, then all second
// prizes, ...), rounds in order within a level, and a person who already
// holds a prize is passed over, so the next person moves up. A person who
// would win equal prizes in two rounds keeps the earlier round's. The
// result maps round -> participant -> prize.
func assignPrizes(rounds []prizeRound, onePerPerson bool) map[int64]map[int64]string {
	out := make(map[int64]map[int64]string, len(rounds))
	next := make([]int, len(rounds))
	held := map[int64]bool{} // with onePerPerson: anyone holding a prize
	for _, r := range rounds {
		out[r.ID] = map[int64]string{}
	}
	for _, level := range PrizeLevels() {
		for i, r := range rounds {
			given := out[r.ID]
			for need := r.Prizes.count(level); need > 0 && next[i] < len(r.Candidates); next[i]++ {
				pid := r.Candidates[next[i]]
				if (onePerPerson && held[pid]) || given[pid] != "" {
					continue
				}
				given[pid] = level
				held[pid] = true
				need--
			}
		}
	}
	return out
}

// prizesOf computes the prizes of every closed ranked round of a contest
// as they stand now (disqualifications and prize settings applied).
func (s *Service) prizesOf(ctx context.Context, q queryer, contestID int64) (map[int64]map[int64]string, error) {
	rules, err := s.st.prizeRules(ctx, q, contestID)
	if err != nil {
		return nil, err
	}
	rounds, err := s.st.closedRounds(ctx, q, contestID)
	if err != nil {
		return nil, err
	}
	// A round can pass over at most as many people as hold prizes of the
	// other rounds, so its candidates need not go deeper than all prizes.
	all := 0
	for _, r := range rounds {
		all += r.Prizes.Total()
	}
	for i := range rounds {
		depth := rounds[i].Prizes.Total()
		if rules.OnePrizePerPerson {
			depth = all
		}
		if depth == 0 {
			continue
		}
		if rounds[i].Candidates, err = s.st.candidates(ctx, q, contestID, rounds[i].ID, depth); err != nil {
			return nil, err
		}
	}
	return assignPrizes(rounds, rules.OnePrizePerPerson), nil
}

// ---- results as organizers see them before and after publishing

// ResultEntry is one line of a round's results for organizers.
type ResultEntry struct {
	Rank           int64     `json:"rank"`
	Place          int64     `json:"place"` // in the standings, disqualified accounts included
	ParticipantID  int64     `json:"participant_id,string"`
	AttemptID      int64     `json:"attempt_id,string"`
	FullName       string    `json:"full_name"`
	DisplayName    string    `json:"display_name"`
	UnitID         int64     `json:"unit_id,string,omitempty"`
	Unit           string    `json:"unit"`
	CorrectCount   int       `json:"correct_count"`
	Score          int       `json:"score"`
	Prediction     *int      `json:"prediction"`
	PredictionDiff *int64    `json:"prediction_diff"`
	DurationMS     int64     `json:"duration_ms"`
	SubmittedAt    time.Time `json:"submitted_at"`
	Prize          string    `json:"prize"`
}

// Publication is one published version of a round's results.
type Publication struct {
	ID                      int64     `json:"id,string"`
	RoundID                 int64     `json:"round_id,string"`
	Version                 int       `json:"version"`
	PublishedAt             time.Time `json:"published_at"`
	PublishedBy             *int64    `json:"published_by,string,omitempty"`
	Reason                  string    `json:"reason,omitempty"`
	CorrectPredictionAnswer *int      `json:"correct_prediction_answer"`
	Entries                 int       `json:"entries"`
}

// RoundResults are a round's results as organizers see them: the current
// computation (what publishing now would publish) and the publications.
type RoundResults struct {
	Round        Round         `json:"round"`
	Closing      Closing       `json:"closing"`
	Prizes       Prizes        `json:"prizes"`
	PrizeRules   PrizeRules    `json:"prize_rules"`
	Entries      []ResultEntry `json:"entries"`
	Total        int64         `json:"total"`
	Disqualified int           `json:"disqualified"`
	Publications []Publication `json:"publications"`
	// Differs: the newest publication's prizes differ from the current
	// computation (a disqualification or a prize setting since): publish
	// again, with a reason, to apply it.
	Differs bool `json:"differs"`
}

// Results returns a page of a closed round's current results for
// organizers, with their publications.
func (s *Service) Results(ctx context.Context, roundID int64, limit, offset int) (RoundResults, error) {
	r, err := s.Round(ctx, roundID)
	if err != nil {
		return RoundResults{}, err
	}
	c, err := s.Closing(ctx, roundID)
	if err != nil {
		return RoundResults{}, err
	}
	out := RoundResults{Round: r, Closing: c}
	if out.Prizes, err = s.st.prizes(ctx, roundID); err != nil {
		return RoundResults{}, err
	}
	if out.PrizeRules, err = s.st.prizeRules(ctx, s.st.db, r.ContestID); err != nil {
		return RoundResults{}, err
	}
	prizes, err := s.prizesOf(ctx, s.st.db, r.ContestID)
	if err != nil {
		return RoundResults{}, err
	}
	given := prizes[roundID]
	if out.Entries, out.Total, err = s.st.currentResults(ctx, r.ContestID, roundID, limit, offset); err != nil {
		return RoundResults{}, err
	}
	for i := range out.Entries {
		e := &out.Entries[i]
		e.DisplayName = vntext.MaskName(e.FullName)
		e.Prize = given[e.ParticipantID]
	}
	out.Disqualified = c.Participants - int(out.Total)
	if out.Publications, err = s.st.publications(ctx, roundID); err != nil {
		return RoundResults{}, err
	}
	if len(out.Publications) > 0 {
		published, err := s.st.publishedPrizes(ctx, out.Publications[0].ID)
		if err != nil {
			return RoundResults{}, err
		}
		out.Differs = !samePrizes(published, given) || int64(out.Publications[0].Entries) != out.Total
	}
	return out, nil
}

func samePrizes(a, b map[int64]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// PublishInput is the body of a publish. Publishing a published round
// returns its publication unchanged unless Republish is set, which needs a
// reason.
type PublishInput struct {
	Republish bool   `json:"republish"`
	Reason    string `json:"reason"`
}

// Publish makes a closed round's results public: a frozen copy of the
// current results with prizes, names and units. Idempotent: publishing
// again returns the publication that stands. A republication (with a
// reason) adds a new version and keeps the old one. Audited.
func (s *Service) Publish(ctx context.Context, actor Actor, roundID int64, in PublishInput) (Publication, error) {
	in.Reason = vntext.Clean(in.Reason)
	if in.Republish && in.Reason == "" {
		return Publication{}, apperr.Field("reason", "results.reason_required")
	}
	if len([]rune(in.Reason)) > maxReasonLen {
		return Publication{}, apperr.Field("reason", "error.too_long", maxReasonLen)
	}
	now := s.now()
	var pub Publication
	err := s.st.inTx(ctx, func(tx txStore) error {
		r, err := tx.roundForUpdate(ctx, roundID)
		if err != nil {
			return err
		}
		c, ok, err := tx.closing(ctx, roundID)
		if err != nil {
			return err
		}
		if !ok {
			if r.Practice {
				return apperr.New(apperr.Conflict, "results.practice_round")
			}
			return apperr.New(apperr.Conflict, "results.not_closed")
		}
		last, ok, err := tx.lastPublication(ctx, roundID)
		if err != nil {
			return err
		}
		if ok && !in.Republish {
			pub = last
			return nil
		}
		prizes, err := s.prizesOf(ctx, tx.tx, r.ContestID)
		if err != nil {
			return err
		}
		pub = Publication{RoundID: roundID, Version: last.Version + 1, PublishedAt: now, Reason: in.Reason}
		if actor.ID != 0 {
			pub.PublishedBy = &actor.ID
		}
		if c.HasPrediction {
			v := c.CorrectPredictionAnswer
			pub.CorrectPredictionAnswer = &v
		}
		if pub.ID, err = tx.insertPublication(ctx, pub); err != nil {
			return err
		}
		if pub.Entries, err = tx.publishResults(ctx, pub.ID, r.ContestID, roundID, prizes[roundID]); err != nil {
			return err
		}
		if err := tx.setPublicationEntries(ctx, pub.ID, pub.Entries); err != nil {
			return err
		}
		action := "results.publish"
		if pub.Version > 1 {
			action = "results.republish"
		}
		return tx.audit(ctx, actor, now, action, "round", roundID, map[string]any{
			"version": pub.Version, "reason": pub.Reason, "entries": pub.Entries, "prizes": len(prizes[roundID])})
	})
	return pub, err
}

// PublicEntry is one line of published results: a masked name and a unit,
// never a phone, an e-mail or a citizen id.
type PublicEntry struct {
	Rank           int64  `json:"rank"`
	DisplayName    string `json:"display_name"`
	Unit           string `json:"unit"`
	Score          int    `json:"score"`
	CorrectCount   int    `json:"correct_count"`
	Prediction     *int   `json:"prediction"`
	PredictionDiff *int64 `json:"prediction_diff"`
	DurationMS     int64  `json:"duration_ms"`
	Prize          string `json:"prize"`
}

// PublicResults are a round's published results (API.md /results).
type PublicResults struct {
	RoundID                 int64         `json:"round_id,string"`
	RoundTitle              string        `json:"round_title"`
	ContestID               int64         `json:"contest_id,string"`
	ContestTitle            string        `json:"contest_title"`
	Entries                 []PublicEntry `json:"entries"`
	Total                   int64         `json:"total"`
	CorrectPredictionAnswer *int          `json:"correct_prediction_answer"`
	PublishedAt             time.Time     `json:"published_at"`
	Version                 int           `json:"version"`
	Reason                  string        `json:"reason,omitempty"`
	// Winners is how many entries hold a prize (they come first).
	Winners int64 `json:"winners"`
}

// PublishedResults returns a page of the round's newest publication; not
// found before the round is published.
func (s *Service) PublishedResults(ctx context.Context, roundID int64, limit, offset int) (PublicResults, error) {
	r, err := s.st.round(ctx, roundID)
	if err != nil {
		return PublicResults{}, err
	}
	if !r.contestPublished {
		return PublicResults{}, apperr.New(apperr.NotFound, "round.not_found")
	}
	pub, ok, err := s.st.lastPublicationOf(ctx, roundID)
	if err != nil {
		return PublicResults{}, err
	}
	if !ok {
		return PublicResults{}, apperr.New(apperr.NotFound, "results.not_published")
	}
	c, err := s.st.contest(ctx, r.ContestID)
	if err != nil {
		return PublicResults{}, err
	}
	out := PublicResults{RoundID: r.ID, RoundTitle: r.Title, ContestID: c.ID, ContestTitle: c.Title,
		CorrectPredictionAnswer: pub.CorrectPredictionAnswer, PublishedAt: pub.PublishedAt,
		Version: pub.Version, Total: int64(pub.Entries)}
	if pub.Version > 1 {
		out.Reason = pub.Reason
	}
	if out.Entries, err = s.st.publishedPage(ctx, pub.ID, limit, offset); err != nil {
		return PublicResults{}, err
	}
	if out.Winners, err = s.st.publishedWinners(ctx, pub.ID); err != nil {
		return PublicResults{}, err
	}
	return out, nil
}

// ---- disqualification

// Disqualification is an account disqualified from a contest.
type Disqualification struct {
	ContestID      int64     `json:"contest_id,string"`
	ParticipantID  int64     `json:"participant_id,string"`
	FullName       string    `json:"full_name"`
	Reason         string    `json:"reason"`
	DisqualifiedAt time.Time `json:"disqualified_at"`
	DisqualifiedBy *int64    `json:"disqualified_by,string,omitempty"`
}

// DisqualifyInput names the account and why.
type DisqualifyInput struct {
	ParticipantID int64  `json:"participant_id,string"`
	Reason        string `json:"reason"`
}

// Disqualify removes an account from a quiz contest's results, with a
// reason, audited: it disappears from every round's current results and
// the next people move up. Published lists keep it until republished.
// Disqualifying a disqualified account again changes nothing.
func (s *Service) Disqualify(ctx context.Context, actor Actor, contestID int64, in DisqualifyInput) (Disqualification, error) {
	in.Reason = vntext.Clean(in.Reason)
	var f apperr.Fields
	if in.ParticipantID <= 0 {
		f.Add("participant_id", "error.required")
	}
	if in.Reason == "" {
		f.Add("reason", "results.reason_required")
	} else if len([]rune(in.Reason)) > maxReasonLen {
		f.Add("reason", "error.too_long", maxReasonLen)
	}
	if err := f.Err(); err != nil {
		return Disqualification{}, err
	}
	now := s.now()
	var d Disqualification
	err := s.st.inTx(ctx, func(tx txStore) error {
		c, err := tx.contestForUpdate(ctx, contestID)
		if err != nil {
			return err
		}
		if c.Kind != KindQuiz {
			return apperr.New(apperr.Conflict, "round.not_quiz")
		}
		if ok, err := tx.isParticipant(ctx, in.ParticipantID); err != nil {
			return err
		} else if !ok {
			return apperr.Field("participant_id", "results.not_a_participant")
		}
		d = Disqualification{ContestID: contestID, ParticipantID: in.ParticipantID, Reason: in.Reason, DisqualifiedAt: now}
		if actor.ID != 0 {
			d.DisqualifiedBy = &actor.ID
		}
		inserted, err := tx.insertDisqualification(ctx, d)
		if err != nil || !inserted {
			return err
		}
		return tx.audit(ctx, actor, now, "results.disqualify", "contest", contestID,
			map[string]any{"participant_id": in.ParticipantID, "reason": in.Reason})
	})
	if err != nil {
		return Disqualification{}, err
	}
	s.syncBoards(ctx, contestID, in.ParticipantID)
	return s.disqualification(ctx, contestID, in.ParticipantID)
}

// LiftDisqualification puts an account back into a contest's results,
// with a reason, audited.
func (s *Service) LiftDisqualification(ctx context.Context, actor Actor, contestID, participantID int64, reason string) error {
	reason = vntext.Clean(reason)
	if reason == "" {
		return apperr.Field("reason", "results.reason_required")
	}
	if len([]rune(reason)) > maxReasonLen {
		return apperr.Field("reason", "error.too_long", maxReasonLen)
	}
	now := s.now()
	err := s.st.inTx(ctx, func(tx txStore) error {
		if _, err := tx.contestForUpdate(ctx, contestID); err != nil {
			return err
		}
		old, ok, err := tx.deleteDisqualification(ctx, contestID, participantID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.NotFound, "results.not_disqualified")
		}
		return tx.audit(ctx, actor, now, "results.reinstate", "contest", contestID,
			map[string]any{"participant_id": participantID, "reason": reason, "disqualified_for": old})
	})
	if err != nil {
		return err
	}
	s.syncBoards(ctx, contestID, participantID)
	return nil
}

// syncBoards brings a participant's entries on the contest's live boards
// in line with their disqualification, which has just changed, read again
// here so that a disqualification and a lift in quick succession leave
// the boards as Postgres has it in the end: off every
// round's board while disqualified, their best attempt back on it once
// reinstated. Submits check the disqualification when they finish an
// attempt (finalize), and rebuilt boards leave disqualified accounts out.
// A failure is logged, not returned: the change itself is committed, and
// the live boards are rebuilt from Postgres when lost (or by `lawcontest
// leaderboard rebuild`). A submit of the same person finishing at the very
// moment of the disqualification may still put them back until then.
func (s *Service) syncBoards(ctx context.Context, contestID, participantID int64) {
	if s.board == nil {
		return
	}
	best, disqualified, err := s.st.boardEntriesOf(ctx, contestID, participantID)
	if err != nil {
		s.log.Warn("contest: live boards not updated after a disqualification change",
			"contest_id", contestID, "err", err)
		return
	}
	if !disqualified {
		var es []leaderboard.Entry
		for _, f := range best {
			es = append(es, f.entry())
		}
		if len(es) > 0 {
			if _, err := s.board.RecordAll(ctx, es); err != nil {
				s.log.Warn("contest: reinstated participant not put back on the live boards",
					"contest_id", contestID, "err", err)
			}
		}
		return
	}
	for _, f := range best {
		if err := s.board.Remove(ctx, f.RoundID, participantID); err != nil {
			s.log.Warn("contest: disqualified participant not taken off a live board",
				"round_id", f.RoundID, "err", err)
		}
	}
}

func (s *Service) disqualification(ctx context.Context, contestID, participantID int64) (Disqualification, error) {
	ds, err := s.st.disqualifications(ctx, contestID, participantID)
	if err != nil {
		return Disqualification{}, err
	}
	if len(ds) == 0 {
		return Disqualification{}, apperr.New(apperr.NotFound, "results.not_disqualified")
	}
	return ds[0], nil
}

// Disqualifications lists the accounts disqualified from a contest.
func (s *Service) Disqualifications(ctx context.Context, contestID int64) ([]Disqualification, error) {
	if _, err := s.st.contest(ctx, contestID); err != nil {
		return nil, err
	}
	return s.st.disqualifications(ctx, contestID, 0)
}

// ---- duplicate identities

// Person is an account as the duplicate report shows it to organizers.
type Person struct {
	ParticipantID int64      `json:"participant_id,string"`
	FullName      string     `json:"full_name"`
	BirthDate     *time.Time `json:"birth_date"`
	Phone         string     `json:"phone"`
	Email         string     `json:"email"`
	CitizenID     string     `json:"citizen_id"`
	Unit          string     `json:"unit"`
	RegisteredAt  time.Time  `json:"registered_at"`
	// Place in this round's standings, 0 when not ranked in it.
	Place        int64  `json:"place"`
	Prize        string `json:"prize,omitempty"`
	TookPart     bool   `json:"took_part"` // started an attempt in the contest
	Disqualified bool   `json:"disqualified"`
}

// DuplicateMatch is another account that may be the same person.
type DuplicateMatch struct {
	Person
	SameCitizenID    bool `json:"same_citizen_id"`
	SameNameAndBirth bool `json:"same_name_and_birth"`
}

// DuplicateGroup is a would-be winner and the accounts that may be theirs.
type DuplicateGroup struct {
	Winner  Person           `json:"winner"`
	Matches []DuplicateMatch `json:"matches"`
}

// Duplicates reports, for each would-be winner of a closed round (the
// current prize holders), the other accounts with the same citizen id or
// the same folded name and birth date, so that organizers can check them
// before publishing. Only winners with such accounts are listed.
func (s *Service) Duplicates(ctx context.Context, roundID int64) ([]DuplicateGroup, error) {
	r, err := s.st.round(ctx, roundID)
	if err != nil {
		return nil, err
	}
	if _, err := s.Closing(ctx, roundID); err != nil {
		return nil, err
	}
	prizes, err := s.prizesOf(ctx, s.st.db, r.ContestID)
	if err != nil {
		return nil, err
	}
	given := prizes[roundID]
	ids := make([]int64, 0, len(given))
	for id := range given {
		ids = append(ids, id)
	}
	groups, err := s.st.duplicates(ctx, r.ContestID, roundID, ids)
	if err != nil {
		return nil, err
	}
	for i := range groups {
		groups[i].Winner.Prize = given[groups[i].Winner.ParticipantID]
		for j := range groups[i].Matches {
			groups[i].Matches[j].Prize = given[groups[i].Matches[j].ParticipantID]
		}
	}
	return groups, nil
}
