package leaderboard

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// above reports whether (score, member) of a lists before that of b in
// ZREVRANGE: the Go twin of Redis's order, to test the encoding alone.
func encAbove(a, b encoded) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return bytes.Compare([]byte(a.member()), []byte(b.member())) > 0
}

func mustEncode(t testing.TB, e Entry) encoded {
	t.Helper()
	enc, err := encode(e)
	if err != nil {
		t.Fatalf("encode %+v: %v", e, err)
	}
	return enc
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	maxTime := time.UnixMilli(maxTimeMS)
	cases := []Entry{
		{ParticipantID: 1, AttemptID: 0, CorrectCount: 0, DurationMS: 0, SubmittedAt: time.UnixMilli(0)},
		{ParticipantID: 1, AttemptID: 1, CorrectCount: MaxCorrectCount, DurationMS: MaxDurationMS, SubmittedAt: maxTime},
		{ParticipantID: math.MaxInt64, AttemptID: math.MaxInt64, CorrectCount: 20, DurationMS: 600_000, SubmittedAt: time.Date(2026, 11, 27, 8, 0, 0, 123_456_000, time.UTC)},
		{ParticipantID: 127, AttemptID: 255, UnitID: 17, CorrectCount: 19, DurationMS: 1, SubmittedAt: time.UnixMilli(1 << 24)},
		{ParticipantID: 128, AttemptID: 256, CorrectCount: 1, DurationMS: MaxDurationMS - 1, SubmittedAt: time.UnixMilli(1<<24 - 1)},
	}
	for _, e := range cases {
		enc := mustEncode(t, e)
		if enc.score >= 1<<53 || enc.score < 0 {
			t.Errorf("%+v: score %d outside [0, 2^53)", e, enc.score)
		}
		d, err := decode(enc.score, enc.member())
		if err != nil {
			t.Fatalf("%+v: decode: %v", e, err)
		}
		want := decoded{e.ParticipantID, e.AttemptID, e.CorrectCount, e.DurationMS, time.UnixMilli(e.SubmittedAt.UnixMilli()).UTC()}
		if d != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", d, want)
		}
	}
}

func TestEncodeRefusesWhatDoesNotFit(t *testing.T) {
	t.Parallel()
	ok := Entry{ParticipantID: 1, AttemptID: 1, CorrectCount: 1, DurationMS: 1, SubmittedAt: time.UnixMilli(1)}
	cases := map[string]func(*Entry){
		"participant 0":     func(e *Entry) { e.ParticipantID = 0 },
		"negative unit":     func(e *Entry) { e.UnitID = -1 },
		"negative attempt":  func(e *Entry) { e.AttemptID = -1 },
		"negative correct":  func(e *Entry) { e.CorrectCount = -1 },
		"correct too big":   func(e *Entry) { e.CorrectCount = MaxCorrectCount + 1 },
		"negative duration": func(e *Entry) { e.DurationMS = -1 },
		"duration too long": func(e *Entry) { e.DurationMS = MaxDurationMS + 1 },
		"before 1970":       func(e *Entry) { e.SubmittedAt = time.UnixMilli(-1) },
		"after 2248":        func(e *Entry) { e.SubmittedAt = time.UnixMilli(maxTimeMS + 1) },
		"zero time":         func(e *Entry) { e.SubmittedAt = time.Time{} },
	}
	for name, change := range cases {
		e := ok
		change(&e)
		if _, err := encode(e); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	if _, err := encode(ok); err != nil {
		t.Fatal(err)
	}
}

// TestEncodingOrderEqualsBetter checks the encoding against Better on
// random pairs drawn from few values, so that most pairs tie on several
// keys, without Redis.
func TestEncodingOrderEqualsBetter(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	gen := func() Entry { return genEntry(r, 1) }
	for i := 0; i < 200_000; i++ {
		a, b := gen(), gen()
		ea, eb := mustEncode(t, a), mustEncode(t, b)
		if a.AttemptID == b.AttemptID {
			continue // one attempt is one entry
		}
		if got, want := encAbove(ea, eb), Better(a, b); got != want {
			t.Fatalf("encoding says %v, Better says %v:\n a=%+v\n b=%+v", got, want, a, b)
		}
	}
}

// genEntry draws an entry from small sets of values at the edges of the
// layout, so that ties are many. pid is the participant id to use.
func genEntry(r *rand.Rand, pid int64) Entry {
	corrects := []int{0, 1, 19, 20, MaxCorrectCount}
	durations := []int64{0, 1, 2, 59_999, 60_000, MaxDurationMS - 1, MaxDurationMS}
	base := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC).UnixMilli()
	times := []int64{0, 1, 1<<24 - 1, 1 << 24, base, base + 1, base + 2, maxTimeMS - 1, maxTimeMS}
	attempts := []int64{0, 1, 255, 256, 65_535, 65_536, 1<<32 - 1, 1 << 32, math.MaxInt64 - 1, math.MaxInt64}
	ms := times[r.IntN(len(times))]
	us := int64(0)
	if ms < maxTimeMS {
		us = r.Int64N(1000) // sub-millisecond noise: the same millisecond
	}
	a := attempts[r.IntN(len(attempts))]
	if a >= 2 {
		a -= r.Int64N(3)
	}
	return Entry{
		RoundID:       1,
		ParticipantID: pid,
		UnitID:        r.Int64N(4),
		AttemptID:     a,
		CorrectCount:  corrects[r.IntN(len(corrects))],
		DurationMS:    durations[r.IntN(len(durations))],
		SubmittedAt:   time.UnixMicro(ms*1000 + us).UTC(),
	}
}

