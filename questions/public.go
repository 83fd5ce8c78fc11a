package questions

// PublicQuestion is all a participant's device gets of a question while a
// round is open: ids and texts, options in the attempt's order. Option ids
// are random per version, so nothing here tells which option is correct.
type PublicQuestion struct {
	ID      int64    `json:"id,string"`
	Text    string   `json:"text"`
	Options []Option `json:"options"`
}

// Public returns the questions of p as a participant may see them.
func (p Paper) Public() []PublicQuestion {
	return PublicQuestions(p.Questions)
}

// PublicQuestions strips what a participant must not see from qs.
func PublicQuestions(qs []PaperQuestion) []PublicQuestion {
	out := make([]PublicQuestion, len(qs))
	for i, q := range qs {
		out[i] = PublicQuestion{ID: q.QuestionID, Text: q.Text, Options: append([]Option(nil), q.Options...)}
	}
	return out
}
