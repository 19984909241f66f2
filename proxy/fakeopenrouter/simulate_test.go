package fakeopenrouter

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/internal/testclock"
)

func TestSimulation(t *testing.T) {
	t.Parallel()
	const model = "sim/model:free"
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		spells []Spell
		// each attempt: virtual time passed before it, then the status
		// expected and the virtual time it takes
		steps []simStep
	}{
		{"answers_after_its_latency", []Spell{{Weather: Weather{Latency: 2 * time.Second}}},
			[]simStep{{status: http.StatusOK, minTook: time.Second, maxTook: 3 * time.Second}}},
		{"gone_is_404", []Spell{{Weather: Weather{Gone: true}}},
			[]simStep{{status: http.StatusNotFound, minTook: failureLatency, maxTook: failureLatency}}},
		{"busy_for_a_while", []Spell{
			{Weather: Weather{Latency: time.Second, Busy: 1, BusyFor: time.Minute}},
			{After: time.Second, Weather: Weather{Latency: time.Second}}, // no new 429s
		}, []simStep{
			{status: http.StatusTooManyRequests, maxTook: failureLatency},
			{status: http.StatusTooManyRequests, wait: 30 * time.Second, maxTook: failureLatency},
			{status: http.StatusOK, wait: 30 * time.Second, maxTook: 2 * time.Second},
		}},
		{"server_error", []Spell{{Weather: Weather{ServerError: 1}}},
			[]simStep{{status: http.StatusBadGateway, maxTook: failureLatency}}},
		{"flapping_every_other_period", []Spell{{Weather: Weather{Latency: time.Second, FlapEvery: time.Minute}}},
			[]simStep{{status: http.StatusOK, maxTook: 2 * time.Second}, {status: http.StatusBadGateway, wait: time.Minute, maxTook: failureLatency},
				{status: http.StatusOK, wait: time.Minute, maxTook: 2 * time.Second}}},
		{"weather_changes", []Spell{{Weather: Weather{Latency: time.Second}}, {After: time.Hour, Weather: Weather{Gone: true}}},
			[]simStep{{status: http.StatusOK, maxTook: 2 * time.Second}, {status: http.StatusNotFound, wait: time.Hour, maxTook: failureLatency}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := testclock.New(start)
			s := New(t, WithModels([]ModelSpec{{ID: model, PromptPrice: "0", CompletionPrice: "0", Context: 8192}}), WithClock(clock.Now))
			sim := NewSimulation(clock, 1)
			sim.Forecast(model, tt.spells...)
			sim.Install(s)
			for i, step := range tt.steps {
				clock.Advance(step.wait)
				before := clock.Now()
				resp := postChat(t, s, chatBody(model, i%2 == 1))
				_, _ = io.Copy(io.Discard, resp.Body)
				took := clock.Now().Sub(before)
				if resp.StatusCode != step.status || took < step.minTook || took > step.maxTook {
					t.Errorf("attempt %d: status %d after %v, want %d after %v to %v", i+1, resp.StatusCode, took, step.status, step.minTook, step.maxTook)
				}
			}
		})
	}
}

type simStep struct {
	wait             time.Duration
	status           int
	minTook, maxTook time.Duration
}

// Two simulations with the same seed draw the same outcomes for a model,
// whatever happens to the others in between.
func TestSimulation_SameSeedSameOutcomes(t *testing.T) {
	t.Parallel()
	const a, b = "sim/a:free", "sim/b:free"
	outcomes := func(interleave bool) []int {
		clock := testclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		s := New(t, WithModels([]ModelSpec{{ID: a, PromptPrice: "0", CompletionPrice: "0"}, {ID: b, PromptPrice: "0", CompletionPrice: "0"}}), WithClock(clock.Now))
		sim := NewSimulation(clock, 7)
		sim.Forecast(a, Spell{Weather: Weather{Latency: time.Second, Busy: 0.3, ServerError: 0.2}})
		sim.Forecast(b, Spell{Weather: Weather{Latency: time.Second, Busy: 0.5}})
		sim.Install(s)
		var got []int
		for range 40 {
			if interleave {
				resp := postChat(t, s, chatBody(b, false))
				_, _ = io.Copy(io.Discard, resp.Body)
			}
			resp := postChat(t, s, chatBody(a, false))
			_, _ = io.Copy(io.Discard, resp.Body)
			got = append(got, resp.StatusCode)
		}
		return got
	}
	alone, mixed := outcomes(false), outcomes(true)
	failures := 0
	for i := range alone {
		if alone[i] != mixed[i] {
			t.Fatalf("attempt %d at %s: %d alone, %d with calls to %s in between", i+1, a, alone[i], mixed[i], b)
		}
		if alone[i] != http.StatusOK {
			failures++
		}
	}
	if failures == 0 || failures == len(alone) {
		t.Errorf("%d of %d attempts failed, want about half", failures, len(alone))
	}
}
