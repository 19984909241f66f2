package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeTimers replaces Run's timers: each wait is reported on requested and
// ends only when the test sends on fire.
type fakeTimers struct {
	requested chan time.Duration
	fire      chan time.Time
}

func newFakeTimers() *fakeTimers {
	return &fakeTimers{requested: make(chan time.Duration, 16), fire: make(chan time.Time)}
}

func (f *fakeTimers) after(d time.Duration) (<-chan time.Time, func() bool) {
	f.requested <- d
	return f.fire, func() bool { return true }
}

// receive waits for a value on ch, failing the test after a generous deadline.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

type runHarness struct {
	cat       *Catalog
	up        *fakeUpstream
	clock     *fakeClock
	timers    *fakeTimers
	cacheFile string
}

func newRunHarness(t *testing.T) *runHarness {
	t.Helper()
	h := &runHarness{
		up:     &fakeUpstream{fetched: make(chan int32, 16)},
		clock:  newFakeClock(),
		timers: newFakeTimers(),
	}
	h.up.set(readFixture(t, "models.json"), nil)
	h.cat, h.cacheFile = newTestCatalog(t, h.up, h.clock)
	h.cat.after = h.timers.after
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
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after its context was cancelled")
		}
	})
}

func TestRun_RefreshesAtStart(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			h := newRunHarness(t)
			if tt.age > 0 {
				h.loadCacheAged(t, tt.age)
			}
			h.start(t, every)

			if n := receive(t, h.up.fetched, "the first refresh"); n != 1 {
				t.Errorf("fetch count = %d, want 1", n)
			}
			wantNext := every + every/20 // the harness jitter is half of every/10
			if got := receive(t, h.timers.requested, "the next wait"); got != wantNext {
				t.Errorf("next refresh in %v, want %v", got, wantNext)
			}
			if got := h.cat.Info().Source; got != SourceUpstream {
				t.Errorf("Source = %q after the first refresh, want %q", got, SourceUpstream)
			}
		})
	}
}

func TestRun_FreshCacheWaitsForItsAge(t *testing.T) {
	t.Parallel()
	h := newRunHarness(t)
	h.loadCacheAged(t, 10*time.Minute)
	h.start(t, time.Hour)

	if got := receive(t, h.timers.requested, "the first wait"); got != 50*time.Minute {
		t.Errorf("first refresh in %v, want 50m (the cache's remaining life)", got)
	}
	// Run asks for its timer before it can fetch, so the count is settled here.
	if n := h.up.fetches.Load(); n != 0 {
		t.Fatalf("fetched %d times with a fresh cache, want 0", n)
	}

	h.timers.fire <- h.clock.Now()
	if n := receive(t, h.up.fetched, "the scheduled refresh"); n != 1 {
		t.Errorf("fetch count = %d, want 1", n)
	}
}

func TestRun_TriggerRefreshesEarly(t *testing.T) {
	t.Parallel()
	h := newRunHarness(t)
	h.loadCacheAged(t, time.Minute)
	h.start(t, time.Hour)
	receive(t, h.timers.requested, "the first wait")

	h.cat.Trigger()
	if n := receive(t, h.up.fetched, "the triggered refresh"); n != 1 {
		t.Errorf("fetch count = %d, want 1", n)
	}
	receive(t, h.timers.requested, "the wait after the triggered refresh")
	if n := h.up.fetches.Load(); n != 1 {
		t.Errorf("fetch count = %d after one trigger, want 1", n)
	}
}

func TestRun_BacksOffAfterFailures(t *testing.T) {
	t.Parallel()
	h := newRunHarness(t)
	h.up.set(nil, errors.New("connection refused"))
	h.start(t, 3*time.Minute)

	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 3 * time.Minute, 3 * time.Minute}
	for i, wantDelay := range want {
		receive(t, h.up.fetched, "a failed refresh")
		if got := receive(t, h.timers.requested, "the retry wait"); got != wantDelay {
			t.Errorf("retry %d in %v, want %v", i+1, got, wantDelay)
		}
		if i == len(want)-1 {
			// A success resets the schedule to the regular interval.
			h.up.set(readFixture(t, "models.json"), nil)
		}
		h.timers.fire <- h.clock.Now()
	}

	receive(t, h.up.fetched, "the successful refresh")
	if got, wantDelay := receive(t, h.timers.requested, "the regular wait"), 3*time.Minute+9*time.Second; got != wantDelay {
		t.Errorf("after recovery next refresh in %v, want %v", got, wantDelay)
	}
}

func TestRun_ClampsTinyInterval(t *testing.T) {
	t.Parallel()
	h := newRunHarness(t)
	h.start(t, time.Millisecond)
	receive(t, h.up.fetched, "the first refresh")
	if got := receive(t, h.timers.requested, "the next wait"); got < minRefreshInterval {
		t.Errorf("next refresh in %v, want at least %v", got, minRefreshInterval)
	}
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
