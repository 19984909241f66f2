package testpoll

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestUntil_ReturnsOnceTheConditionHolds(t *testing.T) {
	var checks atomic.Int32
	Until(t, 10*time.Second, "the third check", func() bool { return checks.Add(1) == 3 })
	if n := checks.Load(); n != 3 {
		t.Errorf("checked %d times, want 3", n)
	}
}

func TestUntil_FailsAfterTheTimeout(t *testing.T) {
	// Until fails through Fatalf; a stand-in testing.TB records it.
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		Until(rec, 30*time.Millisecond, "never", func() bool { return false })
	}()
	<-done
	if !rec.failed.Load() {
		t.Error("Until returned for a condition that never held, without failing")
	}
}

// fatalRecorder records Fatalf and stops the polling goroutine by panicking
// where testing.T would call runtime.Goexit.
type fatalRecorder struct {
	testing.TB
	failed atomic.Bool
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(string, ...any) {
	r.failed.Store(true)
	panic("fatal")
}
