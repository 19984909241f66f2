package routing

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/catalog"
)

// testModels is a small free catalog, sorted by ID as the catalog keeps it.
var testModels = []catalog.Model{
	{ID: "deepseek/deepseek-r1:free", ContextLength: 163840, Reasoning: true},
	{ID: "google/gemma-3-27b-it:free", ContextLength: 96000, Vision: true},
	{ID: "meta-llama/llama-3.3-70b-instruct:free", ContextLength: 131072, Tools: true},
	{ID: "mistralai/mistral-small:free", ContextLength: 32768, Tools: true},
	{ID: "qwen/qwen3-vl:free", ContextLength: 131072, Tools: true, Vision: true},
}

// healthEvent is one observation fed to Health before ordering.
type healthEvent struct {
	model   string
	failure Failure       // zero for a success
	latency time.Duration // of a success
	ago     time.Duration // how long before the ordering it happened
}

// answeredEveryMinute is a one-second answer from model each minute, from
// fromMin down to toMin minutes ago.
func answeredEveryMinute(model string, fromMin, toMin int) []healthEvent {
	var events []healthEvent
	for m := fromMin; m >= toMin; m-- {
		events = append(events, healthEvent{model: model, latency: time.Second, ago: time.Duration(m) * time.Minute})
	}
	return events
}

func TestCandidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		models    []catalog.Model
		req       Request
		preferred []string
		events    []healthEvent
		want      []string
	}{
		{
			name: "no_history_orders_by_context_then_id",
			want: []string{
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
				"google/gemma-3-27b-it:free", "mistralai/mistral-small:free",
			},
		},
		{
			name:      "requested_free_model_first_even_over_preferred",
			req:       Request{Model: "mistralai/mistral-small:free"},
			preferred: []string{"google/gemma-3-27b-it:free"},
			want: []string{
				"mistralai/mistral-small:free", "google/gemma-3-27b-it:free",
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
			},
		},
		{
			name: "requested_name_without_suffix_means_its_free_variant",
			req:  Request{Model: "google/gemma-3-27b-it"},
			want: []string{
				"google/gemma-3-27b-it:free",
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
				"mistralai/mistral-small:free",
			},
		},
		{
			name:      "preferred_in_user_order_unknown_entries_ignored",
			preferred: []string{"qwen/qwen3-vl:free", "openai/gpt-4o", "mistralai/mistral-small:free", "qwen/qwen3-vl:free"},
			want: []string{
				"qwen/qwen3-vl:free", "mistralai/mistral-small:free",
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "google/gemma-3-27b-it:free",
			},
		},
		{
			name: "tools_need_excludes_incapable_models",
			req:  Request{Model: "deepseek/deepseek-r1:free", Needs: Needs{Tools: true}},
			want: []string{"meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free", "mistralai/mistral-small:free"},
		},
		{
			name: "vision_need",
			req:  Request{Needs: Needs{Vision: true}},
			want: []string{"qwen/qwen3-vl:free", "google/gemma-3-27b-it:free"},
		},
		{
			name: "tools_and_vision_need",
			req:  Request{Needs: Needs{Tools: true, Vision: true}},
			want: []string{"qwen/qwen3-vl:free"},
		},
		{
			name: "healthy_before_unknown_before_failed",
			events: []healthEvent{
				{model: "mistralai/mistral-small:free", latency: 900 * time.Millisecond, ago: 2 * time.Minute},
				{model: "google/gemma-3-27b-it:free", latency: 300 * time.Millisecond, ago: 2 * time.Minute},
				// Failed, and its cool-down is already over.
				{model: "deepseek/deepseek-r1:free", failure: FailureNetwork, ago: 10 * time.Minute},
			},
			want: []string{
				"google/gemma-3-27b-it:free", "mistralai/mistral-small:free",
				"meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
				"deepseek/deepseek-r1:free",
			},
		},
		{
			name: "old_failure_fades_before_a_recent_one",
			events: []healthEvent{
				{model: "deepseek/deepseek-r1:free", failure: FailureNetwork, ago: time.Hour},
				{model: "google/gemma-3-27b-it:free", failure: FailureNetwork, ago: 5 * time.Minute},
			},
			want: []string{
				"meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free", "mistralai/mistral-small:free",
				"deepseek/deepseek-r1:free", "google/gemma-3-27b-it:free",
			},
		},
		{
			name: "chance_before_latency",
			events: []healthEvent{
				// Slow but always answers.
				{model: "mistralai/mistral-small:free", latency: 3 * time.Second, ago: 3 * time.Minute},
				{model: "mistralai/mistral-small:free", latency: 3 * time.Second, ago: 2 * time.Minute},
				// Fast but failed as often as it answered.
				{model: "google/gemma-3-27b-it:free", failure: FailureBusy, ago: 4 * time.Minute},
				{model: "google/gemma-3-27b-it:free", latency: 200 * time.Millisecond, ago: 3 * time.Minute},
				{model: "google/gemma-3-27b-it:free", failure: FailureBusy, ago: 2 * time.Minute},
				{model: "google/gemma-3-27b-it:free", latency: 200 * time.Millisecond, ago: time.Minute},
			},
			want: []string{
				"mistralai/mistral-small:free",
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
				"google/gemma-3-27b-it:free",
			},
		},
		{
			name: "latency_breaks_a_near_tie",
			events: []healthEvent{
				// The larger context would put qwen first on a tie.
				{model: "qwen/qwen3-vl:free", latency: 3 * time.Second, ago: 2 * time.Minute},
				{model: "mistralai/mistral-small:free", latency: 400 * time.Millisecond, ago: 2 * time.Minute},
			},
			want: []string{
				"mistralai/mistral-small:free", "qwen/qwen3-vl:free",
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "google/gemma-3-27b-it:free",
			},
		},
		{
			name: "recent_failures_oldest_first",
			events: []healthEvent{
				{model: "mistralai/mistral-small:free", failure: FailureNetwork, ago: 5 * time.Minute},
				{model: "google/gemma-3-27b-it:free", failure: FailureNetwork, ago: 10 * time.Minute},
			},
			want: []string{
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
				"google/gemma-3-27b-it:free", "mistralai/mistral-small:free",
			},
		},
		{
			name:      "cooling_models_are_skipped_even_when_requested",
			req:       Request{Model: "qwen/qwen3-vl:free"},
			preferred: []string{"deepseek/deepseek-r1:free"},
			events: []healthEvent{
				{model: "qwen/qwen3-vl:free", failure: FailureBusy},        // rests 30s
				{model: "deepseek/deepseek-r1:free", failure: FailureGone}, // rests 1h
			},
			want: []string{
				"meta-llama/llama-3.3-70b-instruct:free", "google/gemma-3-27b-it:free", "mistralai/mistral-small:free",
			},
		},
		{
			name: "cool_down_over_model_is_back",
			events: []healthEvent{
				{model: "deepseek/deepseek-r1:free", failure: FailureBusy, ago: 2 * time.Minute}, // rested 30s
			},
			want: []string{
				"meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
				"google/gemma-3-27b-it:free", "mistralai/mistral-small:free", "deepseek/deepseek-r1:free",
			},
		},
		{
			name: "everything_resting_probes_the_likeliest",
			req:  Request{Needs: Needs{Vision: true}},
			events: []healthEvent{
				{model: "qwen/qwen3-vl:free", latency: time.Second, ago: 3 * time.Minute},
				{model: "qwen/qwen3-vl:free", failure: FailureTimeout},      // rests 2m
				{model: "google/gemma-3-27b-it:free", failure: FailureBusy}, // rests 30s
			},
			want: []string{"qwen/qwen3-vl:free", "google/gemma-3-27b-it:free"},
		},
		{
			name: "everything_gone_returns_nothing",
			req:  Request{Needs: Needs{Vision: true}},
			events: []healthEvent{
				{model: "qwen/qwen3-vl:free", failure: FailureGone},
				{model: "google/gemma-3-27b-it:free", failure: FailureGone},
			},
			want: nil,
		},
		{
			name: "gone_models_are_not_probed",
			req:  Request{Needs: Needs{Vision: true}},
			events: []healthEvent{
				{model: "qwen/qwen3-vl:free", latency: time.Second, ago: 3 * time.Minute},
				{model: "qwen/qwen3-vl:free", failure: FailureGone},
				{model: "google/gemma-3-27b-it:free", failure: FailureBusy},
			},
			want: []string{"google/gemma-3-27b-it:free"},
		},
		{
			name: "failure_streak_is_doubted_after_its_rest",
			// A record good enough to lead without the failure, which rests
			// it 5s; a provider's limit often lasts longer.
			events: append(answeredEveryMinute("mistralai/mistral-small:free", 7, 1),
				healthEvent{model: "mistralai/mistral-small:free", failure: FailureRateLimited, ago: 10 * time.Second}),
			want: []string{
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
				"google/gemma-3-27b-it:free", "mistralai/mistral-small:free",
			},
		},
		{
			name: "success_after_failure_ends_the_doubt",
			events: append(answeredEveryMinute("mistralai/mistral-small:free", 7, 3),
				healthEvent{model: "mistralai/mistral-small:free", failure: FailureRateLimited, ago: time.Minute},
				healthEvent{model: "mistralai/mistral-small:free", latency: time.Second, ago: 10 * time.Second}),
			want: []string{
				"mistralai/mistral-small:free",
				"deepseek/deepseek-r1:free", "meta-llama/llama-3.3-70b-instruct:free", "qwen/qwen3-vl:free",
				"google/gemma-3-27b-it:free",
			},
		},
		{
			name:      "paid_entries_never_returned",
			models:    []catalog.Model{{ID: "openai/gpt-4o", Tools: true}, {ID: "openrouter/free"}, {ID: "a/b:free"}},
			req:       Request{Model: "openai/gpt-4o"},
			preferred: []string{"openrouter/free"},
			want:      []string{"a/b:free"},
		},
		{
			name:   "no_capable_model",
			models: []catalog.Model{{ID: "a/b:free"}},
			req:    Request{Needs: Needs{Tools: true}},
			want:   nil,
		},
		{
			name:   "empty_catalog",
			models: []catalog.Model{},
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			models := tt.models
			if models == nil {
				models = testModels
			}
			clock := newFakeClock()
			h := steadyHealth(clock.Now)
			start := clock.Now()
			replayed := slices.Clone(tt.events)
			// Replay oldest first so "ago" reads naturally in the table.
			slices.SortStableFunc(replayed, func(a, b healthEvent) int { return cmp.Compare(b.ago, a.ago) })
			for _, ev := range replayed {
				clock.Set(start.Add(-ev.ago))
				if ev.failure != 0 {
					h.Failure(ev.model, ev.failure, ev.failure.String())
				} else {
					h.Success(ev.model, ev.latency)
				}
			}
			clock.Set(start)

			got := Candidates(models, tt.req, tt.preferred, h)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Candidates =\n %v\nwant\n %v", got, tt.want)
			}
		})
	}
}

