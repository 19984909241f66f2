// Package bubble helps tests that run a timed loop in a testing/synctest
// bubble, where time moves only when every goroutine in it waits.
package bubble

import (
	"testing"
	"testing/synctest"
	"time"
)

// ExpectNextAfter checks that the next event a loop counts comes d from
// now on the bubble's clock, not a moment sooner: count must be zero
// events more until d has passed, and one more then. Call it inside
// synctest.Test; count is read only once the bubble is idle.
func ExpectNextAfter(t *testing.T, d time.Duration, count func() int64, what string) {
	t.Helper()
	synctest.Wait()
	before := count()
	time.Sleep(d - time.Nanosecond)
	synctest.Wait()
	if n := count() - before; n != 0 {
		t.Fatalf("%s: %d before %v had passed, want none", what, n, d)
	}
	time.Sleep(time.Nanosecond)
	synctest.Wait()
	if n := count() - before; n != 1 {
		t.Fatalf("%s: %d after %v, want 1", what, n, d)
	}
}
