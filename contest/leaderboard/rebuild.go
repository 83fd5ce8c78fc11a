package leaderboard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// errLockLost: the rebuild lock expired (the rebuild stalled longer than
// its TTL) or was taken over; the built board is not swapped in.
var errLockLost = errors.New("leaderboard: rebuild lock lost")

// Rebuild replaces the round's board by the entries source yields and sets
// the round's marker. The caller streams each participant's best attempt
// from Postgres, best first if it can (ORDER BY the live order): Redis
// inserts into its sorted sets about half as fast in random order. Yielding
// a participant twice is fine (the better entry is kept), only slower.
// progress, if not nil, is called after each batch with the number of
// entries loaded so far, from one goroutine at a time.
//
// The board is built under keys of its own (:tmp:<token>), in pipelined
// batches (a claim of each participant's mapping field with HSETNX, then one
// variadic ZADD per board), while the source fills the next batch. Records
// and Removes made meanwhile go to the live board and to a journal, which
// is replayed on the new board once it is loaded; the last of the journal
// and the RENAMEs into place happen in one script, so readers see the old
// board (or ErrUnavailable if it was lost) until the new one is complete,
// and no submit is lost: the source is read after the rebuild has begun (it
// is: Rebuild calls it), so anything committed before is in it and
// anything after is in the journal.
//
// One rebuild of a round runs at a time across all processes: a second
// gets ErrRebuildRunning.
func (b *Board) Rebuild(ctx context.Context, roundID int64, source func(yield func(Entry) bool) error, progress func(done int)) error {
	if source == nil {
		return errors.New("leaderboard: rebuild without a source")
	}
	if err := b.ready(); err != nil {
		return err
	}
	base := b.key(roundID)
	token := newToken()
	lockMS := strconv.FormatInt(b.cfg.lockTTL.Milliseconds(), 10)
	got, err := b.s.begin.Run(ctx, b.rdb, []string{base}, token, lockMS).Int()
	if err != nil {
		return b.fail(ctx, err)
	}
	if got == 0 {
		return ErrRebuildRunning
	}
	swapped := false
	defer func() {
		if !swapped {
			// Clear what was built and free the lock now rather than
			// when it expires, so that the next attempt can start at once.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			b.s.abort.Run(actx, b.rdb, []string{base}, token)
			cancel()
		}
	}()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	keepDone := make(chan struct{})
	stopKeep := make(chan struct{})
	go func() {
		defer close(keepDone)
		b.keepLock(ctx, cancel, base, token, lockMS, stopKeep)
	}()

	tmp := base + ":tmp:" + token
	batches := make(chan []encoded, 2)
	senderDone := make(chan struct{})
	var sendErr error
	go func() {
		defer close(senderDone)
		l := &loader{b: b, base: base, tmp: tmp, token: token}
		done := 0
		for batch := range batches {
			if sendErr != nil {
				continue // drain
			}
			if err := l.add(ctx, batch); err != nil {
				sendErr = err
				cancel(err)
				continue
			}
			done += len(batch)
			if progress != nil {
				progress(done)
			}
		}
		if sendErr == nil {
			if err := l.flush(ctx); err != nil {
				sendErr = err
				cancel(err)
			}
		}
	}()

	batch := make([]encoded, 0, b.cfg.batch)
	count := 0
	var entryErr error
	yield := func(e Entry) bool {
		if ctx.Err() != nil {
			return false
		}
		if e.RoundID != roundID {
			entryErr = fmt.Errorf("leaderboard: rebuild of round %d got an entry of round %d", roundID, e.RoundID)
			return false
		}
		enc, err := encode(e)
		if err != nil {
			entryErr = err
			return false
		}
		batch = append(batch, enc)
		count++
		if len(batch) == b.cfg.batch {
			select {
			case batches <- batch:
			case <-ctx.Done():
				return false
			}
			batch = make([]encoded, 0, b.cfg.batch)
		}
		return true
	}
	srcErr := source(yield)
	if srcErr == nil && entryErr == nil && len(batch) > 0 {
		select {
		case batches <- batch:
		case <-ctx.Done():
		}
	}
	close(batches)
	<-senderDone

	switch {
	case entryErr != nil:
	case sendErr != nil:
	case srcErr != nil:
	case ctx.Err() == nil:
		// Replay the journal in slices, so that the swap script, which
		// blocks Redis, has little of it left to do.
		for {
			left, err := b.s.drain.Run(ctx, b.rdb, []string{base}, token, b.cfg.batch).Int()
			if err != nil {
				sendErr = b.fail(ctx, err)
				break
			}
			if left < 0 {
				sendErr = errLockLost
				break
			}
			if left <= b.cfg.batch {
				break
			}
		}
	}
	close(stopKeep)
	<-keepDone

	switch {
	case entryErr != nil:
		return entryErr
	case sendErr != nil:
		return sendErr
	case srcErr != nil:
		return fmt.Errorf("leaderboard: reading entries of round %d: %w", roundID, srcErr)
	case ctx.Err() != nil:
		return context.Cause(ctx)
	}
	marker := b.clk.Now().Format(time.RFC3339) + " " + strconv.Itoa(count)
	res, err := b.s.swap.Run(ctx, b.rdb, []string{base}, token, marker).Int()
	if err != nil {
		return b.fail(ctx, err)
	}
	if res == 0 {
		return errLockLost
	}
	swapped = true
	b.cache.invalidate(func(k topKey) bool { return k.round == roundID })
	return nil
}

