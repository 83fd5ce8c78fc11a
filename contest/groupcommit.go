package contest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Autosaves are committed in groups. Every acknowledged autosave must be
// committed in Postgres, and a commit costs a WAL flush: one transaction
// per autosave makes the disk's flush rate the ceiling of the whole
// contest (the load test measured autosaves at a fraction of the raw
// single-row INSERT rate, waiting on WALWrite). So autosaves that arrive
// while earlier ones are being committed wait and are then committed
// together, in one statement, each still acknowledged only after that
// commit. There is no fixed batching delay: when Postgres keeps up, a
// group is the one autosave that came; the busier it gets, the larger the
// groups, which is when they pay.

// The same holds for starts and submits (a row lock, a count or a scoring
// update, a commit): those that arrive together are committed in one call
// of a SQL function (startcommit.go, submitcommit.go).

// answerSave is one autosave waiting for its group's commit.
type answerSave struct {
	attemptID, participantID, questionID int64
	optionID                             string
	now, cutoff                          time.Time
	// questionOK and optionOK say whether the answer fits the attempt's
	// paper (checked before, against the cached paper)
	questionOK, optionOK bool

	res saveResult
}

func (it *answerSave) groupKey() saveKey { return saveKey{it.attemptID, it.questionID} }

// saveKey names what one group must not hold twice: one statement cannot
// upsert a row twice, and a group cannot submit an attempt twice.
type saveKey struct{ attempt, question int64 }

// groupItem is what a groupCommit commits: an autosave or a submit.
type groupItem interface {
	groupKey() saveKey
}

// saveGroup is a set of items committed together. Two items with the same
// key never share a group; the later one goes to the next group.
type saveGroup[T groupItem] struct {
	items []T
	keys  map[saveKey]struct{}
	err   error
	done  chan struct{}
}

// commitTimeout bounds one group's commit, and its afterCommit.
const commitTimeout = 30 * time.Second

// groupCommit queues items into groups and commits up to maxRunning
// groups at once, in arrival order.
type groupCommit[T groupItem] struct {
	commit     func(ctx context.Context, items []T) error
	maxGroup   int
	maxRunning int
	// afterCommit, when set, runs after a group's successful commit and
	// before its callers return, but outside the maxRunning slots: the next
	// group's commit starts while it runs. Submits put their attempts on
	// the live board here, so that Postgres does not sit idle while Redis
	// records a group (in the load test's submit phase, 1.6 ms of Redis's
	// time per group of about a hundred, of about 10 ms per turn). It must
	// not depend on the order of groups: two groups' afterCommit can run
	// at once. It gets the same time bound as a commit.
	afterCommit func(ctx context.Context, items []T)

	mu      sync.Mutex
	queue   []*saveGroup[T]
	running int

	stats groupCounters
}

// groupCounters count a groupCommit's work since it was made, for the
// metrics: the group sizes and commit times say whether a path is bound by
// Postgres's WAL flush (few large groups, long commits) or by its own
// committers (many small ones).
type groupCounters struct {
	groups, items, failed, nanos atomic.Int64
}

// GroupStats is a snapshot of one kind of group commit's counters.
type GroupStats struct {
	Groups, Items, Failed int64
	CommitTime            time.Duration // summed over groups
}

func (c *groupCounters) snapshot() GroupStats {
	return GroupStats{Groups: c.groups.Load(), Items: c.items.Load(), Failed: c.failed.Load(),
		CommitTime: time.Duration(c.nanos.Load())}
}

func newGroupCommit[T groupItem](maxGroup, maxRunning int, commit func(context.Context, []T) error) *groupCommit[T] {
	return &groupCommit[T]{commit: commit, maxGroup: maxGroup, maxRunning: maxRunning}
}

// save queues it and returns once its group is committed (or failed), or
// when ctx ends: then the item may or may not be committed, and the
// caller does not acknowledge it.
func (g *groupCommit[T]) save(ctx context.Context, it T) error {
	k := it.groupKey()
	g.mu.Lock()
	var grp *saveGroup[T]
	if n := len(g.queue); n > 0 {
		last := g.queue[n-1]
		if _, dup := last.keys[k]; !dup && len(last.items) < g.maxGroup {
			grp = last
		}
	}
	if grp == nil {
		grp = &saveGroup[T]{keys: map[saveKey]struct{}{}, done: make(chan struct{})}
		g.queue = append(g.queue, grp)
	}
	grp.items = append(grp.items, it)
	grp.keys[k] = struct{}{}
	next := g.takeLocked()
	g.mu.Unlock()
	if next != nil {
		// The group is committed on behalf of everyone in it, so one
		// caller giving up does not cancel the others' commit.
		go g.run(context.WithoutCancel(ctx), next)
	}
	select {
	case <-grp.done:
		return grp.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// takeLocked pops the next group to commit when fewer than maxRunning are
// being committed.
func (g *groupCommit[T]) takeLocked() *saveGroup[T] {
	if g.running >= g.maxRunning || len(g.queue) == 0 {
		return nil
	}
	grp := g.queue[0]
	g.queue[0] = nil
	g.queue = g.queue[1:]
	g.running++
	return grp
}

// run commits one group, then hands the next waiting group, if any, to a
// goroutine of its own.
func (g *groupCommit[T]) run(ctx context.Context, grp *saveGroup[T]) {
	// Sorted, so that concurrent groups and other transactions lock
	// attempts and answer rows in one order and cannot deadlock.
	slices.SortFunc(grp.items, func(a, b T) int {
		ka, kb := a.groupKey(), b.groupKey()
		if ka.attempt != kb.attempt {
			return compareInt64(ka.attempt, kb.attempt)
		}
		return compareInt64(ka.question, kb.question)
	})
	cctx, cancel := context.WithTimeout(ctx, commitTimeout)
	start := time.Now()
	grp.err = g.commit(cctx, grp.items)
	cancel()
	g.stats.nanos.Add(int64(time.Since(start)))
	g.stats.groups.Add(1)
	g.stats.items.Add(int64(len(grp.items)))
	if grp.err != nil {
		g.stats.failed.Add(1)
	}
	g.mu.Lock()
	g.running--
	next := g.takeLocked()
	g.mu.Unlock()
	if next != nil {
		go g.run(ctx, next)
	}
	if grp.err == nil && g.afterCommit != nil {
		actx, cancel := context.WithTimeout(ctx, commitTimeout)
		g.afterCommit(actx, grp.items)
		cancel()
	}
	close(grp.done)
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
