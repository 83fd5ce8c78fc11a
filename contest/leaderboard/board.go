package leaderboard

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"lawcontest/apperr"
	"lawcontest/clock"
)

// Errors of the board. They are *apperr.Error values, so server/ maps them
// to the API's error shape; errors.Is works through the wrapping that adds
// the underlying cause for logs.
var (
	// ErrUnavailable: Redis does not answer, or the round's board was lost
	// and is not rebuilt yet. The API answers 503 "unavailable".
	ErrUnavailable = apperr.New(apperr.Unavailable, "leaderboard.unavailable")
	// ErrNoEntry: the participant has no submitted attempt on the board.
	ErrNoEntry = apperr.New(apperr.NotFound, "leaderboard.no_entry")
	// ErrRebuildRunning: another process is rebuilding the round's board.
	ErrRebuildRunning = apperr.New(apperr.Conflict, "leaderboard.rebuild_running")
)

// MaxTopLimit is the most entries one Top call returns.
const MaxTopLimit = 200

// Ranked is one line of a board: what the board itself knows of an entry.
// Names, units and points come from Postgres and the round's settings.
type Ranked struct {
	Position      int64 // 1-based place in the board that was read
	ParticipantID int64
	AttemptID     int64
	CorrectCount  int
	DurationMS    int64
	SubmittedAt   time.Time
}

// Page is a slice of a board as it was at AsOf.
type Page struct {
	Entries []Ranked
	Total   int64 // entries on the whole board (round or unit)
	AsOf    time.Time
}

// Standing is a participant's place on the round's board and on the board
// of the unit their entry was recorded with.
type Standing struct {
	Ranked             // Position is the place in the round
	Total        int64 // entries on the round's board
	UnitID       int64 // 0: no unit
	UnitPosition int64 // 0 when UnitID is 0
	UnitTotal    int64
}

// Option changes a Board's defaults.
type Option func(*config)

type config struct {
	topTTL      time.Duration
	topMax      int
	downBackoff time.Duration
	batch       int
	lockTTL     time.Duration
	pendingMax  int
}

// WithTopCacheTTL sets how long Top answers are served from memory
// (default one second; 0 turns the cache off).
func WithTopCacheTTL(d time.Duration) Option { return func(c *config) { c.topTTL = d } }

// WithUnavailableBackoff sets how long the board answers ErrUnavailable
// without trying Redis after a connection failure (default one second; 0
// tries every call). It spares a burst of readers a wait each on a dead
// connection.
func WithUnavailableBackoff(d time.Duration) Option {
	return func(c *config) { c.downBackoff = d }
}

// WithRebuildBatch sets how many entries a rebuild sends to Redis in one
// round trip (default 5,000). A pipeline does not block other clients the
// way a script does, so the batch can be large; fewer round trips matter
// on a busy machine, where each one waits for the scheduler.
func WithRebuildBatch(n int) Option { return func(c *config) { c.batch = n } }

// WithRebuildLockTTL sets how long the rebuild lock outlives a rebuilder
// that stopped refreshing it (default one minute).
func WithRebuildLockTTL(d time.Duration) Option { return func(c *config) { c.lockTTL = d } }

// Board is the live leaderboard of every round, over one Redis. Safe for
// concurrent use; build one per process with New.
type Board struct {
	rdb    redis.UniversalClient
	prefix string
	clk    clock.Clock
	s      scripts
	cfg    config
	cache  *ttlCache[topKey, Page]

	// downUntil (clock nanoseconds) is set after a connection failure.
	downUntil atomic.Int64
	// lost receives a round id when a call finds its board lost; see Lost.
	lost chan int64

	// pending holds entries whose Record failed on a Redis error, by
	// round and participant, to be replayed by Retry; stale holds rounds
	// whose pending entries did not fit and need a full rebuild.
	mu      sync.Mutex
	pending map[[2]int64]Entry
	stale   map[int64]bool
}

