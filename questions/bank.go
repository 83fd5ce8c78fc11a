package questions

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"lawcontest/apperr"
	"lawcontest/clock"
	"lawcontest/vntext"
)

// revisionCheckEvery bounds how stale one instance's draw candidates can be
// after another instance changes the bank: a draw checks the bank revision
// (one indexed single-row read) at most this often. Changes made through
// this Bank are seen by its next draw at once.
const revisionCheckEvery = time.Second

var errNotFound = apperr.New(apperr.NotFound, "question.not_found")

// Bank is the question bank: authoring, import and export, and drawing
// papers. It is safe for concurrent use; build one per process.
type Bank struct {
	db  *sqlx.DB
	clk clock.Clock
	st  store

	snap      atomic.Pointer[snapshot]
	checkedAt atomic.Int64 // UnixNano of the last revision check; 0 forces one
	refreshMu sync.Mutex

	// Records drawn versions (usage.go); after warm-up a draw writes
	// nothing.
	usage *usageRecorder

	// Versions never change once written, so they are cached without
	// invalidation for Rebuild.
	versMu   sync.RWMutex
	versions map[int64]*version

	// Blueprint category -> (cleaned, folded): normalizing Unicode is the
	// costliest step of a draw otherwise. Bounded by maxCachedCategories.
	catKeys  sync.Map
	catCount atomic.Int64
}

const maxCachedCategories = 4096

type catKeyPair struct{ clean, key string }

// categoryKey cleans and folds a blueprint's category, cached.
func (b *Bank) categoryKey(raw string) (string, string) {
	if v, ok := b.catKeys.Load(raw); ok {
		p := v.(catKeyPair)
		return p.clean, p.key
	}
	c := vntext.Clean(raw)
	p := catKeyPair{c, categoryKey(c)}
	if b.catCount.Add(1) <= maxCachedCategories {
		b.catKeys.Store(raw, p)
	}
	return p.clean, p.key
}

// NewBank returns a bank over db; clk stamps changes and paces revision
// checks.
func NewBank(db *sqlx.DB, clk clock.Clock) *Bank {
	b := &Bank{
		db:       db,
		clk:      clk,
		st:       store{db: db},
		versions: map[int64]*version{},
	}
	b.usage = newUsageRecorder(func(ctx context.Context, ids []int64) error {
		return b.st.recordUsage(ctx, ids, b.clk.Now())
	})
	return b
}

// version is one immutable question version as drawing needs it.
type version struct {
	QuestionID      int64
	VersionID       int64
	Text            string
	Options         []Option // author's order
	CorrectOptionID string
	Category        string
	Difficulty      Difficulty
	Explanation     string
	LegalReference  string
}

// snapshot is the set of active questions at one bank revision, grouped the
// way blueprints ask for them. Each list is sorted by question id, so a
// draw does not depend on load order.
type snapshot struct {
	revision   int64
	byKind     map[kind][]*version
	byCategory map[string][]*version
}

type kind struct {
	category   string // categoryKey
	difficulty Difficulty
}

// categoryKey is how blueprints and filters match categories: ignoring
// case, diacritics and spacing.
func categoryKey(c string) string { return vntext.Fold(c) }

func newSnapshot(rev int64, vs []*version) *snapshot {
	s := &snapshot{revision: rev, byKind: map[kind][]*version{}, byCategory: map[string][]*version{}}
	for _, v := range vs { // already in question id order
		ck := categoryKey(v.Category)
		k := kind{ck, v.Difficulty}
		s.byKind[k] = append(s.byKind[k], v)
		s.byCategory[ck] = append(s.byCategory[ck], v)
	}
	return s
}

