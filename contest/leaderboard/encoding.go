package leaderboard

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"time"
)

// The bit layout is described in the package comment (doc.go); these
// constants are its single definition.
const (
	correctBits  = 7  // correct answers 0..127
	durationBits = 27 // duration 0..134,217,727 ms (37 h 16 min)
	timeHighBits = 19 // high bits of the inverted submission time, in the score
	timeLowBits  = 24 // low bits of the inverted submission time, first 3 bytes of the member
	timeBits     = timeHighBits + timeLowBits

	// MaxCorrectCount is the largest correct count the board can hold.
	MaxCorrectCount = 1<<correctBits - 1
	// MaxDurationMS is the longest duration the board can hold.
	MaxDurationMS = 1<<durationBits - 1
	// maxTimeMS is the last Unix millisecond the board can hold (2248-09-26).
	maxTimeMS = 1<<timeBits - 1

	durationShift = timeHighBits
	correctShift  = durationBits + timeHighBits

	// bucketBits: participant ids are grouped 128 to a mapping hash, so that
	// Redis keeps each group as a compact listpack (hash-max-listpack-entries
	// is 128 by default).
	bucketBits = 7

	// minMemberLen is 3 time bytes, the attempt length byte, one attempt
	// byte and one participant byte.
	minMemberLen = 6
)

// encoded is an entry in the board's form.
type encoded struct {
	score    int64  // < 2^53, exact in a float64
	tiebreak []byte // the member without the participant id
	pid      []byte // the participant id as a uvarint
	unit     string // decimal unit id, "0" for none
	bucket   string // mapping hash of the participant: pid >> bucketBits
	field    string // field in that hash: pid & 127
}

// member is what the sorted sets hold.
func (e encoded) member() string { return string(e.tiebreak) + string(e.pid) }

// encode checks that e fits the layout and returns its board form.
func encode(e Entry) (encoded, error) {
	switch {
	case e.ParticipantID <= 0:
		return encoded{}, fmt.Errorf("leaderboard: participant id %d must be positive", e.ParticipantID)
	case e.UnitID < 0:
		return encoded{}, fmt.Errorf("leaderboard: unit id %d is negative", e.UnitID)
	case e.AttemptID < 0:
		return encoded{}, fmt.Errorf("leaderboard: attempt id %d is negative", e.AttemptID)
	case e.CorrectCount < 0 || e.CorrectCount > MaxCorrectCount:
		return encoded{}, fmt.Errorf("leaderboard: correct count %d outside 0..%d", e.CorrectCount, MaxCorrectCount)
	case e.DurationMS < 0 || e.DurationMS > MaxDurationMS:
		return encoded{}, fmt.Errorf("leaderboard: duration %d ms outside 0..%d", e.DurationMS, MaxDurationMS)
	}
	ms := e.SubmittedAt.UnixMilli()
	if ms < 0 || ms > maxTimeMS {
		return encoded{}, fmt.Errorf("leaderboard: submission time %s outside 1970..%s", e.SubmittedAt, time.UnixMilli(maxTimeMS).UTC())
	}
	t := uint64(maxTimeMS - ms) // inverted: earlier is larger
	score := int64(e.CorrectCount)<<correctShift |
		(MaxDurationMS-e.DurationMS)<<durationShift |
		int64(t>>timeLowBits)

	a := uint64(e.AttemptID)
	n := max(1, (bits.Len64(a)+7)/8)
	tb := make([]byte, 4+n)
	tb[0], tb[1], tb[2] = byte(t>>16), byte(t>>8), byte(t)
	tb[3] = 0xFF - byte(n)
	for i := range n {
		tb[4+i] = ^byte(a >> (8 * (n - 1 - i)))
	}
	pid := binary.AppendUvarint(nil, uint64(e.ParticipantID))
	return encoded{
		score:    score,
		tiebreak: tb,
		pid:      pid,
		unit:     strconv.FormatInt(e.UnitID, 10),
		bucket:   strconv.FormatInt(e.ParticipantID>>bucketBits, 10),
		field:    strconv.FormatInt(e.ParticipantID&(1<<bucketBits-1), 10),
	}, nil
}

// participantKey returns the mapping bucket, field and uvarint bytes of a
// participant id, for lookups that have no entry.
func participantKey(pid int64) (bucket, field string, pidBytes []byte) {
	return strconv.FormatInt(pid>>bucketBits, 10),
		strconv.FormatInt(pid&(1<<bucketBits-1), 10),
		binary.AppendUvarint(nil, uint64(pid))
}

// decoded is what a board entry tells without a look-up elsewhere.
type decoded struct {
	ParticipantID int64
	AttemptID     int64
	CorrectCount  int
	DurationMS    int64
	SubmittedAt   time.Time
}

// decode reverses encode from a sorted-set score and member. Members come
// back from Redis, so a malformed one is an error, never a panic.
func decode(score int64, member string) (decoded, error) {
	if score < 0 || score >= 1<<53 {
		return decoded{}, fmt.Errorf("leaderboard: score %d outside the layout", score)
	}
	if len(member) < minMemberLen {
		return decoded{}, fmt.Errorf("leaderboard: member of %d bytes is too short", len(member))
	}
	n := int(0xFF - member[3])
	if n < 1 || n > 8 || len(member) < 4+n+1 {
		return decoded{}, fmt.Errorf("leaderboard: member has a bad attempt length %d", n)
	}
	var a uint64
	for i := range n {
		a = a<<8 | uint64(^member[4+i])
	}
	if a > 1<<63-1 {
		return decoded{}, fmt.Errorf("leaderboard: member attempt id overflows")
	}
	rest := member[4+n:]
	pid, k := binary.Uvarint([]byte(rest))
	if k <= 0 || k != len(rest) || pid == 0 || pid > 1<<63-1 {
		return decoded{}, fmt.Errorf("leaderboard: member has a bad participant id")
	}
	t := uint64(score&(1<<timeHighBits-1))<<timeLowBits |
		uint64(member[0])<<16 | uint64(member[1])<<8 | uint64(member[2])
	return decoded{
		ParticipantID: int64(pid),
		AttemptID:     int64(a),
		CorrectCount:  int(score >> correctShift),
		DurationMS:    MaxDurationMS - (score>>durationShift)&MaxDurationMS,
		SubmittedAt:   time.UnixMilli(maxTimeMS - int64(t)).UTC(),
	}, nil
}

// tiebreakLen returns the length of the tiebreak at the start of a mapping
// value or member, or -1 when it is malformed.
func tiebreakLen(v string) int {
	if len(v) < 5 {
		return -1
	}
	n := int(0xFF - v[3])
	if n < 1 || n > 8 || len(v) < 4+n {
		return -1
	}
	return 4 + n
}

// parseScore reads a sorted-set score as Redis prints it (an integer, or
// %.17g for large values) and checks it is an integer of the layout.
func parseScore(s string) (int64, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		if i < 0 || i >= 1<<53 {
			return 0, fmt.Errorf("leaderboard: score %d outside the layout", i)
		}
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= 1<<53 || f != float64(int64(f)) {
		return 0, fmt.Errorf("leaderboard: score %q is not an integer of the layout", s)
	}
	return int64(f), nil
}