// New returns a Board that keeps its keys under prefix in rdb.
func New(rdb redis.UniversalClient, prefix string, clk clock.Clock, opts ...Option) *Board {
	cfg := config{
		topTTL:      time.Second,
		topMax:      4096,
		downBackoff: time.Second,
		batch:       5000,
		lockTTL:     time.Minute,
		pendingMax:  100_000,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.batch < 1 {
		cfg.batch = 1
	}
	if cfg.lockTTL < 3*time.Second {
		cfg.lockTTL = 3 * time.Second
	}
	return &Board{
		rdb:     rdb,
		prefix:  prefix,
		clk:     clk,
		s:       newScripts(),
		cfg:     cfg,
		cache:   newTTLCache[topKey, Page](cfg.topTTL, cfg.topMax),
		lost:    make(chan int64, 64),
		pending: map[[2]int64]Entry{},
		stale:   map[int64]bool{},
	}
}

// key is the round's base key: <prefix>lb:{rN}. The braces are the Redis
// Cluster hash tag that keeps all of the round's keys in one slot.
func (b *Board) key(roundID int64) string {
	return b.prefix + "lb:{r" + strconv.FormatInt(roundID, 10) + "}"
}

// Lost delivers the id of a round whose board a call found lost (no
// marker), so that a repairer can rebuild it without waiting for its next
// pass. Sends never block: when nobody reads, notices are dropped.
func (b *Board) Lost() <-chan int64 { return b.lost }

// RequestRepair asks the repairer for a pass now rather than at its next
// tick. Called when a round has just become live (created, or moved to
// open within the hour): its empty board is then built before the first
// phone asks for it, instead of answering 503 until the repairer's tick.
func (b *Board) RequestRepair(roundID int64) { b.notifyLost(roundID) }

func (b *Board) notifyLost(roundID int64) {
	select {
	case b.lost <- roundID:
	default:
	}
}

// ready refuses at once while Redis is known to be down.
func (b *Board) ready() error {
	if until := b.downUntil.Load(); until != 0 && b.clk.Now().UnixNano() < until {
		return fmt.Errorf("leaderboard: redis failed moments ago: %w", ErrUnavailable)
	}
	return nil
}

// fail wraps a Redis error as ErrUnavailable (keeping the cause for logs)
// and, for a connection failure, makes the next calls fail fast for a
// while. A server's error reply (a redis.Error) means Redis is up.
func (b *Board) fail(ctx context.Context, err error) error {
	var reply redis.Error
	if !errors.As(err, &reply) && ctx.Err() == nil && b.cfg.downBackoff > 0 {
		b.downUntil.Store(b.clk.Now().Add(b.cfg.downBackoff).UnixNano())
	}
	return fmt.Errorf("leaderboard: %w: %w", ErrUnavailable, err)
}

func (b *Board) lostErr(roundID int64) error {
	b.notifyLost(roundID)
	return fmt.Errorf("leaderboard: board of round %d is lost and not rebuilt yet: %w", roundID, ErrUnavailable)
}

// Record puts e on the round's board and its unit's board unless the
// participant already has an entry ranking at least as high, in one atomic
// script: replaying it, or recording an older attempt late, changes
// nothing.
//
// Call it after the attempt is committed in Postgres. On a Redis error the
// entry is kept in memory for Retry and the error wraps ErrUnavailable;
// the submit has succeeded all the same. When the board is lost (and no
// rebuild runs) the entry is not written, since the rebuild will read it
// from Postgres.
func (b *Board) Record(ctx context.Context, e Entry) error {
	_, _, err := b.record(ctx, []Entry{e}, false)
	return err
}

// Place is a participant's place on a round's board: 1-based position and
// the board's size. Zero when it is not known (the board is lost or being
// rebuilt, or Redis failed).
type Place struct{ Position, Total int64 }

// maxRecordBatch bounds the entries of one script call (Lua's unpack of the
// journal's arguments has a limit of a few thousand).
const maxRecordBatch = 256

// RecordAll records entries as Record does and returns the place of each
// entry's participant once all of them are recorded: the submits that
// were committed together are put on the board and ranked in one script
// call per round, one round trip instead of two per submit. The error
// joins those of every round (lost boards, Redis failures, entries that
// do not fit the board's encoding); the places of the entries it concerns
// are zero.
func (b *Board) RecordAll(ctx context.Context, es []Entry) ([]Place, error) {
	places, _, err := b.record(ctx, es, true)
	return places, err
}

// record runs the record script over es, one call per round and at most
// maxRecordBatch entries. Entries that meet a Redis failure are kept for
// Retry (kept counts them); those of a lost board are not (its rebuild
// reads Postgres).
func (b *Board) record(ctx context.Context, es []Entry, withPlaces bool) (places []Place, kept int, err error) {
	if withPlaces {
		places = make([]Place, len(es))
	}
	var errs []error
	byRound := map[int64][]int{} // round -> indexes into es
	var rounds []int64
	for i, e := range es {
		if _, ok := byRound[e.RoundID]; !ok {
			rounds = append(rounds, e.RoundID)
		}
		byRound[e.RoundID] = append(byRound[e.RoundID], i)
	}
	for _, roundID := range rounds {
		idx := byRound[roundID]
		for len(idx) > 0 {
			n := min(len(idx), maxRecordBatch)
			k, err := b.recordRound(ctx, roundID, es, idx[:n], places)
			kept += k
			if err != nil {
				errs = append(errs, err)
			}
			idx = idx[n:]
		}
	}
	return places, kept, errors.Join(errs...)
}

// recordRound records es[idx] (all of one round) and, when places is not
// nil, fills in their places. It returns how many entries it kept for
// Retry after a Redis failure. Entries that do not fit the board's
// encoding are reported and never kept (they would fail again).
func (b *Board) recordRound(ctx context.Context, roundID int64, es []Entry, idx []int, places []Place) (kept int, err error) {
	args := make([]any, 1, 1+6*len(idx))
	args[0] = "0"
	if places != nil {
		args[0] = "1"
	}
	var encErrs []error
	sent := make([]int, 0, len(idx))
	for _, i := range idx {
		enc, err := encode(es[i])
		if err != nil {
			encErrs = append(encErrs, err)
			continue
		}
		args = append(args, strconv.FormatInt(enc.score, 10), enc.tiebreak, enc.pid, enc.unit, enc.bucket, enc.field)
		sent = append(sent, i)
	}
	if len(sent) > 0 {
		err = b.runRecord(ctx, roundID, args, sent, places)
		if errors.Is(err, errRedisFailed) {
			for _, i := range sent {
				b.keep(es[i])
			}
			kept = len(sent)
		}
	}
	return kept, errors.Join(append(encErrs, err)...)
}

// errRedisFailed marks a record that did not reach Redis (its entries are
// kept for Retry), as opposed to a lost board or an odd reply.
var errRedisFailed = errors.New("redis failed")

// runRecord runs the record script with args for the entries es[sent] and
// fills in their places when places is not nil.
func (b *Board) runRecord(ctx context.Context, roundID int64, args []any, sent []int, places []Place) error {
	if err := b.ready(); err != nil {
		return fmt.Errorf("%w: %w", errRedisFailed, err)
	}
	res, err := b.s.record.Run(ctx, b.rdb, []string{b.key(roundID)}, args...).Result()
	if err != nil {
		return fmt.Errorf("%w: %w", errRedisFailed, b.fail(ctx, err))
	}
	if n, ok := res.(int64); ok && n < 0 {
		return b.lostErr(roundID)
	}
	arr, ok := res.([]any)
	switch {
	case !ok || len(arr) < 1:
		return fmt.Errorf("leaderboard: unexpected record reply %T", res)
	case places == nil:
		return nil
	case len(arr) != 2+len(sent):
		return fmt.Errorf("leaderboard: record reply of %d values for %d entries", len(arr), len(sent))
	}
	total, _ := arr[1].(int64)
	for j, i := range sent {
		if rank0, _ := arr[2+j].(int64); total > 0 && rank0 >= 0 {
			places[i] = Place{Position: rank0 + 1, Total: total}
		}
	}
	return nil
}

// keep remembers an entry that could not be recorded. Beyond pendingMax
// entries, the round is marked for a full rebuild instead.
func (b *Board) keep(e Entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := [2]int64{e.RoundID, e.ParticipantID}
	if old, ok := b.pending[k]; ok {
		if Better(e, old) {
			b.pending[k] = e
		}
		return
	}
	if len(b.pending) >= b.cfg.pendingMax {
		b.stale[e.RoundID] = true
		return
	}
	b.pending[k] = e
}

// Retry replays the entries whose Record failed, now that Redis may answer
// again, and returns the rounds that need a full rebuild because too many
// failed (the caller rebuilds them, see Repairer). Entries that fail again
// stay for the next Retry, and so do the stale rounds (a rebuild would
// fail as well); entries of a lost board are dropped, since its rebuild
// reads them from Postgres.
func (b *Board) Retry(ctx context.Context) (stale []int64, err error) {
	b.mu.Lock()
	todo := make([]Entry, 0, len(b.pending))
	for _, e := range b.pending {
		todo = append(todo, e)
	}
	clear(b.pending)
	b.mu.Unlock()
	if _, kept, err := b.record(ctx, todo, false); kept > 0 {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for r := range b.stale {
		stale = append(stale, r)
	}
	clear(b.stale)
	return stale, nil
}

// Pending returns how many entries wait for Retry.
func (b *Board) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// Remove takes a participant off the round's board (a disqualification).
func (b *Board) Remove(ctx context.Context, roundID, participantID int64) error {
	if err := b.ready(); err != nil {
		return err
	}
	bucket, field, pid := participantKey(participantID)
	res, err := b.s.remove.Run(ctx, b.rdb, []string{b.key(roundID)}, pid, bucket, field).Int()
	if err != nil {
		return b.fail(ctx, err)
	}
	if res < 0 {
		return b.lostErr(roundID)
	}
	b.cache.invalidate(func(k topKey) bool { return k.round == roundID })
	return nil
}

// Top returns limit entries of the round's board (unitID 0) or of a unit's
// board, from offset, best first, and the board's size. Answers come from
// an in-process cache for up to the configured TTL.
func (b *Board) Top(ctx context.Context, roundID, unitID int64, limit, offset int) ([]Ranked, int64, error) {
	p, err := b.TopPage(ctx, roundID, unitID, limit, offset)
	return p.Entries, p.Total, err
}

// TopPage is Top with the time the answer was read from Redis.
func (b *Board) TopPage(ctx context.Context, roundID, unitID int64, limit, offset int) (Page, error) {
	if err := checkPaging(unitID, limit, offset); err != nil {
		return Page{}, err
	}
	k := topKey{round: roundID, unit: unitID, limit: limit, offset: offset}
	p, err := b.cache.get(ctx, k, b.clk, func(ctx context.Context) (Page, error) {
		return b.readTop(ctx, k)
	})
	if err != nil {
		return Page{}, err
	}
	p.Entries = append([]Ranked(nil), p.Entries...) // the cached slice stays ours
	return p, nil
}

func checkPaging(unitID int64, limit, offset int) error {
	var f apperr.Fields
	if limit < 1 || limit > MaxTopLimit {
		f.Add("limit", "leaderboard.limit_range", MaxTopLimit)
	}
	if offset < 0 {
		f.Add("offset", "leaderboard.offset_negative")
	}
	if unitID < 0 {
		f.Add("unit_id", "error.bad_id")
	}
	return f.Err()
}

// readTop reads a page in one round trip: the marker, the page and the
// board's size, pipelined. A script would make the three atomic, but costs
// Redis a third more per read (every member and score crosses into Lua and
// back), and nothing is lost without it: a swap between the commands at
// worst pairs a page with the other board's size.
func (b *Board) readTop(ctx context.Context, k topKey) (Page, error) {
	if err := b.ready(); err != nil {
		return Page{}, err
	}
	base := b.key(k.round)
	key := base
	if k.unit != 0 {
		key += ":u:" + strconv.FormatInt(k.unit, 10)
	}
	var marker *redis.IntCmd
	var page *redis.ZSliceCmd
	var total *redis.IntCmd
	_, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		marker = p.Exists(ctx, base+":ok")
		page = p.ZRevRangeWithScores(ctx, key, int64(k.offset), int64(k.offset+k.limit-1))
		total = p.ZCard(ctx, key)
		return nil
	})
	if err != nil {
		return Page{}, b.fail(ctx, err)
	}
	if marker.Val() == 0 {
		return Page{}, b.lostErr(k.round)
	}
	zs := page.Val()
	p := Page{Total: total.Val(), AsOf: b.clk.Now(), Entries: make([]Ranked, 0, len(zs))}
	for i, z := range zs {
		score := int64(z.Score)
		if float64(score) != z.Score {
			return Page{}, fmt.Errorf("leaderboard: score %v is not an integer", z.Score)
		}
		member, _ := z.Member.(string)
		d, err := decode(score, member)
		if err != nil {
			return Page{}, err
		}
		p.Entries = append(p.Entries, ranked(int64(k.offset+i+1), d))
	}
	return p, nil
}

