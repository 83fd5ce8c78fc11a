package contest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"time"

	"lawcontest/apperr"
	"lawcontest/questions"
)

// Start starts an attempt of a round for a participant, or returns the one
// in progress (created false). Refused outside the round's window
// (round_not_open) and past the attempt limit (attempt_limit). An attempt
// in progress whose deadline has passed is finalized first, so a new one can
// start.
func (s *Service) Start(ctx context.Context, roundID, participantID int64) (AttemptView, bool, error) {
	r, err := s.rounds.get(ctx, roundID, s.st.round)
	if err != nil {
		return AttemptView{}, false, err
	}
	if !r.contestPublished {
		return AttemptView{}, false, apperr.New(apperr.NotFound, "round.not_found")
	}
	now := s.now()
	if r.statusAt(now) != RoundOpen {
		return AttemptView{}, false, apperr.New(apperr.RoundNotOpen, "round.not_open")
	}
	// No separate look for an attempt in progress first: the quiz page
	// reloads an attempt by its id, so a start that resumes is rare (a
	// second phone), and in an opening burst that look was one more round
	// trip for every start. The group finds it under the participant's
	// lock.
	//
	// Drawn before the transaction so that no connection is held while the
	// bank uses one (a draw is in memory); a paper drawn for a start that
	// then resumes is dropped.
	seed, err := randomSeed()
	if err != nil {
		return AttemptView{}, false, err
	}
	paper, err := s.bank.Draw(ctx, r.Blueprint, seed)
	if err != nil {
		return AttemptView{}, false, err
	}
	if len(paper.Questions) == 0 {
		return AttemptView{}, false, apperr.New(apperr.Conflict, "round.no_questions")
	}
	deadline := now.Add(time.Duration(r.DurationMS) * time.Millisecond)
	if r.ClosesAt.Before(deadline) {
		deadline = r.ClosesAt
	}
	deadline = deadline.Truncate(time.Millisecond)

	it := &startItem{round: r, participantID: participantID, paper: paper, now: now, deadline: deadline}
	if err := it.encode(); err != nil {
		return AttemptView{}, false, err
	}
	if err := s.starts.save(ctx, it); err != nil {
		return AttemptView{}, false, err
	}
	s.recordFinalized(ctx, it.finalized)
	switch {
	case it.closed:
		return AttemptView{}, false, apperr.New(apperr.RoundNotOpen, "round.not_open")
	case it.resumeID != 0:
		v, err := s.Attempt(ctx, it.resumeID, participantID)
		return v, false, err
	case it.limited:
		return AttemptView{}, false, apperr.New(apperr.AttemptLimit, "attempt.limit_reached", r.MaxAttempts)
	}
	created := it.created
	s.papers.put(created.ID, newCachedPaper(participantID, paper.Refs()))
	v := AttemptView{
		ID: created.ID, RoundID: r.ID, RoundTitle: r.Title, AttemptNo: created.AttemptNo,
		Status: AttemptInProgress, Practice: r.Practice,
		StartedAt: now, DeadlineAt: deadline, ServerTime: now,
		Questions: shownQuestions(paper.Questions), Answers: map[string]string{},
		PredictionQuestion: r.PredictionQuestion,
	}
	return v, true, nil
}

func randomSeed() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 1), nil
}

func shownQuestions(qs []questions.PaperQuestion) []ShownQuestion {
	out := make([]ShownQuestion, len(qs))
	for i, q := range qs {
		out[i] = ShownQuestion{ID: q.QuestionID, VersionID: q.VersionID, Text: q.Text, Options: q.Options}
	}
	return out
}

// answerKey maps each question id of a paper to its correct option id.
func answerKey(p questions.Paper) map[string]string {
	k := make(map[string]string, len(p.Questions))
	for _, q := range p.Questions {
		k[strconv.FormatInt(q.QuestionID, 10)] = q.CorrectOptionID
	}
	return k
}

// Attempt returns an attempt to its participant, to resume it. An attempt
// past its deadline and grace that the sweeper has not reached yet is
// finalized here, so a reload after time-out shows the result at once.
func (s *Service) Attempt(ctx context.Context, id, participantID int64) (AttemptView, error) {
	a, err := s.ownAttempt(ctx, id, participantID)
	if err != nil {
		return AttemptView{}, err
	}
	now := s.now()
	if a.Status == AttemptInProgress && a.DeadlineAt.Before(now.Add(-s.grace)) {
		if err := s.finalizeOne(ctx, id); err != nil {
			return AttemptView{}, err
		}
		if a, err = s.ownAttempt(ctx, id, participantID); err != nil {
			return AttemptView{}, err
		}
	}
	qs, err := s.bank.Rebuild(ctx, a.Refs)
	if err != nil {
		return AttemptView{}, err
	}
	v := AttemptView{
		ID: a.ID, RoundID: a.RoundID, RoundTitle: a.RoundTitle, AttemptNo: a.AttemptNo,
		Status: a.Status, Practice: a.Practice,
		StartedAt: a.StartedAt, DeadlineAt: a.DeadlineAt, ServerTime: now,
		Questions: shownQuestions(qs), Answers: a.Answers,
		PredictionQuestion: a.PredictionQuestion, Prediction: a.Prediction,
	}
	if a.Status != AttemptInProgress {
		res := a.result()
		v.Result = &res
	}
	return v, nil
}

