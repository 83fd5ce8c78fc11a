package contest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"lawcontest/questions"
)

// AppendAttemptJSON appends v as the API's attempt object: byte for byte
// what encoding/json writes for an AttemptView (attemptjson_test.go holds
// it to that), without its reflection.
//
// A start and a reload answer with the whole paper, and encoding/json was
// 18 % of the server's CPU in an opening burst: about 80 µs a start, most
// of it escaping the same question texts again for every attempt. The
// texts and options of a question version never change, so they are
// escaped once (shownCache) and copied after that.
//
// It fails where encoding/json fails: on a time outside years 0 to 9999.
func (s *Service) AppendAttemptJSON(b []byte, v AttemptView) ([]byte, error) {
	for _, t := range [...]time.Time{v.StartedAt, v.DeadlineAt, v.ServerTime} {
		if y := t.Year(); y < 0 || y > 9999 {
			return b, fmt.Errorf("attempt %d: time %s is outside JSON's years", v.ID, t)
		}
	}
	b = append(b, `{"id":"`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `","round_id":"`...)
	b = strconv.AppendInt(b, v.RoundID, 10)
	b = append(b, `","round_title":`...)
	b = appendJSONString(b, v.RoundTitle)
	b = append(b, `,"attempt_no":`...)
	b = strconv.AppendInt(b, int64(v.AttemptNo), 10)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, v.Status)
	b = append(b, `,"practice":`...)
	b = strconv.AppendBool(b, v.Practice)
	b = append(b, `,"started_at":`...)
	b = appendJSONTime(b, v.StartedAt)
	b = append(b, `,"deadline_at":`...)
	b = appendJSONTime(b, v.DeadlineAt)
	b = append(b, `,"server_time":`...)
	b = appendJSONTime(b, v.ServerTime)
	b = append(b, `,"questions":`...)
	if v.Questions == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, q := range v.Questions {
			if i > 0 {
				b = append(b, ',')
			}
			b = s.shown.appendQuestion(b, q)
		}
		b = append(b, ']')
	}
	b = append(b, `,"answers":`...)
	b = appendJSONStringMap(b, v.Answers)
	if v.PredictionQuestion != "" {
		b = append(b, `,"prediction_question":`...)
		b = appendJSONString(b, v.PredictionQuestion)
	}
	if v.Prediction != nil {
		b = append(b, `,"prediction":`...)
		b = strconv.AppendInt(b, int64(*v.Prediction), 10)
	}
	if v.Result != nil {
		// A finished attempt's reload: rare, so encoding/json writes it.
		r, err := json.Marshal(v.Result)
		if err != nil {
			return b, err // a time past year 9999, as encoding/json refuses it
		}
		b = append(b, `,"result":`...)
		b = append(b, r...)
	}
	return append(b, '}'), nil
}

// shownCache keeps, per question version, its text and options encoded as
// a participant is shown them. Versions are immutable; each entry also
// keeps the strings it was made from and is made again if a question
// comes with others, so a wrong text can never be served from it. It is
// emptied when it grows past shownCacheMax versions (a bank edited for
// months), which costs only the escaping again.
type shownCache struct {
	mu        sync.RWMutex
	byVersion map[int64]*shownVersion
}

const shownCacheMax = 20000

type shownVersion struct {
	text     string
	textJSON []byte
	options  []shownOption // the version's options, in any order
}

type shownOption struct {
	id, text string
	json     []byte // {"id":...,"text":...}
}

// appendQuestion appends q as encoding/json writes a ShownQuestion.
func (c *shownCache) appendQuestion(b []byte, q ShownQuestion) []byte {
	e := c.get(q)
	b = append(b, `{"id":"`...)
	b = strconv.AppendInt(b, q.ID, 10)
	b = append(b, `","text":`...)
	b = append(b, e.textJSON...)
	b = append(b, `,"options":`...)
	if q.Options == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i, o := range q.Options {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.option(o).json...)
	}
	return append(b, "]}"...)
}

// get returns q's entry, made (again) if q's strings are not its own.
func (c *shownCache) get(q ShownQuestion) *shownVersion {
	c.mu.RLock()
	e := c.byVersion[q.VersionID]
	c.mu.RUnlock()
	if e != nil && e.matches(q) {
		return e
	}
	e = newShownVersion(q)
	c.mu.Lock()
	if c.byVersion == nil || len(c.byVersion) >= shownCacheMax {
		c.byVersion = make(map[int64]*shownVersion)
	}
	c.byVersion[q.VersionID] = e
	c.mu.Unlock()
	return e
}

func newShownVersion(q ShownQuestion) *shownVersion {
	e := &shownVersion{text: q.Text, textJSON: appendJSONString(nil, q.Text),
		options: make([]shownOption, len(q.Options))}
	for i, o := range q.Options {
		j := append([]byte(`{"id":`), appendJSONString(nil, o.ID)...)
		j = append(j, `,"text":`...)
		j = append(appendJSONString(j, o.Text), '}')
		e.options[i] = shownOption{id: o.ID, text: o.Text, json: j}
	}
	return e
}

// matches reports whether e was made from q's text and options.
func (e *shownVersion) matches(q ShownQuestion) bool {
	if e.text != q.Text || len(e.options) != len(q.Options) {
		return false
	}
	for _, o := range q.Options {
		if so := e.option(o); so == nil || so.text != o.Text {
			return false
		}
	}
	return true
}

// option finds o's entry by id (four to six options: a scan).
func (e *shownVersion) option(o questions.Option) *shownOption {
	for i := range e.options {
		if e.options[i].id == o.ID {
			return &e.options[i]
		}
	}
	return nil
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters included). Plain ASCII, most of what is not
// question text, is copied as it is; anything else goes through
// encoding/json itself, so the two can never differ.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // a string always encodes
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON does.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendJSONStringMap appends m as encoding/json does: keys sorted, null
// for a nil map.
func appendJSONStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}
