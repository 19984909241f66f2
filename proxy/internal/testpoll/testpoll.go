// Package testpoll is how Freelane's tests wait for another goroutine or
// process: by polling a condition with a deadline, never by sleeping a
// guessed time.
package testpoll

import (
	"testing"
	"time"
)

// interval is how often Until checks; short enough not to slow the tests,
// long enough that a check which starts a process or a browser round trip
// does not run back to back.
const interval = 10 * time.Millisecond

// Until checks cond until it holds, failing the test after timeout or when
// the test ends. what names the awaited state in the failure.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting for %s", what)
		case <-tick.C:
		}
	}
}
