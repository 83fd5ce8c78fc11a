package contest

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"lawcontest/apperr"
	"lawcontest/questions"
)

func TestLocalTimes(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	if FormatLocal(at) != "2026-11-27T08:00" || DisplayLocal(at) != "08:00 27/11/2026" {
		t.Fatal(FormatLocal(at), DisplayLocal(at))
	}
}

// FuzzParseAnswers: any map from a request is refused with a validation
// error or gives canonical positive question ids with non-empty options.
func FuzzParseAnswers(f *testing.F) {
	f.Add(`{"101":"o101x0","102":"o102x3"}`)
	f.Add(`{"0":"a"}`)
	f.Add(`{"-1":"a","+2":"b","007":"c"}`)
	f.Add(`{"9223372036854775808":"a"}`)
	f.Add(`{"1":""}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in map[string]string
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		out, err := ParseAnswers(in)
		if err != nil {
			if !apperr.Is(err, apperr.Validation) {
				t.Fatalf("%s: %v", body, err)
			}
			return
		}
		if len(out) != len(in) {
			t.Fatalf("%s: %d answers from %d", body, len(out), len(in))
		}
		for q, o := range out {
			if q <= 0 || in[strconv.FormatInt(q, 10)] != o || o == "" {
				t.Fatalf("%s: %d -> %q", body, q, o)
			}
		}
	})
}

// FuzzRoundInput: whatever JSON an organizer sends, normalize either
// refuses it with field messages or leaves a round the database accepts.
func FuzzRoundInput(f *testing.F) {
	f.Add(`{"title":"Đợt 1","opens_at":"2026-11-27T01:00:00Z","closes_at":"2026-12-01T01:00:00Z","duration_ms":600000,"max_attempts":1,"points_per_question":5,"blueprint":[{"category":"Luật Trẻ em","count":5}]}`)
	f.Add(`{"title":"  ","practice":true,"duration_ms":-1,"blueprint":[{"category":"","difficulty":"x","count":0}]}`)
	f.Add(`{"title":"a","opens_at":"2026-11-27T01:00:00Z","closes_at":"2026-11-27T01:00:00Z","duration_ms":60000,"max_attempts":20,"points_per_question":100,"blueprint":[{"category":"b","difficulty":"hard","count":100}],"prediction_question":"?"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in RoundInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		err := in.normalize()
		if err != nil {
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.Validation || len(ae.Fields) == 0 {
				t.Fatalf("%s: %v", body, err)
			}
			return
		}
		if in.Title == "" || !in.ClosesAt.After(in.OpensAt) || in.DurationMS < minDurationMS || in.PointsPerQuestion < 1 {
			t.Fatalf("%s: accepted %+v", body, in)
		}
		n := questionCount(in.Blueprint)
		if n < 1 || n > maxQuestions || (!in.Practice && in.MaxAttempts < 1) {
			t.Fatalf("%s: accepted %+v", body, in)
		}
		for _, p := range in.Blueprint {
			switch p.Difficulty {
			case "", questions.Easy, questions.Medium, questions.Hard:
			default:
				t.Fatalf("%s: difficulty %q accepted", body, p.Difficulty)
			}
		}
	})
}
