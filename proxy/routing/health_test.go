package routing

import (
	"maps"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/internal/testclock"
)

// fakeClock is a settable clock shared by Health and the test.
type fakeClock = testclock.Clock

func newFakeClock() *fakeClock {
	return testclock.New(time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC))
}

func TestHealth_FailureCooldowns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failures []Failure
		want     []time.Duration // cool-down returned after each failure
	}{
		{
			name:     "rate_limit_is_seconds_growing_with_repeats",
			failures: []Failure{FailureRateLimited, FailureRateLimited, FailureRateLimited, FailureRateLimited},
			want:     []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second},
		},
		{
			name:     "busy_doubles_up_to_fifteen_minutes",
			failures: []Failure{FailureBusy, FailureBusy, FailureBusy, FailureBusy, FailureBusy, FailureBusy, FailureBusy},
			want: []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
				15 * time.Minute, 15 * time.Minute},
		},
		{
			name:     "timeout_doubles_up_to_fifteen_minutes",
			failures: []Failure{FailureTimeout, FailureTimeout, FailureTimeout, FailureTimeout},
			want:     []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute},
		},
		{
			name:     "network_stays_short",
			failures: []Failure{FailureNetwork, FailureNetwork, FailureNetwork},
			want:     []time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second},
		},
		{
			name:     "gone_rests_an_hour",
			failures: []Failure{FailureGone, FailureGone},
			want:     []time.Duration{time.Hour, time.Hour},
		},
		{
			name:     "milder_failure_does_not_shorten",
			failures: []Failure{FailureGone, FailureBusy, FailureNetwork},
			want:     []time.Duration{time.Hour, time.Hour, time.Hour},
		},
		{
			name:     "streak_counts_every_failure_kind",
			failures: []Failure{FailureNetwork, FailureNetwork, FailureBusy},
			want:     []time.Duration{30 * time.Second, 30 * time.Second, 2 * time.Minute},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := NewHealth(newFakeClock().Now)
			for i, f := range tt.failures {
				if got := h.Failure("a/m:free", f, f.String()); got != tt.want[i] {
					t.Errorf("failure %d (%v): cool-down %v, want %v", i+1, f, got, tt.want[i])
				}
			}
		})
	}
}

func TestHealth_SuccessResetsStreakAndCooldown(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := NewHealth(clock.Now)
	const model = "a/m:free"

	h.Failure(model, FailureRateLimited, "429")
	h.Failure(model, FailureRateLimited, "429")
	if !h.CoolingDown(model) {
		t.Fatal("CoolingDown = false right after a failure")
	}
	h.Success(model, 800*time.Millisecond)
	if h.CoolingDown(model) {
		t.Error("CoolingDown = true after a success")
	}
	if got := h.Failure(model, FailureRateLimited, "429"); got != rateLimitCooldown {
		t.Errorf("cool-down after success then failure = %v, want %v (streak reset)", got, rateLimitCooldown)
	}
}

func TestHealth_CooldownExpires(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := NewHealth(clock.Now)
	h.Failure("a/m:free", FailureNetwork, "connection reset")

	clock.Advance(29 * time.Second)
	if !h.CoolingDown("a/m:free") {
		t.Error("CoolingDown = false before the cool-down ended")
	}
	clock.Advance(time.Second)
	if h.CoolingDown("a/m:free") {
		t.Error("CoolingDown = true once the cool-down ended")
	}
	if h.CoolingDown("never/seen:free") {
		t.Error("CoolingDown = true for an unknown model")
	}
}

func TestHealth_Snapshot(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := NewHealth(clock.Now)
	start := clock.Now()

	h.Success("a/m:free", 1000*time.Millisecond)
	clock.Advance(time.Second)
	h.Success("a/m:free", 2000*time.Millisecond)
	h.Failure("a/m:free", FailureTimeout, "no answer in 60s")

	got := h.Snapshot()["a/m:free"]
	want := ModelHealth{
		Successes:     2,
		Failures:      1,
		LastSuccess:   start.Add(time.Second),
		LastFailure:   start.Add(time.Second),
		CooldownUntil: start.Add(time.Second + 2*time.Minute),
		LatencyMs:     1300, // 0.3*2000 + 0.7*1000
		LastError:     "no answer in 60s",
		SuccessRate:   got.SuccessRate, // checked below
	}
	if got != want {
		t.Errorf("Snapshot entry = %+v\nwant %+v", got, want)
	}

	// Two answers and a failure a second apart, with a prior of one attempt.
	if want := (2 + priorRate) / (3 + 1); math.Abs(got.SuccessRate-want) > 0.001 {
		t.Errorf("SuccessRate = %.4f, want %.4f", got.SuccessRate, want)
	}

	// The snapshot is a copy.
	snap := h.Snapshot()
	delete(snap, "a/m:free")
	if _, ok := h.Snapshot()["a/m:free"]; !ok {
		t.Error("deleting from a snapshot changed the tracker")
	}
}

// TestHealth_EvidenceFades checks that outcomes weigh less as they age, so
// that a model that failed long ago drifts back toward the prior.
func TestHealth_EvidenceFades(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := NewHealth(clock.Now)
	const model = "a/m:free"
	start := clock.Now()
	h.Failure(model, FailureBusy, "502")
	rate := func() float64 { return h.Snapshot()[model].SuccessRate }
	steps := []struct {
		after time.Duration // since the step before
		want  float64
	}{
		{0, priorRate / 2},                              // one failure against a prior of one attempt
		{evidenceHalfLife, priorRate / 1.5},             // the failure weighs half
		{2 * evidenceHalfLife, priorRate / (1 + 0.125)}, // three half-lives on: an eighth
	}
	for _, step := range steps {
		clock.Advance(step.after)
		if got := rate(); math.Abs(got-step.want) > 0.001 {
			t.Errorf("%v after the failure: success rate %.4f, want %.4f", clock.Now().Sub(start), got, step.want)
		}
	}
}

func TestHealth_Forget(t *testing.T) {
	t.Parallel()
	h := NewHealth(newFakeClock().Now)
	for _, id := range []string{"a/kept:free", "b/gone:free", "c/kept:free"} {
		h.Success(id, time.Second)
	}
	catalog := map[string]bool{"a/kept:free": true, "c/kept:free": true}
	h.Forget(func(id string) bool { return catalog[id] })

	got := slices.Sorted(maps.Keys(h.Snapshot()))
	if want := []string{"a/kept:free", "c/kept:free"}; !slices.Equal(got, want) {
		t.Errorf("models after Forget = %v, want %v", got, want)
	}
}

func TestHealth_ConcurrentUse(t *testing.T) {
	t.Parallel()
	h := NewHealth(nil)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				model := []string{"a/m:free", "b/m:free"}[(w+i)%2]
				if i%3 == 0 {
					h.Failure(model, FailureBusy, "429")
				} else {
					h.Success(model, time.Duration(i)*time.Millisecond)
				}
				h.CoolingDown(model)
				h.Snapshot()
			}
		})
	}
	wg.Wait()
	total := 0
	for _, mh := range h.Snapshot() {
		total += mh.Successes + mh.Failures
	}
	if total != 800 {
		t.Errorf("recorded %d outcomes, want 800", total)
	}
}

func TestFailure_String(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    Failure
		want string
	}{
		{"busy", FailureBusy, "busy"},
		{"gone", FailureGone, "gone"},
		{"timeout", FailureTimeout, "timeout"},
		{"network", FailureNetwork, "network"},
		{"rate_limited", FailureRateLimited, "rate limited"},
		{"zero_value", Failure(0), "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