// loader adds batches to the board being built at tmp, which only this
// rebuild writes to. Each entry first claims its participant's mapping
// field (HSETNX); entries whose participant was not there yet are then
// added with one variadic ZADD per board, sent in the same pipeline as the
// claims of the next batch, so a batch costs one round trip. The others (a
// participant yielded twice) go through the put script, which keeps the
// better, once the first entry's ZADDs are done.
//
// A pipeline is sent again after a timeout: on a starved machine it can
// outlast the client's read timeout while Redis still completes it, and
// sending it twice changes nothing (an entry that finds its own claim goes
// through put, which adds it).
type loader struct {
	b                *Board
	base, tmp, token string
	adds             [][]any   // ZADD and SADD commands of the last batch
	again            []encoded // entries of the last batch for put
}

func (l *loader) add(ctx context.Context, batch []encoded) error {
	claims := make([]*redis.BoolCmd, len(batch))
	err := l.b.retry(ctx, func() error {
		_, err := l.b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, args := range l.adds {
				p.Do(ctx, args...)
			}
			for i, e := range batch {
				claims[i] = p.HSetNX(ctx, l.tmp+":p:"+e.bucket, e.field, string(e.tiebreak)+e.unit)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return l.b.fail(ctx, err)
	}
	if err := l.putAll(ctx, l.again); err != nil {
		return err
	}
	l.adds, l.again = nil, nil
	round := make([]any, 2, 2+2*len(batch))
	round[0], round[1] = "ZADD", l.tmp
	units := map[string][]any{}
	seen := map[string]bool{}
	sadd := []any{"SADD", l.tmp + ":keys"}
	for i, e := range batch {
		if !claims[i].Val() {
			l.again = append(l.again, e)
			continue
		}
		score, member := strconv.FormatInt(e.score, 10), e.member()
		round = append(round, score, member)
		if ps := ":p:" + e.bucket; !seen[ps] {
			seen[ps] = true
			sadd = append(sadd, ps)
		}
		if e.unit != "0" {
			us := ":u:" + e.unit
			if units[us] == nil {
				units[us] = []any{"ZADD", l.tmp + us}
				seen[us] = true
				sadd = append(sadd, us)
			}
			units[us] = append(units[us], score, member)
		}
	}
	if len(round) > 2 {
		l.adds = append(l.adds, round)
	}
	for _, args := range units {
		l.adds = append(l.adds, args)
	}
	if len(sadd) > 2 {
		l.adds = append(l.adds, sadd)
	}
	return nil
}

// flush sends what the last batch left pending.
func (l *loader) flush(ctx context.Context) error {
	if len(l.adds) > 0 {
		err := l.b.retry(ctx, func() error {
			_, err := l.b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, args := range l.adds {
					p.Do(ctx, args...)
				}
				return nil
			})
			return err
		})
		if err != nil {
			return l.b.fail(ctx, err)
		}
		l.adds = nil
	}
	err := l.putAll(ctx, l.again)
	l.again = nil
	return err
}

func (l *loader) putAll(ctx context.Context, es []encoded) error {
	for _, e := range es {
		err := l.b.retry(ctx, func() error {
			return l.b.s.put.Run(ctx, l.b.rdb, []string{l.base}, l.token,
				strconv.FormatInt(e.score, 10), e.tiebreak, e.pid, e.unit, e.bucket, e.field).Err()
		})
		if err != nil {
			return l.b.fail(ctx, err)
		}
	}
	return nil
}

// retry runs fn up to three times while it fails on a timeout or a broken
// connection; an error reply from Redis is final.
func (b *Board) retry(ctx context.Context, fn func() error) error {
	for try := 1; ; try++ {
		err := fn()
		var reply redis.Error
		if err == nil || try == 3 || errors.As(err, &reply) || ctx.Err() != nil {
			return err
		}
	}
}

// keepLock extends the rebuild lock while the rebuild runs, so that a slow
// source (a long first row from Postgres) does not let it expire; if the
// lock turns out lost, the rebuild is cancelled.
func (b *Board) keepLock(ctx context.Context, cancel context.CancelCauseFunc, base, token, lockMS string, stop <-chan struct{}) {
	t := time.NewTicker(b.cfg.lockTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := b.s.refresh.Run(ctx, b.rdb, []string{base}, token, lockMS).Int()
			if err == nil && n == 0 {
				cancel(errLockLost)
				return
			}
		}
	}
}

func newToken() string {
	var buf [16]byte
	rand.Read(buf[:])
	return hex.EncodeToString(buf[:])
}
