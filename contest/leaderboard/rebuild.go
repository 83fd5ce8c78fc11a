package leaderboard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// errLockLost: the rebuild lock expired (the rebuild stalled longer than
// its TTL) or was taken over; the built board is not swapped in.
var errLockLost = errors.New("leaderboard: rebuild lock lost")

// Rebuild replaces the round's board by the entries source yields (the
// caller streams each participant's best attempt from Postgres; yielding
// several attempts of one participant is fine, the best is kept) and sets
// the round's marker. progress, if not nil, is called after each batch with
// the number of entries loaded so far, from one goroutine at a time.
//
// The board is built under temporary keys in batches of a few thousand
// entries per script call, while the previous batch is loading, and
// swapped in with RENAME in one script: readers see the old board (or
// ErrUnavailable if it was lost) until the new one is complete. Records
// made while it runs go to both, so a submit during a rebuild is not lost:
// the source must be read after Rebuild has started (it is: Rebuild calls
// it), so anything committed before is in it and anything committed after
// is recorded into the board being built.
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
			// Free the lock now rather than when it expires, so that the
			// next attempt can start at once.
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

	// The sender loads one batch while the source fills the next.
	batches := make(chan []any, 2)
	senderDone := make(chan struct{})
	var sendErr error
	go func() {
		defer close(senderDone)
		done := 0
		for args := range batches {
			if sendErr != nil {
				continue // drain
			}
			res, err := b.s.load.Run(ctx, b.rdb, []string{base}, args...).Int()
			switch {
			case err != nil:
				sendErr = b.fail(ctx, err)
				cancel(sendErr)
			case res < 0:
				sendErr = errLockLost
				cancel(sendErr)
			default:
				done += (len(args) - 2) / 6
				if progress != nil {
					progress(done)
				}
			}
		}
	}()

	newBatch := func() []any {
		a := make([]any, 2, 2+6*b.cfg.batch)
		a[0], a[1] = token, lockMS
		return a
	}
	args := newBatch()
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
		args = append(args, strconv.FormatInt(enc.score, 10), enc.tiebreak, enc.pid, enc.unit, enc.bucket, enc.field)
		count++
		if len(args) >= 2+6*b.cfg.batch {
			select {
			case batches <- args:
			case <-ctx.Done():
				return false
			}
			args = newBatch()
		}
		return true
	}
	srcErr := source(yield)
	if srcErr == nil && entryErr == nil && len(args) > 2 {
		select {
		case batches <- args:
		case <-ctx.Done():
		}
	}
	close(batches)
	<-senderDone
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
	b.cache.invalidate(roundID)
	return nil
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
