package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"
)

// Run's tests run in a synctest bubble: Run's timers use the bubble's
// clock, which moves only when every goroutine in the bubble waits, so a
// test sees exactly when each refresh happens without waiting for it.

type runHarness struct {
	cat       *Catalog
	up        *fakeUpstream
	clock     *fakeClock // the catalog's own clock, for the cache's age
	cacheFile string
}

func newRunHarness(t *testing.T) *runHarness {
	t.Helper()
	h := &runHarness{up: &fakeUpstream{}, clock: newFakeClock()}
	h.up.set(readFixture(t, "models.json"), nil)
	h.cat, h.cacheFile = newTestCatalog(t, h.up, h.clock)
	h.cat.jitter = func(n time.Duration) time.Duration { return n / 2 }
	return h
}

// loadCacheAged stores a valid cache fetched age ago and loads it.
func (h *runHarness) loadCacheAged(t *testing.T, age time.Duration) {
	t.Helper()
	fetchedAt := h.clock.Now().Add(-age).Format(time.RFC3339)
	content := fmt.Sprintf(`{"version":1,"fetched_at":%q,"models":[{"id":"a/b:free","name":"B"}]}`, fetchedAt)
	if err := os.MkdirAll(filepath.Dir(h.cacheFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.cacheFile, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.cat.LoadCache(); err != nil {
		t.Fatalf("LoadCache: %v", err)
	}
}

// start runs the catalog until the test ends and checks that Run returns.
func (h *runHarness) start(t *testing.T, every time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.cat.Run(ctx, every)
	}()
	t.Cleanup(func() {
		cancel()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Error("Run did not return after its context was cancelled")
		}
	})
}

// fetches is how many times Run has fetched once it waits again.
func (h *runHarness) fetches() int32 {
	synctest.Wait()
	return h.up.fetches.Load()
}

// expectFetchAfter checks that Run's next fetch comes d from now, not a
// moment sooner.
func (h *runHarness) expectFetchAfter(t *testing.T, d time.Duration, what string) {
	t.Helper()
	before := h.fetches()
	time.Sleep(d - time.Nanosecond)
	if n := h.fetches() - before; n != 0 {
		t.Fatalf("%s: %d fetches before %v had passed, want none", what, n, d)
	}
	time.Sleep(time.Nanosecond)
	if n := h.fetches() - before; n != 1 {
		t.Fatalf("%s: %d fetches after %v, want 1", what, n, d)
	}
}

func TestRun_RefreshesAtStart(t *testing.T) {
	const every = time.Hour
	tests := []struct {
		name string
		age  time.Duration // of the cache; 0 means no cache
	}{
		{name: "empty_catalog"},
		{name: "stale_cache", age: 2 * time.Hour},
		{name: "cache_exactly_one_interval_old", age: every},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newRunHarness(t)
				if tt.age > 0 {
					h.loadCacheAged(t, tt.age)
				}
				h.start(t, every)

				if n := h.fetches(); n != 1 {
					t.Errorf("fetch count = %d at start, want 1", n)
				}
				if got := h.cat.Info().Source; got != SourceUpstream {
					t.Errorf("Source = %q after the first refresh, want %q", got, SourceUpstream)
				}
				// The harness jitter is half of every/10.
				h.expectFetchAfter(t, every+every/20, "the next refresh")
			})
		})
	}
}

func TestRun_FreshCacheWaitsForItsAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRunHarness(t)
		h.loadCacheAged(t, 10*time.Minute)
		h.start(t, time.Hour)
		if n := h.fetches(); n != 0 {
			t.Fatalf("fetched %d times with a fresh cache, want 0", n)
		}
		h.expectFetchAfter(t, 50*time.Minute, "the refresh at the end of the cache's life")
	})
}

func TestRun_TriggerRefreshesEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRunHarness(t)
		h.loadCacheAged(t, time.Minute)
		h.start(t, time.Hour)
		if n := h.fetches(); n != 0 {
			t.Fatalf("fetched %d times with a fresh cache, want 0", n)
		}

		h.cat.Trigger()
		if n := h.fetches(); n != 1 {
			t.Errorf("fetch count = %d after one trigger, want 1", n)
		}
		// The triggered refresh starts a full interval afresh.
		h.expectFetchAfter(t, time.Hour+3*time.Minute, "the refresh after the triggered one")
	})
}

func TestRun_BacksOffAfterFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRunHarness(t)
		h.up.set(nil, errors.New("connection refused"))
		h.start(t, 3*time.Minute)
		if n := h.fetches(); n != 1 {
			t.Fatalf("fetch count = %d at start, want 1", n)
		}

		want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 3 * time.Minute, 3 * time.Minute}
		for i, wantDelay := range want {
			if i == len(want)-1 {
				// A success resets the schedule to the regular interval.
				h.up.set(readFixture(t, "models.json"), nil)
			}
			h.expectFetchAfter(t, wantDelay, fmt.Sprintf("retry %d", i+1))
		}
		h.expectFetchAfter(t, 3*time.Minute+9*time.Second, "the regular refresh after recovery")
	})
}

func TestRun_ClampsTinyInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newRunHarness(t)
		h.start(t, time.Millisecond)
		if n := h.fetches(); n != 1 {
			t.Fatalf("fetch count = %d at start, want 1", n)
		}
		h.expectFetchAfter(t, minRefreshInterval+minRefreshInterval/20, "the next refresh")
	})
}

func TestTrigger_Coalesces(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	cat, _ := newTestCatalog(t, &fakeUpstream{}, clock)

	steps := []struct {
		name         string
		advance      time.Duration
		wantAccepted bool
	}{
		{name: "first_request", wantAccepted: true},
		{name: "immediate_repeat", wantAccepted: false},
		{name: "just_under_interval", advance: minTriggerInterval - time.Second, wantAccepted: false},
		{name: "after_interval", advance: time.Second, wantAccepted: true},
		{name: "repeat_after_accepted", advance: time.Second, wantAccepted: false},
	}
	for _, step := range steps {
		clock.Advance(step.advance)
		if got := cat.requestRefresh(); got != step.wantAccepted {
			t.Errorf("%s: accepted = %v, want %v", step.name, got, step.wantAccepted)
		}
		// Nobody consumes requests here, yet at most one is ever pending.
		if pending := len(cat.triggered); pending != 1 {
			t.Errorf("%s: %d pending refresh requests, want 1", step.name, pending)
		}
	}
}