// current returns the candidates, reloading them when the bank revision has
// moved. force checks the revision now instead of at most once a second.
func (b *Bank) current(ctx context.Context, force bool) (*snapshot, error) {
	s := b.snap.Load()
	if s != nil && !force && b.fresh() {
		return s, nil
	}
	b.refreshMu.Lock()
	defer b.refreshMu.Unlock()
	// Another goroutine may have checked while this one waited.
	if s2 := b.snap.Load(); s2 != nil && !force && b.fresh() {
		return s2, nil
	}
	checked := b.clk.Now()
	if s := b.snap.Load(); s != nil {
		rev, err := b.st.revision(ctx)
		if err != nil {
			return nil, fmt.Errorf("bank revision: %w", err)
		}
		if rev == s.revision {
			b.checkedAt.Store(checked.UnixNano())
			return s, nil
		}
	}
	rev, vs, err := b.st.loadActive(ctx)
	if err != nil {
		return nil, fmt.Errorf("load bank: %w", err)
	}
	ns := newSnapshot(rev, vs)
	b.snap.Store(ns)
	b.checkedAt.Store(checked.UnixNano())
	b.cacheVersions(vs)
	return ns, nil
}

func (b *Bank) fresh() bool {
	at := b.checkedAt.Load()
	return at != 0 && b.clk.Now().UnixNano()-at < int64(revisionCheckEvery)
}

// changed makes the next draw check the revision, after this process
// changed the bank.
func (b *Bank) changed() { b.checkedAt.Store(0) }

func (b *Bank) cacheVersions(vs []*version) {
	b.versMu.Lock()
	for _, v := range vs {
		b.versions[v.VersionID] = v
	}
	b.versMu.Unlock()
}

// Get returns a question with its current version.
func (b *Bank) Get(ctx context.Context, id int64) (Question, error) {
	return b.st.get(ctx, b.db, id, false)
}

// MaxListLimit caps one page of the organizer's list.
const MaxListLimit = 200

// List returns one page of questions matching f, newest first, and how many
// match in all.
func (b *Bank) List(ctx context.Context, f Filter) ([]Question, int, error) {
	var fe apperr.Fields
	if f.Difficulty != "" && !validDifficulty(f.Difficulty) {
		fe.Add("difficulty", "question.difficulty_invalid")
	}
	if f.Status != "" && f.Status != Active && f.Status != Retired {
		fe.Add("status", "question.status_invalid")
	}
	if f.Limit < 0 || f.Offset < 0 {
		fe.Add("limit", "question.paging_invalid")
	}
	if err := fe.Err(); err != nil {
		return nil, 0, err
	}
	if f.Limit == 0 || f.Limit > MaxListLimit {
		f.Limit = min(max(f.Limit, 50), MaxListLimit)
	}
	f.Query = vntext.Fold(f.Query)
	return b.st.list(ctx, f)
}

// Categories returns the active questions per category and difficulty.
func (b *Bank) Categories(ctx context.Context) ([]CategoryCount, error) {
	return b.st.categories(ctx)
}

// Create adds a question. A question equal to one in the bank (same text
// and options, ignoring case, diacritics and option order) is refused with
// a conflict.
func (b *Bank) Create(ctx context.Context, actor Actor, in Input) (Question, error) {
	var f apperr.Fields
	c := normalize(in, &f)
	if err := f.Err(); err != nil {
		return Question{}, err
	}
	opts, correctID := c.withIDs()
	now := b.clk.Now()
	var id int64
	err := b.inTx(ctx, func(tx *sqlx.Tx) error {
		ids, err := b.st.insertQuestions(ctx, tx, actor, now, []newVersion{{content: c, options: opts, correctID: correctID}})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return apperr.New(apperr.Conflict, "question.duplicate")
		}
		id = ids[0]
		return b.st.writeAudit(ctx, tx, now, actor, "question.create", id, auditContent(c))
	})
	if err != nil {
		return Question{}, err
	}
	b.changed()
	return b.Get(ctx, id)
}

