package limiter

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/internal/testpoll"
)

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testpoll.Until(t, 10*time.Second, what, cond)
}

func TestLimiter_FIFOAndLeavingFreesThePlace(t *testing.T) {
	l := New(1, 10, 1<<20)
	release, err := l.Acquire(t.Context(), time.Minute, 1)
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan int, 3)
	leaving, leave := context.WithCancel(t.Context())
	errs := make(chan error, 3)
	start := func(i int, ctx context.Context) {
		go func() {
			rel, err := l.Acquire(ctx, time.Minute, 1)
			if err != nil {
				errs <- err
				return
			}
			order <- i
			rel()
		}()
	}
	start(1, t.Context())
	eventually(t, "waiter 1 queued", func() bool { _, _, q := l.Snapshot(); return q == 1 })
	start(2, leaving)
	eventually(t, "waiter 2 queued", func() bool { _, _, q := l.Snapshot(); return q == 2 })
	start(3, t.Context())
	eventually(t, "waiter 3 queued", func() bool { _, _, q := l.Snapshot(); return q == 3 })
	leave()
	if err := <-errs; err == nil {
		t.Fatal("the departed waiter got no error")
	}
	eventually(t, "the departed waiter to leave the queue", func() bool { _, _, q := l.Snapshot(); return q == 2 })
	release()
	if a, b := <-order, <-order; a != 1 || b != 3 {
		t.Errorf("order %d, %d; want 1, 3", a, b)
	}
	if _, inFlight, queued := l.Snapshot(); inFlight != 0 || queued != 0 {
		t.Errorf("after all: in flight %d, queued %d", inFlight, queued)
	}
}

// Past MAX_QUEUED_REQUESTS, or past the body bytes waiting calls may hold,
// a call is refused at once; one call may wait alone whatever its size.
func TestLimiter_QueueCaps(t *testing.T) {
	l := New(1, 2, 100)
	release, err := l.Acquire(t.Context(), time.Minute, 1000)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 3)
	wait := func(size int64) {
		go func() {
			rel, err := l.Acquire(t.Context(), time.Minute, size)
			if err == nil {
				rel()
			}
			waiting <- err
		}()
	}
	wait(150) // alone in the queue: allowed although over the byte budget
	eventually(t, "the first waiter queued", func() bool { _, _, q := l.Snapshot(); return q == 1 })
	if _, err := l.Acquire(t.Context(), time.Minute, 1); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("a second waiter over the byte budget: %v, want ErrQueueFull", err)
	}
	release()
	if err := <-waiting; err != nil {
		t.Fatal(err)
	}
	release, err = l.Acquire(t.Context(), time.Minute, 1)
	if err != nil {
		t.Fatal(err)
	}
	wait(40)
	wait(40)
	eventually(t, "two small waiters queued", func() bool { _, _, q := l.Snapshot(); return q == 2 })
	if got := l.QueuedBytes(); got != 80 {
		t.Errorf("queued bytes = %d, want 80", got)
	}
	if _, err := l.Acquire(t.Context(), time.Minute, 1); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("a third waiter past MAX_QUEUED_REQUESTS=2: %v, want ErrQueueFull", err)
	}
	release()
	for range 2 {
		if err := <-waiting; err != nil {
			t.Fatal(err)
		}
	}
	if _, inFlight, queued := l.Snapshot(); inFlight != 0 || queued != 0 || l.QueuedBytes() != 0 {
		t.Errorf("after all: in flight %d, queued %d, %d bytes", inFlight, queued, l.QueuedBytes())
	}
	if _, err := New(1, 0, 100).Acquire(context.Background(), time.Minute, 1); err != nil {
		t.Errorf("a free slot with no queue allowed: %v", err)
	}
}
