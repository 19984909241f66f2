// Package limiter caps the chat calls Freelane has in flight upstream
// (MAX_CONCURRENT_REQUESTS) and the calls waiting for a slot: how many
// (MAX_QUEUED_REQUESTS) and how many bytes of request body they hold
// (MAX_QUEUED_BODY_MB). Past either queue cap a call is refused at once, as
// Ollama does past its queue limit, rather than held in memory.
package limiter

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

var (
	// ErrQueueTimeout is returned by Acquire when a call waited longer than
	// the queue allows.
	ErrQueueTimeout = errors.New("timed out waiting for a free upstream slot")
	// ErrQueueFull is returned by Acquire, without waiting, when the queue
	// holds as many calls or as many body bytes as it may.
	ErrQueueFull = errors.New("too many calls waiting for a free upstream slot")
)

// Limiter caps the calls in flight. Calls over the cap wait in arrival
// order (a FIFO, not a scramble for a semaphore, so no caller starves) for a
// bounded time; a caller that gives up leaves the queue at once and frees
// its place.
type Limiter struct {
	mu          sync.Mutex
	limit       int
	inFlight    int
	waiters     list.List // of *waiter
	maxQueued   int       // waiters allowed; 0: none
	maxBytes    int64     // body bytes the waiters may hold together
	queuedBytes int64
}

type waiter struct {
	ready chan struct{} // closed when the slot is handed over
	size  int64
}

// New returns a limiter of limit slots whose queue takes at most maxQueued
// calls holding at most maxBytes of body together (one call may always
// wait alone, whatever its size, so that the largest allowed body is never
// refused for its size only).
func New(limit, maxQueued int, maxBytes int64) *Limiter {
	l := &Limiter{}
	l.waiters.Init()
	l.SetLimits(limit, maxQueued, maxBytes)
	return l
}

// Acquire takes a slot for a call whose body holds size bytes, waiting up
// to wait. The returned release must be called exactly once. Past the queue
// caps it returns ErrQueueFull at once.
func (l *Limiter) Acquire(ctx context.Context, wait time.Duration, size int64) (release func(), err error) {
	l.mu.Lock()
	if l.inFlight < l.limit && l.waiters.Len() == 0 {
		l.inFlight++
		l.mu.Unlock()
		return l.release, nil
	}
	if l.waiters.Len() >= l.maxQueued || (l.waiters.Len() > 0 && l.queuedBytes+size > l.maxBytes) {
		l.mu.Unlock()
		return nil, ErrQueueFull
	}
	w := &waiter{ready: make(chan struct{}), size: size}
	elem := l.waiters.PushBack(w)
	l.queuedBytes += size
	l.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return l.release, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = ErrQueueTimeout
	}
	l.mu.Lock()
	select {
	case <-w.ready:
		// The slot was handed over while we were giving up: pass it on.
		l.mu.Unlock()
		l.release()
	default:
		l.removeLocked(elem)
		l.mu.Unlock()
	}
	return nil, err
}

// removeLocked takes a waiter out of the queue; its body no longer counts.
func (l *Limiter) removeLocked(elem *list.Element) *waiter {
	w := l.waiters.Remove(elem).(*waiter)
	l.queuedBytes -= w.size
	return w
}

// release hands the slot to the oldest waiter, or frees it.
func (l *Limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight <= l.limit && l.waiters.Len() > 0 {
		close(l.removeLocked(l.waiters.Front()).ready)
		return // the slot moves to the waiter; inFlight is unchanged
	}
	l.inFlight--
}

// SetLimits changes the caps live (config reload); a raised slot cap admits
// waiters at once, a lowered one takes effect as calls finish. Lowered queue
// caps apply to calls that arrive from now on.
func (l *Limiter) SetLimits(limit, maxQueued int, maxBytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit = max(limit, 1)
	l.maxQueued = max(maxQueued, 0)
	l.maxBytes = max(maxBytes, 0)
	for l.inFlight < l.limit && l.waiters.Len() > 0 {
		close(l.removeLocked(l.waiters.Front()).ready)
		l.inFlight++
	}
}

// Snapshot reports the cap, the calls in flight and the calls queued.
func (l *Limiter) Snapshot() (limit, inFlight, queued int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.inFlight, l.waiters.Len()
}