// Update changes a question. A change of content (text, options, correct
// option, category, difficulty, explanation, legal reference) makes a new
// version, so papers that showed the old one stay exactly as they were.
// Status moves between active and retired.
func (b *Bank) Update(ctx context.Context, actor Actor, id int64, p Patch) (Question, error) {
	now := b.clk.Now()
	changed := false
	err := b.inTx(ctx, func(tx *sqlx.Tx) error {
		q, err := b.st.get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if p.Version != nil && *p.Version != q.Version {
			return apperr.New(apperr.Conflict, "question.edited_meanwhile")
		}
		var f apperr.Fields
		if p.Status != nil && *p.Status != Active && *p.Status != Retired {
			f.Add("status", "question.status_invalid")
		}
		in := p.apply(q, &f)
		c := normalize(in, &f)
		if err := f.Err(); err != nil {
			return err
		}
		details := map[string]any{}
		if !c.equal(contentOf(q)) {
			opts, correctID := c.withIDs()
			err := b.st.addVersion(ctx, tx, actor, now, id, q.Version+1, newVersion{content: c, options: opts, correctID: correctID})
			if pqCode(err) == uniqueViolation {
				return apperr.New(apperr.Conflict, "question.duplicate")
			}
			if err != nil {
				return err
			}
			details["version"] = q.Version + 1
			details["content"] = auditContent(c)
		}
		if p.Status != nil && *p.Status != q.Status {
			if err := b.st.setStatus(ctx, tx, now, id, *p.Status); err != nil {
				return err
			}
			details["status"] = *p.Status
		}
		if len(details) == 0 {
			return nil
		}
		changed = true
		if err := b.st.bumpRevision(ctx, tx); err != nil {
			return err
		}
		return b.st.writeAudit(ctx, tx, now, actor, "question.update", id, details)
	})
	if err != nil {
		return Question{}, err
	}
	if changed {
		b.changed()
	}
	return b.Get(ctx, id)
}

// DeleteResult says what Delete did.
type DeleteResult string

const (
	ResultDeleted DeleteResult = "deleted"
	ResultRetired DeleteResult = "retired"
)

// Delete removes a question that was never drawn into a paper, and retires
// one that was (attempts keep what they were shown).
func (b *Bank) Delete(ctx context.Context, actor Actor, id int64) (DeleteResult, error) {
	for try := 0; ; try++ {
		res, err := b.delete(ctx, actor, id)
		// A draw that recorded the question between our check and the
		// delete makes the foreign key refuse it: try again, and retire.
		if pqCode(err) == foreignKeyViolation && try == 0 {
			continue
		}
		if err == nil {
			b.changed()
		}
		return res, err
	}
}

func (b *Bank) delete(ctx context.Context, actor Actor, id int64) (DeleteResult, error) {
	now := b.clk.Now()
	var res DeleteResult
	err := b.inTx(ctx, func(tx *sqlx.Tx) error {
		q, err := b.st.get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		drawn, err := b.st.drawn(ctx, tx, id)
		if err != nil {
			return err
		}
		if drawn {
			res = ResultRetired
			if q.Status != Retired {
				if err := b.st.setStatus(ctx, tx, now, id, Retired); err != nil {
					return err
				}
			}
		} else {
			res = ResultDeleted
			if err := b.st.delete(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := b.st.bumpRevision(ctx, tx); err != nil {
			return err
		}
		return b.st.writeAudit(ctx, tx, now, actor, "question."+string(res), id,
			map[string]any{"version": q.Version, "content": auditContent(contentOf(q))})
	})
	return res, err
}

// inTx runs a change to the bank in a transaction, committing when fn
// returns nil (the commit checks deferred foreign keys, so its error is
// returned too). Changes are serialized on the bank's revision row: they
// are rare, and taking that lock first rules out deadlocks between, say,
// two imports that share questions in another order.
func (b *Bank) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := b.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := b.st.lockBank(ctx, tx); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// auditContent is what the audit log keeps of a version: enough to tell
// later what was changed to what.
func auditContent(c content) map[string]any {
	return map[string]any{
		"text": c.text, "options": c.options, "correct": c.correct, "category": c.category,
		"difficulty": c.difficulty, "explanation": c.explanation, "legal_reference": c.legalRef,
	}
}
