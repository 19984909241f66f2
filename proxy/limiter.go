package proxy

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// errQueueTimeout is returned by limiter.acquire when a call waited longer than
// the queue allows.
var errQueueTimeout = errors.New("timed out waiting for a free upstream slot")

// limiter caps the calls in flight upstream (MAX_CONCURRENT_REQUESTS). Calls
// over the cap wait in arrival order (a FIFO, not a scramble for a semaphore,
// so no caller starves) for a bounded time; a caller that gives up leaves the
// queue at once and frees its place.
type limiter struct {
	mu       sync.Mutex
	limit    int
	inFlight int
	waiters  list.List // of chan struct{}; closed when the slot is handed over
}

func newLimiter(limit int) *limiter {
	l := &limiter{limit: max(limit, 1)}
	l.waiters.Init()
	return l
}

// acquire takes a slot, waiting up to wait. The returned release must be
// called exactly once.
func (l *limiter) acquire(ctx context.Context, wait time.Duration) (release func(), err error) {
	l.mu.Lock()
	if l.inFlight < l.limit && l.waiters.Len() == 0 {
		l.inFlight++
		l.mu.Unlock()
		return l.release, nil
	}
	ready := make(chan struct{})
	elem := l.waiters.PushBack(ready)
	l.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ready:
		return l.release, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = errQueueTimeout
	}
	l.mu.Lock()
	select {
	case <-ready:
		// The slot was handed over while we were giving up: pass it on.
		l.mu.Unlock()
		l.release()
	default:
		l.waiters.Remove(elem)
		l.mu.Unlock()
	}
	return nil, err
}

// release hands the slot to the oldest waiter, or frees it.
func (l *limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handOverLocked()
}

func (l *limiter) handOverLocked() {
	if l.inFlight <= l.limit && l.waiters.Len() > 0 {
		front := l.waiters.Front()
		l.waiters.Remove(front)
		close(front.Value.(chan struct{}))
		return // the slot moves to the waiter; inFlight is unchanged
	}
	l.inFlight--
}

// setLimit changes the cap live (config reload); a raised cap admits waiters
// at once, a lowered one takes effect as calls finish.
func (l *limiter) setLimit(limit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit = max(limit, 1)
	for l.inFlight < l.limit && l.waiters.Len() > 0 {
		front := l.waiters.Front()
		l.waiters.Remove(front)
		close(front.Value.(chan struct{}))
		l.inFlight++
	}
}

// snapshot reports the cap, the calls in flight and the calls queued.
func (l *limiter) snapshot() (limit, inFlight, queued int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.inFlight, l.waiters.Len()
}