func TestCandidates_PickRequests(t *testing.T) {
	t.Parallel()
	plainRanking := Candidates(testModels, Request{}, nil, nil)
	tests := []struct {
		name  string
		model string
	}{
		{"empty", ""},
		{"auto", "auto"},
		{"free", "free"},
		{"free_router", "openrouter/free"},
		{"auto_router", "openrouter/auto"},
		{"bare_paid_name", "gpt-4o"},
		{"paid_id", "openai/gpt-4o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Candidates(testModels, Request{Model: tt.model}, nil, nil)
			if !slices.Equal(got, plainRanking) {
				t.Errorf("Candidates(%q) = %v, want the plain ranking %v", tt.model, got, plainRanking)
			}
		})
	}
}

func TestCandidates_OnlyReturnsCatalogIDs(t *testing.T) {
	t.Parallel()
	known := make(map[string]bool, len(testModels))
	for _, m := range testModels {
		known[m.ID] = true
	}
	h := NewHealth(nil)
	h.Failure("openai/gpt-4o", FailureBusy, "429")
	h.Success("anthropic/claude-sonnet-4", time.Second)
	requests := []Request{
		{Model: "openai/gpt-4o"},
		{Model: "anthropic/claude-sonnet-4", Needs: Needs{Tools: true}},
		{Model: "qwen/qwen3-vl:free", Needs: Needs{Vision: true}},
	}
	for _, req := range requests {
		for _, id := range Candidates(testModels, req, []string{"openai/gpt-4o", "anthropic/claude-sonnet-4"}, h) {
			if !known[id] {
				t.Errorf("Candidates(%+v) returned %q, which is not in the free catalog", req, id)
			}
		}
	}
}

