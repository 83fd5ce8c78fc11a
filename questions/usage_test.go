package questions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeUsageStore stands for the usage table: the first write waits for
// release, so that the test can queue draws behind it.
type fakeUsageStore struct {
	mu      sync.Mutex
	writes  [][]int64
	fail    error // returned by the next write, once
	release chan struct{}
}

func (f *fakeUsageStore) write(ctx context.Context, ids []int64) error {
	f.mu.Lock()
	f.writes = append(f.writes, slices.Clone(ids))
	first := len(f.writes) == 1
	err := f.fail
	f.fail = nil
	f.mu.Unlock()
	if first {
		<-f.release
	}
	return err
}

func (f *fakeUsageStore) written() [][]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.writes)
}

// waitQueued waits until the batch behind the running write holds n
// versions.
func waitQueued(t *testing.T, u *usageRecorder, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		u.mu.Lock()
		got := 0
		if u.next != nil {
			got = len(u.next.ids)
		}
		u.mu.Unlock()
		if got == n {
			return
		}
	}
	t.Fatalf("the next batch never held %d versions", n)
}

// TestUsageOfConcurrentDrawsIsWrittenTogether: draws that come while a
// write runs wait, and are written in one statement after it, each only
// acknowledged once its versions are written; a warm draw writes nothing.
func TestUsageOfConcurrentDrawsIsWrittenTogether(t *testing.T) {
	t.Parallel()
	f := &fakeUsageStore{release: make(chan struct{})}
	u := newUsageRecorder(f.write)
	ctx := context.Background()

	firstDone := make(chan error, 1)
	go func() { firstDone <- u.record(ctx, []int64{3, 1, 2}) }()
	for len(f.written()) == 0 {
		time.Sleep(time.Millisecond)
	}
	// Ten draws while the first write runs, overlapping each other and
	// the first one's versions.
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- u.record(ctx, []int64{int64(2 + i%4), int64(10 + i)})
		}()
	}
	waitQueued(t, u, 14) // 2..5 and 10..19
	select {
	case err := <-errs:
		t.Fatalf("a draw returned before its versions were written: %v", err)
	default:
	}
	close(f.release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := [][]int64{{1, 2, 3}, {2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}}
	if got := f.written(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("writes %v, want %v", got, want)
	}
	// Warm: nothing left to write.
	if err := u.record(ctx, []int64{1, 5, 19}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.written()); n != 2 {
		t.Fatalf("a draw of recorded versions wrote: %d writes", n)
	}
}

// TestUsageWriteFailure: a failed write fails every draw of its batch and
// leaves its versions to be written by the next draw; a caller who gives
// up does not stop the write others wait for.
func TestUsageWriteFailure(t *testing.T) {
	t.Parallel()
	boom := errors.New("foreign key")
	f := &fakeUsageStore{release: make(chan struct{}), fail: boom}
	close(f.release)
	u := newUsageRecorder(f.write)
	ctx := context.Background()
	if err := u.record(ctx, []int64{7}); !errors.Is(err, boom) {
		t.Fatalf("err %v, want the write's", err)
	}
	if err := u.record(ctx, []int64{7}); err != nil {
		t.Fatal(err)
	}
	if got := f.written(); fmt.Sprint(got) != "[[7] [7]]" {
		t.Fatalf("writes %v, want the version written again", got)
	}

	g := &fakeUsageStore{release: make(chan struct{})}
	u = newUsageRecorder(g.write)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := u.record(gone, []int64{8}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want the caller's cancellation", err)
	}
	done := make(chan error, 1)
	go func() { done <- u.record(ctx, []int64{9}) }()
	waitQueued(t, u, 1)
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := g.written(); fmt.Sprint(got) != "[[8] [9]]" {
		t.Fatalf("writes %v, want the abandoned write finished and the next one after it", got)
	}
}