// ownAttempt loads an attempt, as not found when it is someone else's: a
// participant learns nothing about other people's attempt ids.
func (s *Service) ownAttempt(ctx context.Context, id, participantID int64) (attemptRow, error) {
	a, err := s.st.attempt(ctx, id)
	if err != nil {
		return attemptRow{}, err
	}
	if a.ParticipantID != participantID {
		return attemptRow{}, apperr.New(apperr.NotFound, "attempt.not_found")
	}
	return a, nil
}

// SaveAnswer autosaves one answer: committed in Postgres before it returns
// nil (in a group with the autosaves that came at the same time, see
// groupCommit). Idempotent; accepted until the deadline plus the grace.
func (s *Service) SaveAnswer(ctx context.Context, attemptID, participantID, questionID int64, optionID string) error {
	if optionID == "" || len(optionID) > maxOptionIDLen {
		return apperr.Field("option_id", "attempt.option_invalid")
	}
	paper, err := s.papers.get(ctx, attemptID)
	if err != nil {
		return err
	}
	if paper == nil || paper.participantID != participantID {
		return apperr.New(apperr.NotFound, "attempt.not_found")
	}
	now := s.now()
	it := &answerSave{attemptID: attemptID, participantID: participantID, questionID: questionID, optionID: optionID,
		now: now, cutoff: now.Add(-s.grace)}
	it.questionOK, it.optionOK = paper.check(questionID, optionID)
	if err := s.saves.save(ctx, it); err != nil {
		return err
	}
	return it.res.err()
}

// maxOptionIDLen bounds an option id from outside before it reaches SQL.
const maxOptionIDLen = 64

// SavePrediction autosaves the answer to the prediction question, under the
// same rules as SaveAnswer.
func (s *Service) SavePrediction(ctx context.Context, attemptID, participantID int64, prediction int) error {
	if prediction < 0 || prediction > MaxPredictionValue {
		return apperr.Field("prediction", "attempt.prediction_range", MaxPredictionValue)
	}
	now := s.now()
	res, err := s.st.savePrediction(ctx, attemptID, participantID, prediction, now.Add(-s.grace))
	if err != nil {
		return err
	}
	return res.err()
}

// SubmitInput is the body of a submit.
type SubmitInput struct {
	Answers    map[string]string `json:"answers"`
	Prediction *int              `json:"prediction"`
}

// ParseAnswers turns the answers of a request ({question_id: option_id},
// ids as strings) into question ids. It checks the form only; whether each
// question and option belongs to the attempt is checked against its paper.
func ParseAnswers(in map[string]string) (map[int64]string, error) {
	if len(in) > maxQuestions {
		return nil, apperr.Field("answers", "attempt.answers_invalid")
	}
	out := make(map[int64]string, len(in))
	for k, v := range in {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || id <= 0 || strconv.FormatInt(id, 10) != k {
			return nil, apperr.Field("answers", "attempt.answers_invalid")
		}
		if v == "" || len(v) > maxOptionIDLen {
			return nil, apperr.Field("answers", "attempt.answers_invalid")
		}
		out[id] = v
	}
	return out, nil
}

// Submit finishes an attempt: the answers in the body are merged with the
// autosaved ones (the body wins), the attempt is scored and stored in one
// transaction, and only then answered. Only the first transition counts: a
// repeat, or a concurrent submit from another tab, returns the stored
// result and changes nothing. A submit after the deadline and grace
// finalizes the attempt with its saved answers (status expired) and ignores
// the body.
func (s *Service) Submit(ctx context.Context, attemptID, participantID int64, in SubmitInput) (SubmitResult, error) {
	answers, err := ParseAnswers(in.Answers)
	if err != nil {
		return SubmitResult{}, err
	}
	if in.Prediction != nil && (*in.Prediction < 0 || *in.Prediction > MaxPredictionValue) {
		return SubmitResult{}, apperr.Field("prediction", "attempt.prediction_range", MaxPredictionValue)
	}
	now := s.now()
	it := &submitItem{attemptID: attemptID, participantID: participantID, answers: answers, prediction: in.Prediction,
		now: now, cutoff: now.Add(-s.grace)}
	if err := s.checkSubmitAnswers(ctx, it); err != nil {
		return SubmitResult{}, err
	}
	if err := s.submits.save(ctx, it); err != nil {
		return SubmitResult{}, err
	}
	if it.err != nil {
		return SubmitResult{}, it.err
	}
	if it.finalized == nil {
		// Already finished (a repeat, or another tab): the stored result.
		return s.result(ctx, attemptID, participantID)
	}
	// The common case, a ranked attempt this submit finished: answered
	// from what finalize returned, with the place its group's commit read
	// from the live board (none while the board is unavailable: ranking
	// the whole round in Postgres on every submit would come just when
	// Postgres carries everything). An expiry or a practice round (with
	// its review) reads the stored attempt.
	if f := it.finalized; f.Status == AttemptSubmitted && !f.Practice {
		var rank *Rank
		switch {
		case s.board == nil:
			if rank, err = s.rank(ctx, f.RoundID, participantID); err != nil {
				return SubmitResult{}, err
			}
		case it.place.Position > 0:
			rank = &Rank{Position: it.place.Position, Total: it.place.Total}
		}
		return SubmitResult{Attempt: f.result(), Rank: rank}, nil
	}
	return s.result(ctx, attemptID, participantID)
}