func TestCandidates_DoesNotModifyInput(t *testing.T) {
	t.Parallel()
	models := slices.Clone(testModels)
	preferred := []string{"qwen/qwen3-vl:free", "google/gemma-3-27b-it:free"}
	Candidates(models, Request{Model: "mistralai/mistral-small:free"}, preferred, NewHealth(nil))
	if !slices.Equal(models, testModels) {
		t.Error("Candidates reordered or changed its models argument")
	}
	if !slices.Equal(preferred, []string{"qwen/qwen3-vl:free", "google/gemma-3-27b-it:free"}) {
		t.Error("Candidates changed its preferred argument")
	}
}

func TestCandidates_LargeCatalog(t *testing.T) {
	t.Parallel()
	models := benchmarkModels(2 * candidateBuffer)
	got := Candidates(models, Request{}, nil, nil)
	if len(got) != len(models) {
		t.Fatalf("Candidates returned %d ids, want %d", len(got), len(models))
	}
	contextOf := make(map[string]int, len(models))
	for _, m := range models {
		contextOf[m.ID] = m.ContextLength
	}
	// Without health data the order is by context length, then id.
	for i := 1; i < len(got); i++ {
		prev, cur := got[i-1], got[i]
		if contextOf[prev] < contextOf[cur] || (contextOf[prev] == contextOf[cur] && prev >= cur) {
			t.Fatalf("%q (context %d) ranked before %q (context %d)", prev, contextOf[prev], cur, contextOf[cur])
		}
	}
}

func benchmarkModels(n int) []catalog.Model {
	models := make([]catalog.Model, n)
	for i := range models {
		models[i] = catalog.Model{
			ID:            fmt.Sprintf("vendor%02d/model-%03d:free", i%7, i),
			ContextLength: 8192 * (1 + i%10),
			Tools:         i%2 == 0,
			Vision:        i%3 == 0,
		}
	}
	slices.SortFunc(models, func(a, b catalog.Model) int { return strings.Compare(a.ID, b.ID) })
	return models
}

// benchmarkRouting is a 60-model catalog with mixed health, a requested
// model, and a preferred list that names a paid model too.
func benchmarkRouting() ([]catalog.Model, *Health, Request, []string) {
	models := benchmarkModels(60)
	h := NewHealth(nil)
	for i, m := range models {
		switch i % 4 {
		case 0:
			h.Success(m.ID, time.Duration(200+i*10)*time.Millisecond)
		case 1:
			h.Failure(m.ID, FailureBusy, "429")
		}
	}
	req := Request{Model: models[17].ID, Needs: Needs{Tools: true}}
	preferred := []string{models[40].ID, models[2].ID, "openai/gpt-4o"}
	return models, h, req, preferred
}

func BenchmarkCandidates(b *testing.B) {
	models, h, req, preferred := benchmarkRouting()
	b.ReportAllocs()
	for b.Loop() {
		if ids := Candidates(models, req, preferred, h); len(ids) == 0 {
			b.Fatal("no candidates")
		}
	}
}

