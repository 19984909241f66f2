package bubble

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestExpectNextAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ticks atomic.Int64
		ticker := time.NewTicker(time.Minute)
		defer ticker.Stop()
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				select {
				case <-ticker.C:
					ticks.Add(1)
				case <-done:
					return
				}
			}
		}()
		ExpectNextAfter(t, time.Minute, ticks.Load, "the first tick")
		ExpectNextAfter(t, time.Minute, ticks.Load, "the second tick")
	})
}