// checkSubmitAnswers checks a submit's answers against its attempt's paper
// (cached, as for autosaves), before its group: the refusal counts only if
// the attempt is still in progress then (see submit_group).
func (s *Service) checkSubmitAnswers(ctx context.Context, it *submitItem) error {
	if len(it.answers) == 0 {
		return nil
	}
	paper, err := s.papers.get(ctx, it.attemptID)
	if err != nil || paper == nil || paper.participantID != it.participantID {
		return err // no such attempt of theirs: the group says not found
	}
	for q, o := range it.answers {
		questionOK, optionOK := paper.check(q, o)
		switch {
		case !questionOK:
			it.answersErr = apperr.Field("answers", "attempt.question_not_in_paper")
			return nil
		case !optionOK:
			it.answersErr = apperr.Field("answers", "attempt.option_not_in_question")
			return nil
		}
	}
	return nil
}

// result is the stored result of a finished attempt with the current rank
// and, in practice rounds, the review.
func (s *Service) result(ctx context.Context, attemptID, participantID int64) (SubmitResult, error) {
	a, err := s.ownAttempt(ctx, attemptID, participantID)
	if err != nil {
		return SubmitResult{}, err
	}
	if a.Status == AttemptInProgress {
		return SubmitResult{}, apperr.New(apperr.Conflict, "attempt.not_finished")
	}
	out := SubmitResult{Attempt: a.result()}
	if a.Practice {
		items, err := s.reviewItems(ctx, a)
		if err != nil {
			return SubmitResult{}, err
		}
		out.Review = items
		return out, nil
	}
	rank, err := s.rank(ctx, a.RoundID, participantID)
	if err != nil {
		return SubmitResult{}, err
	}
	out.Rank = rank
	return out, nil
}

// Review returns a finished attempt question by question with the correct
// options, explanations and legal references: only once the round has
// closed, or right away in a practice round.
func (s *Service) Review(ctx context.Context, attemptID, participantID int64) (Review, error) {
	a, err := s.ownAttempt(ctx, attemptID, participantID)
	if err != nil {
		return Review{}, err
	}
	if !a.reviewAvailable(s.now()) {
		if !a.Practice && s.now().Before(a.RoundClosesAt) {
			return Review{}, apperr.New(apperr.Conflict, "attempt.review_before_close")
		}
		return Review{}, apperr.New(apperr.Conflict, "attempt.not_finished")
	}
	items, err := s.reviewItems(ctx, a)
	if err != nil {
		return Review{}, err
	}
	return Review{Attempt: a.result(), Questions: items}, nil
}

func (s *Service) reviewItems(ctx context.Context, a attemptRow) ([]ReviewItem, error) {
	qs, err := s.bank.Rebuild(ctx, a.Refs)
	if err != nil {
		return nil, err
	}
	items := make([]ReviewItem, len(qs))
	for i, q := range qs {
		chosen := a.Answers[strconv.FormatInt(q.QuestionID, 10)]
		items[i] = ReviewItem{
			QuestionID: q.QuestionID, Text: q.Text, Options: q.Options,
			ChosenOptionID: chosen, CorrectOptionID: q.CorrectOptionID,
			Correct:     chosen != "" && chosen == q.CorrectOptionID,
			Explanation: q.Explanation, LegalReference: q.LegalReference,
		}
	}
	return items, nil
}

// MyAttempts lists a participant's attempts, newest first, for their home.
func (s *Service) MyAttempts(ctx context.Context, participantID int64) ([]MyAttempt, error) {
	as, err := s.st.participantAttempts(ctx, participantID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for i := range as {
		as[i].RoundClosed = !now.Before(as[i].roundClosesAt)
		as[i].ReviewAvailable = as[i].Status != AttemptInProgress && (as[i].Practice || as[i].RoundClosed)
	}
	return as, nil
}

// HasTakenPart reports whether a participant has started an attempt in a
// ranked (not practice) round: from then on their registration is locked.
func (s *Service) HasTakenPart(ctx context.Context, participantID int64) (bool, error) {
	return s.st.hasTakenPart(ctx, participantID)
}