// TestBest_IsPrefixOfCandidates checks that ordering only the first n
// candidates gives exactly the head of the full order, over many mixes of
// health, cooldowns, requested and preferred models.
func TestBest_IsPrefixOfCandidates(t *testing.T) {
	t.Parallel()
	models := benchmarkModels(40)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		clock := newFakeClock()
		now := clock.Now()
		h := steadyHealth(clock.Now)
		for _, m := range models {
			clock.Set(now.Add(-time.Duration(rng.IntN(3600)) * time.Second))
			switch rng.IntN(4) {
			case 0:
				h.Success(m.ID, time.Duration(rng.IntN(5))*100*time.Millisecond) // latency ties on purpose
			case 1:
				h.Failure(m.ID, Failure(1+rng.IntN(5)), "test")
			}
		}
		clock.Set(now)
		req := Request{Model: models[rng.IntN(len(models))].ID, Needs: Needs{Tools: rng.IntN(2) == 0, Vision: rng.IntN(3) == 0}}
		preferred := []string{models[rng.IntN(len(models))].ID, models[rng.IntN(len(models))].ID}
		all := Candidates(models, req, preferred, h)
		for n := range len(all) + 2 {
			want := all[:min(n, len(all))]
			if got := Best(models, req, preferred, h, n).IDs; !slices.Equal(got, want) {
				t.Fatalf("round %d, n=%d: Best = %q, want the head of Candidates %q", round, n, got, want)
			}
		}
	}
}

func BenchmarkBest(b *testing.B) {
	models, h, req, preferred := benchmarkRouting()
	b.ReportAllocs()
	for b.Loop() {
		if ids := Best(models, req, preferred, h, 3).IDs; len(ids) != 3 {
			b.Fatalf("got %d candidates, want 3", len(ids))
		}
	}
}

// TestBest_Route checks the rest and the probe Best reports next to its
// ids: a call with no ids and a RestingUntil is told to wait (every capable
// model is gone), one with Probe tries resting models, one with no ids and
// no RestingUntil has no capable model at all.
func TestBest_Route(t *testing.T) {
	t.Parallel()
	vision := Needs{Vision: true}
	tests := []struct {
		name      string
		models    []catalog.Model // testModels when nil
		needs     Needs
		failures  map[string]Failure
		wantIDs   int
		wantProbe bool
		wantAfter time.Duration // RestingUntil - now, when a model rests
	}{
		{name: "nothing_failed", needs: vision, wantIDs: 2},
		{
			name:      "one_capable_model_still_available",
			needs:     vision,
			failures:  map[string]Failure{"qwen/qwen3-vl:free": FailureTimeout},
			wantIDs:   1,
			wantAfter: timeoutCooldown,
		},
		{
			name:      "all_capable_resting_probe_earliest_rest",
			needs:     vision,
			failures:  map[string]Failure{"qwen/qwen3-vl:free": FailureTimeout, "google/gemma-3-27b-it:free": FailureBusy},
			wantIDs:   2,
			wantProbe: true,
			wantAfter: busyCooldown,
		},
		{
			name:      "gone_models_neither_probed_nor_waited_for",
			needs:     vision,
			failures:  map[string]Failure{"qwen/qwen3-vl:free": FailureGone, "google/gemma-3-27b-it:free": FailureRateLimited},
			wantIDs:   1,
			wantProbe: true,
			wantAfter: rateLimitCooldown,
		},
		{
			name:      "all_capable_gone",
			needs:     vision,
			failures:  map[string]Failure{"qwen/qwen3-vl:free": FailureGone, "google/gemma-3-27b-it:free": FailureGone},
			wantAfter: goneCooldown,
		},
		{
			name:     "incapable_catalog_is_not_resting",
			models:   []catalog.Model{{ID: "meta-llama/llama-3.3-70b-instruct:free", Tools: true}},
			needs:    Needs{Tools: true, Vision: true},
			failures: map[string]Failure{"meta-llama/llama-3.3-70b-instruct:free": FailureBusy},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			h := steadyHealth(clock.Now)
			for id, f := range tt.failures {
				h.Failure(id, f, f.String())
			}
			models := tt.models
			if models == nil {
				models = testModels
			}
			route := Best(models, Request{Needs: tt.needs}, nil, h, 3)
			if len(route.IDs) != tt.wantIDs || route.Probe != tt.wantProbe {
				t.Fatalf("Best = %+v; want %d ids, probe %v", route, tt.wantIDs, tt.wantProbe)
			}
			until := route.RestingUntil
			if got := until.Sub(clock.Now()); !until.IsZero() && got != tt.wantAfter {
				t.Errorf("available again in %s, want %s", got, tt.wantAfter)
			}
			if tt.wantAfter == 0 && !until.IsZero() {
				t.Errorf("resting until %v, but no capable model rests", until)
			}
		})
	}
	if route := Best(testModels, Request{}, nil, nil, 3); !route.RestingUntil.IsZero() || route.Probe {
		t.Errorf("Best without a health tracker reports %+v", route)
	}
}