func FuzzDecode(f *testing.F) {
	for _, e := range []Entry{
		{ParticipantID: 1, AttemptID: 0, SubmittedAt: time.UnixMilli(0)},
		{ParticipantID: math.MaxInt64, AttemptID: math.MaxInt64, CorrectCount: MaxCorrectCount, DurationMS: MaxDurationMS, SubmittedAt: time.UnixMilli(maxTimeMS)},
		{ParticipantID: 4242, AttemptID: 99_999, CorrectCount: 17, DurationMS: 423_117, SubmittedAt: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)},
	} {
		enc, _ := encode(e)
		f.Add(enc.score, enc.member())
	}
	f.Add(int64(-1), "")
	f.Add(int64(1<<53), "\x00\x00\x00\xf7\xff\xff\xff\xff\xff\xff\xff\xff\x01")
	f.Fuzz(func(t *testing.T, score int64, member string) {
		d, err := decode(score, member)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to the same score, and to the same
		// member when the member was in canonical form.
		enc, err := encode(Entry{ParticipantID: d.ParticipantID, AttemptID: d.AttemptID,
			CorrectCount: d.CorrectCount, DurationMS: d.DurationMS, SubmittedAt: d.SubmittedAt})
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", d, err)
		}
		if enc.score != score {
			t.Fatalf("score %d decoded and encoded to %d", score, enc.score)
		}
		if tiebreakLen(member) < 0 {
			t.Fatalf("decode accepted a member whose tiebreak tiebreakLen refuses")
		}
	})
}

func FuzzEncodingOrder(f *testing.F) {
	f.Add(20, int64(1000), int64(1_800_000_000_000), int64(7), 20, int64(1000), int64(1_800_000_000_000), int64(8))
	f.Add(0, int64(0), int64(0), int64(0), MaxCorrectCount, int64(MaxDurationMS), int64(maxTimeMS), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, c1 int, d1, s1, a1 int64, c2 int, d2, s2, a2 int64) {
		a := Entry{ParticipantID: 1, AttemptID: a1, CorrectCount: c1, DurationMS: d1, SubmittedAt: time.UnixMilli(s1)}
		b := Entry{ParticipantID: 2, AttemptID: a2, CorrectCount: c2, DurationMS: d2, SubmittedAt: time.UnixMilli(s2)}
		ea, err1 := encode(a)
		eb, err2 := encode(b)
		if err1 != nil || err2 != nil || a1 == a2 {
			return
		}
		if got, want := encAbove(ea, eb), Better(a, b); got != want {
			t.Fatalf("encoding says %v, Better says %v:\n a=%+v\n b=%+v", got, want, a, b)
		}
	})
}

func TestParseScore(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int64{
		"0":                      0,
		"8936830041390591":       8936830041390591,
		"9007199254740991":       1<<53 - 1,
		"8.9368300413905910e+15": 8936830041390591,
	} {
		got, err := parseScore(s)
		if err != nil || got != want {
			t.Errorf("parseScore(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "x", "-1", "1.5", "9007199254740992", "inf", "nan"} {
		if _, err := parseScore(s); err == nil {
			t.Errorf("parseScore(%q) accepted", s)
		}
	}
}