func ranked(pos int64, d decoded) Ranked {
	return Ranked{
		Position:      pos,
		ParticipantID: d.ParticipantID,
		AttemptID:     d.AttemptID,
		CorrectCount:  d.CorrectCount,
		DurationMS:    d.DurationMS,
		SubmittedAt:   d.SubmittedAt,
	}
}

// Rank returns a participant's 1-based place on the round's board and the
// board's size, read from Redis on every call (never cached, so it shows a
// submit as soon as Record returned). ErrNoEntry when the participant has
// no entry.
func (b *Board) Rank(ctx context.Context, roundID, participantID int64) (position, total int64, err error) {
	s, err := b.Standing(ctx, roundID, participantID)
	return s.Position, s.Total, err
}

// Standing is Rank with the participant's entry and place in their unit.
func (b *Board) Standing(ctx context.Context, roundID, participantID int64) (Standing, error) {
	if err := b.ready(); err != nil {
		return Standing{}, err
	}
	bucket, field, pid := participantKey(participantID)
	res, err := b.s.standing.Run(ctx, b.rdb, []string{b.key(roundID)}, pid, bucket, field).Result()
	if err != nil {
		return Standing{}, b.fail(ctx, err)
	}
	if n, ok := res.(int64); ok && n < 0 {
		return Standing{}, b.lostErr(roundID)
	}
	arr, ok := res.([]any)
	if !ok || len(arr) == 0 {
		return Standing{}, fmt.Errorf("leaderboard: unexpected standing reply %T", res)
	}
	total, _ := arr[0].(int64)
	if len(arr) < 7 {
		return Standing{Total: total}, ErrNoEntry
	}
	rank0, _ := arr[1].(int64)
	scoreStr, _ := arr[2].(string)
	member, _ := arr[3].(string)
	unitStr, _ := arr[4].(string)
	urank0, _ := arr[5].(int64)
	utotal, _ := arr[6].(int64)
	score, err := parseScore(scoreStr)
	if err != nil {
		return Standing{}, err
	}
	d, err := decode(score, member)
	if err != nil {
		return Standing{}, err
	}
	unit, err := strconv.ParseInt(unitStr, 10, 64)
	if err != nil {
		return Standing{}, fmt.Errorf("leaderboard: bad unit %q in mapping", unitStr)
	}
	s := Standing{Ranked: ranked(rank0+1, d), Total: total, UnitID: unit}
	if unit != 0 && urank0 >= 0 {
		s.UnitPosition, s.UnitTotal = urank0+1, utotal
	}
	return s, nil
}

// NeedsRebuild reports whether the round's board is lost: its marker, set
// when a board is built, is missing (Redis restarted empty, was flushed, or
// the board was never built).
func (b *Board) NeedsRebuild(ctx context.Context, roundID int64) (bool, error) {
	if err := b.ready(); err != nil {
		return false, err
	}
	n, err := b.rdb.Exists(ctx, b.key(roundID)+":ok").Result()
	if err != nil {
		return false, b.fail(ctx, err)
	}
	return n == 0, nil
}

// Delete drops every key of the round's board, for rounds whose results
// are published and whose live board is no longer shown.
func (b *Board) Delete(ctx context.Context, roundID int64) error {
	if err := b.ready(); err != nil {
		return err
	}
	if err := b.s.del.Run(ctx, b.rdb, []string{b.key(roundID)}).Err(); err != nil {
		return b.fail(ctx, err)
	}
	b.cache.invalidate(func(k topKey) bool { return k.round == roundID })
	return nil
}