// steadyHealth is a tracker that never explores, for tests of the ranking.
func steadyHealth(now func() time.Time) *Health {
	h := NewHealth(now)
	h.explore = rand.New(neverExplore{})
	return h
}

// neverExplore is a source whose every draw is the largest, above any rate.
type neverExplore struct{}

func (neverExplore) Uint64() uint64 { return math.MaxUint64 }

// TestBest_Explores checks that, under a seeded source, a close runner-up
// now and then goes first through Best, and a clearly worse one never does.
func TestBest_Explores(t *testing.T) {
	t.Parallel()
	models := []catalog.Model{{ID: "a/lead:free"}, {ID: "b/runner:free"}}
	const calls = 1000
	tests := []struct {
		name    string
		runner  []healthEvent
		explore bool
	}{
		{"never_tried_and_close", nil, true},
		{"fast_but_clearly_worse", []healthEvent{
			{failure: FailureBusy, ago: 4 * time.Minute},
			{failure: FailureBusy, ago: 3 * time.Minute},
			{latency: 300 * time.Millisecond, ago: 2 * time.Minute},
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			now := clock.Now()
			h := NewHealth(clock.Now)
			h.explore = rand.New(rand.NewPCG(14, 14))
			// The leader answered every time, slowly.
			for i := range 5 {
				clock.Set(now.Add(-time.Duration(5-i) * time.Minute))
				h.Success("a/lead:free", 2*time.Second)
			}
			for _, ev := range tt.runner {
				clock.Set(now.Add(-ev.ago))
				if ev.failure != 0 {
					h.Failure("b/runner:free", ev.failure, "test")
				} else {
					h.Success("b/runner:free", ev.latency)
				}
			}
			clock.Set(now)
			first := 0
			for range calls {
				if Best(models, Request{}, nil, h, 1).IDs[0] == "b/runner:free" {
					first++
				}
			}
			if !tt.explore {
				if first != 0 {
					t.Errorf("the runner-up went first %d times in %d, want never", first, calls)
				}
				return
			}
			// exploreRate of the calls, give or take the seeded draws.
			if lo, hi := calls*exploreRate/2, calls*exploreRate*2; float64(first) < lo || float64(first) > hi {
				t.Errorf("the runner-up went first %d times in %d, want about %v", first, calls, calls*exploreRate)
			}
		})
	}
}

func TestExploreRunnerUp(t *testing.T) {
	t.Parallel()
	now := newFakeClock().Now()
	lead := candidate{id: "a/lead:free", group: groupRanked, score: 0.9, latencyMs: 2000, lastTried: now.Add(-time.Minute).UnixNano()}
	tests := []struct {
		name    string
		runner  candidate
		swapped bool
	}{
		{"faster_and_close", candidate{group: groupRanked, score: 0.85, latencyMs: 300, lastTried: now.Add(-time.Minute).UnixNano()}, true},
		{"untried_for_a_while_and_close", candidate{group: groupRanked, score: 0.85, latencyMs: 3000, lastTried: now.Add(-staleAfter).UnixNano()}, true},
		{"never_tried_and_close", candidate{group: groupRanked, score: 0.8}, true},
		{"faster_but_not_close", candidate{group: groupRanked, score: 0.7, latencyMs: 300}, false},
		{"close_but_slower_and_recent", candidate{group: groupRanked, score: 0.89, latencyMs: 3000, lastTried: now.Add(-time.Minute).UnixNano()}, false},
		{"preferred_is_not_reordered", candidate{group: groupPreferred, score: 0.85, latencyMs: 300}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			runner := tt.runner
			runner.id = "b/runner:free"
			cands := []candidate{lead, runner}
			exploreRunnerUp(cands, now)
			if got := cands[0].id == runner.id; got != tt.swapped {
				t.Errorf("runner-up first = %v, want %v", got, tt.swapped)
			}
		})
	}
}
