package contest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"

	"lawcontest/pgstmt"
	"lawcontest/questions"
)

// paperCache keeps the papers of attempts (whose they are, and which
// questions and options they hold) for checking autosaves. A paper never
// changes once drawn, so nothing is ever stale; the load test's profile
// had Postgres spending most of an autosave's time unpacking the paper's
// JSON to check one answer against it. Status and deadline, which do
// change, are still checked in the autosave's statement.
type paperCache struct {
	stmts *pgstmt.Cache

	mu     sync.Mutex
	papers map[int64]*cachedPaper
}

// cachedPaper is a paper in a compact form (about 1 KB for 19 questions):
// a process can hold every attempt in progress of a large round. The
// option ids of all questions are joined in options, each ended by a zero
// byte, those of questions[i] ending at ends[i]. Three blocks without
// pointers, not a string per question: the garbage collector marks a
// paper's blocks without reading them. With 40,000 attempts in progress
// the collector took about a tenth of the server's CPU in the load test's
// submit phase; this layout took the cache from 924,000 to 209,000
// objects in use, and from 68.5 to 53.5 MB.
type cachedPaper struct {
	participantID int64
	questions     []int64
	options       string
	ends          []uint32
}

// paperCacheMax bounds the cache: beyond it, an arbitrary part is dropped
// and read again when needed. Papers are dropped as their attempts finish,
// so it holds the attempts in progress.
const paperCacheMax = 50_000

func newCachedPaper(participantID int64, refs []questions.PaperRef) *cachedPaper {
	p := &cachedPaper{participantID: participantID, questions: make([]int64, len(refs)), ends: make([]uint32, len(refs))}
	var b strings.Builder
	for i, r := range refs {
		for _, o := range r.OptionOrder {
			b.WriteString(o)
			b.WriteByte(0)
		}
		p.questions[i], p.ends[i] = r.QuestionID, uint32(b.Len())
	}
	p.options = b.String()
	return p
}

// check reports whether a question is in the paper and the option is one
// of its options.
func (p *cachedPaper) check(questionID int64, optionID string) (questionOK, optionOK bool) {
	i := slices.Index(p.questions, questionID)
	if i < 0 {
		return false, false
	}
	start := uint32(0)
	if i > 0 {
		start = p.ends[i-1]
	}
	rest := p.options[start:p.ends[i]]
	for rest != "" {
		var o string
		o, rest, _ = strings.Cut(rest, "\x00")
		if o == optionID {
			return true, true
		}
	}
	return true, false
}

// drop forgets the papers of finished attempts.
func (c *paperCache) drop(attemptID int64) {
	c.mu.Lock()
	delete(c.papers, attemptID)
	c.mu.Unlock()
}

func (c *paperCache) put(attemptID int64, p *cachedPaper) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.papers == nil {
		c.papers = map[int64]*cachedPaper{}
	}
	if len(c.papers) >= paperCacheMax {
		n := 0
		for k := range c.papers {
			delete(c.papers, k)
			if n++; n >= paperCacheMax/8 {
				break
			}
		}
	}
	c.papers[attemptID] = p
}

// get returns an attempt's paper, nil when there is no such attempt.
func (c *paperCache) get(ctx context.Context, attemptID int64) (*cachedPaper, error) {
	c.mu.Lock()
	p := c.papers[attemptID]
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	var (
		participantID int64
		raw           []byte
	)
	err := c.stmts.QueryRow(ctx, `
		SELECT a.participant_id, p.paper FROM attempts a JOIN attempt_papers p ON p.attempt_id = a.id
		WHERE a.id = $1`, attemptID).Scan(&participantID, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var refs []questions.PaperRef
	if err := json.Unmarshal(raw, &refs); err != nil {
		return nil, err
	}
	p = newCachedPaper(participantID, refs)
	c.put(attemptID, p)
	return p, nil
}
