package questions

import (
	"strings"
	"testing"

	"lawcontest/apperr"
)

func validInput() Input {
	return Input{
		Text:           "  Luật An ninh mạng năm 2018 có hiệu lực từ ngày nào?  ",
		Options:        []string{"01/01/2019", "12/6/2018", "01/7/2019"},
		Correct:        0,
		Category:       "Luật An ninh mạng",
		Difficulty:     Easy,
		Explanation:    "Điều 43.",
		LegalReference: "Khoản 1 Điều 43 Luật An ninh mạng năm 2018",
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		edit   func(*Input)
		fields map[string]string // field -> key; empty means valid
	}{
		{"valid", func(*Input) {}, nil},
		{"empty text", func(in *Input) { in.Text = " \n " }, map[string]string{"text": "question.text_required"}},
		{"text too long", func(in *Input) { in.Text = strings.Repeat("á", MaxTextLen+1) }, map[string]string{"text": "question.text_too_long"}},
		{"text at limit", func(in *Input) { in.Text = strings.Repeat("á", MaxTextLen) }, nil},
		{"one option", func(in *Input) { in.Options = []string{"x"}; in.Correct = 0 }, map[string]string{"options": "question.options_count"}},
		{"seven options", func(in *Input) { in.Options = []string{"1", "2", "3", "4", "5", "6", "7"} }, map[string]string{"options": "question.options_count"}},
		{"empty option", func(in *Input) { in.Options[1] = "  " }, map[string]string{"options[1]": "question.option_empty"}},
		{"duplicate option ignoring case", func(in *Input) { in.Options[2] = "01/01/2019 " }, map[string]string{"options[2]": "question.option_duplicate"}},
		{"duplicate option case", func(in *Input) { in.Options = []string{"Có", "CÓ"} }, map[string]string{"options[1]": "question.option_duplicate"}},
		{"option too long", func(in *Input) { in.Options[0] = strings.Repeat("x", MaxOptionLen+1) }, map[string]string{"options[0]": "question.option_too_long"}},
		{"correct out of range", func(in *Input) { in.Correct = 3 }, map[string]string{"correct": "question.correct_out_of_range"}},
		{"correct negative", func(in *Input) { in.Correct = -2 }, map[string]string{"correct": "question.correct_out_of_range"}},
		{"no correct chosen", func(in *Input) { in.Correct = NoCorrect }, map[string]string{"correct": "question.correct_required"}},
		{"no category", func(in *Input) { in.Category = "" }, map[string]string{"category": "question.category_required"}},
		{"no difficulty", func(in *Input) { in.Difficulty = "" }, map[string]string{"difficulty": "question.difficulty_required"}},
		{"bad difficulty", func(in *Input) { in.Difficulty = "dễ" }, map[string]string{"difficulty": "question.difficulty_invalid"}},
		{"explanation too long", func(in *Input) { in.Explanation = strings.Repeat("x", MaxExplanationLen+1) }, map[string]string{"explanation": "question.explanation_too_long"}},
		{"reference too long", func(in *Input) { in.LegalReference = strings.Repeat("x", MaxLegalRefLen+1) }, map[string]string{"legal_reference": "question.legal_reference_too_long"}},
		{"several at once", func(in *Input) { in.Text = ""; in.Category = "" }, map[string]string{"text": "question.text_required", "category": "question.category_required"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			in.Options = append([]string(nil), in.Options...)
			tc.edit(&in)
			var f apperr.Fields
			c := normalize(in, &f)
			err := f.Err()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				if c.text != strings.TrimSpace(in.Text) {
					t.Fatalf("text not trimmed: %q", c.text)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Validation {
				t.Fatalf("want validation error, got %v", err)
			}
			if len(e.Fields) != len(tc.fields) {
				t.Fatalf("fields = %v, want %v", e.Fields, tc.fields)
			}
			for f, k := range tc.fields {
				if e.Fields[f].Key != k {
					t.Errorf("field %s: got %q, want %q", f, e.Fields[f].Key, k)
				}
			}
		})
	}
}

func TestNormalizeNFC(t *testing.T) {
	t.Parallel()
	in := validInput()
	in.Text = "Lua\u0323t" // a + combining dot below, as some keyboards type it
	var f apperr.Fields
	if c := normalize(in, &f); c.text != "Lu\u1ea1t" {
		t.Fatalf("text not NFC: %q", c.text)
	}
}

func TestParseDifficulty(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Difficulty{
		"easy": Easy, "Dễ": Easy, "de": Easy, " DỄ ": Easy,
		"medium": Medium, "Trung bình": Medium, "trung  binh": Medium,
		"hard": Hard, "Khó": Hard, "KHO": Hard,
	} {
		if got, ok := ParseDifficulty(in); !ok || got != want {
			t.Errorf("ParseDifficulty(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "rất khó", "1", "normal"} {
		if _, ok := ParseDifficulty(in); ok {
			t.Errorf("ParseDifficulty(%q) accepted", in)
		}
	}
}

func TestDupKey(t *testing.T) {
	t.Parallel()
	base := content{text: "Luật An ninh mạng có hiệu lực khi nào?", options: []string{"Năm 2019", "Năm 2020"}}
	same := []content{
		{text: "luật an ninh mạng  có hiệu lực khi nào?", options: []string{"năm 2019", "năm 2020"}},
		{text: "Luat An ninh mang co hieu luc khi nao?", options: []string{"Nam 2019", "Nam 2020"}},
		{text: base.text, options: []string{"Năm 2020", "Năm 2019"}}, // options in another order
	}
	for _, c := range same {
		if c.dupKey() != base.dupKey() {
			t.Errorf("%q %q should be a duplicate", c.text, c.options)
		}
	}
	differ := []content{
		{text: base.text, options: []string{"Năm 2019", "Năm 2021"}},
		{text: base.text, options: []string{"Năm 2019", "Năm 2020", "Năm 2021"}},
		{text: base.text + " (năm)", options: base.options},
		// option texts that would join into the same string
		{text: base.text, options: []string{"Năm 2019 Năm", "2020"}},
	}
	for _, c := range differ {
		if c.dupKey() == base.dupKey() {
			t.Errorf("%q %q should not be a duplicate", c.text, c.options)
		}
	}
}

func TestOptionIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		ids := newOptionIDs(6)
		for _, id := range ids {
			if len(id) != 8 || seen[id] {
				t.Fatalf("bad or repeated id %q", id)
			}
			seen[id] = true
		}
	}
}

func TestPatchKeepsCorrectAnswerWhenOptionsMove(t *testing.T) {
	t.Parallel()
	q := Question{Text: "Q", Options: []Option{{"a", "Một"}, {"b", "Hai"}, {"c", "Ba"}}, Correct: 1,
		Category: "C", Difficulty: Easy}
	opts := []string{"Ba", "hai", "Một"}
	var f apperr.Fields
	in := Patch{Options: &opts}.apply(q, &f)
	if f.Err() != nil || in.Correct != 1 {
		t.Fatalf("correct = %d, err %v; want 1 (\"hai\")", in.Correct, f.Err())
	}
	opts2 := []string{"Bốn", "Năm"}
	in = Patch{Options: &opts2}.apply(q, &f)
	normalize(in, &f)
	if e, _ := apperr.As(f.Err()); e == nil || e.Fields["correct"].Key != "question.correct_required" {
		t.Fatalf("want correct_required when the old answer is gone, got %v", f.Err())
	}
}
