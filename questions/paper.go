// Package questions owns the question bank: validation, versions, import and
// export (xlsx, csv), and drawing a fair, reproducible paper for one attempt.
package questions

// Difficulty of a question.
type Difficulty string

const (
	Easy   Difficulty = "easy"
	Medium Difficulty = "medium"
	Hard   Difficulty = "hard"
)

// BlueprintPart says how many questions of one kind an attempt gets. An
// empty Difficulty means any difficulty within the category.
type BlueprintPart struct {
	Category   string     `json:"category"`
	Difficulty Difficulty `json:"difficulty,omitempty"`
	Count      int        `json:"count"`
}

// Blueprint is a round's recipe for a paper.
type Blueprint []BlueprintPart

// Option is one answer option as a participant sees it. IDs are random
// strings given when the question version is created, so they say nothing
// about the option's original position or which one is correct.
type Option struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// PaperQuestion is one question of a drawn paper, options in the order this
// attempt shows them. CorrectOptionID, Explanation and LegalReference must
// never be sent to a participant before the round closes.
type PaperQuestion struct {
	QuestionID      int64
	VersionID       int64
	Text            string
	Options         []Option
	CorrectOptionID string
	Explanation     string
	LegalReference  string
}

// PaperRef is what an attempt stores of one drawn question: enough to
// rebuild the exact paper from immutable question versions.
type PaperRef struct {
	QuestionID  int64    `json:"q"`
	VersionID   int64    `json:"v"`
	OptionOrder []string `json:"o"` // option ids in shown order
}

// Paper is the set of questions one attempt gets, in shown order. It is a
// pure function of the blueprint, the candidate questions (BankVersion
// identifies them) and Seed.
type Paper struct {
	Seed        int64
	BankVersion int64
	Questions   []PaperQuestion
}

// Refs returns what an attempt stores to rebuild this paper.
func (p Paper) Refs() []PaperRef {
	refs := make([]PaperRef, len(p.Questions))
	for i, q := range p.Questions {
		order := make([]string, len(q.Options))
		for j, o := range q.Options {
			order[j] = o.ID
		}
		refs[i] = PaperRef{QuestionID: q.QuestionID, VersionID: q.VersionID, OptionOrder: order}
	}
	return refs
}
