package routingsim

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/internal/testclock"
)

const (
	simKey  = "sk-or-v1-simulation-key"
	simSeed = 14
	// simCalls is how many calls each strategy makes per scenario, one
	// after the other (so a seed always gives the same table), every other
	// one streamed.
	simCalls = 300
	// simGap is the virtual time between two calls: 300 calls span about
	// twenty minutes, long enough for rests and flapping to matter.
	simGap = 4 * time.Second
	// naiveTries is how many models the naive strategies try per call.
	naiveTries = 3
)

// The simulated free catalog, in the fake's order. The fixed fallback list
// is its first three models: a list written down once, as a user would.
const (
	fastBusy = "sim/fast-busy:free"
	fast5xx  = "sim/fast-5xx:free"
	flapping = "sim/flapping:free"
	steady   = "sim/steady:free"
	delisted = "sim/delisted:free"
	newest   = "sim/newest:free"
)

var simModels = []string{fastBusy, fast5xx, flapping, steady, delisted, newest}

func fixedList() []string { return simModels[:naiveTries] }

type weather = fakeopenrouter.Weather

// always is a forecast without change.
func always(w weather) []fakeopenrouter.Spell { return []fakeopenrouter.Spell{{Weather: w}} }

// scenario is one upstream: each model's forecast.
type scenario struct {
	name     string
	forecast map[string][]fakeopenrouter.Spell
}

var (
	gone  = weather{Gone: true}
	flaky = map[string][]fakeopenrouter.Spell{
		fastBusy: always(weather{Latency: 400 * time.Millisecond, Busy: 0.5}),
		fast5xx:  always(weather{Latency: 300 * time.Millisecond, ServerError: 0.2}),
		flapping: always(weather{Latency: 500 * time.Millisecond, FlapEvery: 90 * time.Second}),
		delisted: always(gone),
		newest:   always(weather{Latency: 600 * time.Millisecond, Busy: 0.3}),
	}
	halfway = simCalls / 2 * simGap
)

// with returns base with model's forecast replaced.
func with(base map[string][]fakeopenrouter.Spell, model string, spells []fakeopenrouter.Spell) map[string][]fakeopenrouter.Spell {
	out := make(map[string][]fakeopenrouter.Spell, len(base)+1)
	for k, v := range base {
		out[k] = v
	}
	out[model] = spells
	return out
}

// blipping is a model rate limited for 20 s from 3% of its attempts, and
// answering a 502 to 2% of them.
func blipping(latency time.Duration) []fakeopenrouter.Spell {
	return always(weather{Latency: latency, Busy: 0.03, BusyFor: 20 * time.Second, ServerError: 0.02})
}

var scenarios = []scenario{
	{"one perfect slow model, the others flaky or gone",
		with(flaky, steady, always(weather{Latency: 2 * time.Second}))},
	{"the same, the slow model busy 3% of the time",
		with(flaky, steady, always(weather{Latency: 2 * time.Second, Busy: 0.03}))},
	{"every model blipping (3% busy for 20 s, 2% 502)", map[string][]fakeopenrouter.Spell{
		fastBusy: blipping(400 * time.Millisecond), fast5xx: blipping(300 * time.Millisecond),
		flapping: blipping(500 * time.Millisecond), steady: blipping(2 * time.Second),
		delisted: blipping(800 * time.Millisecond), newest: blipping(600 * time.Millisecond),
	}},
	{"the best model turns bad half-way", map[string][]fakeopenrouter.Spell{
		fastBusy: {{Weather: weather{Latency: 400 * time.Millisecond}}, {After: halfway, Weather: weather{Latency: 400 * time.Millisecond, Busy: 0.9}}},
		fast5xx:  always(weather{Latency: 300 * time.Millisecond, ServerError: 0.1}),
		flapping: always(weather{Latency: 500 * time.Millisecond, FlapEvery: 90 * time.Second}),
		steady:   always(weather{Latency: 2 * time.Second, Busy: 0.05}),
		delisted: always(gone),
		newest:   always(weather{Latency: 600 * time.Millisecond, Busy: 0.2}),
	}},
	{"all but one gone (the survivor busy 3%)", map[string][]fakeopenrouter.Spell{
		fastBusy: always(gone), fast5xx: always(gone), flapping: always(gone), steady: always(gone), delisted: always(gone),
		newest: always(weather{Latency: 600 * time.Millisecond, Busy: 0.03}),
	}},
}

type strategy string

const (
	viaFreelane strategy = "Freelane"
	viaRandom   strategy = "random free model, up to 3 tries"
	viaFixed    strategy = "fixed fallback list, up to 3 tries"
)

var strategies = []strategy{viaFreelane, viaRandom, viaFixed}

// result is what one strategy achieved on one scenario.
type result struct {
	calls, answered, tries int
	// answerTimes are the virtual durations of the answered calls.
	answerTimes []time.Duration
}

func (r result) answeredShare() float64 { return float64(r.answered) / float64(r.calls) }
func (r result) triesPerCall() float64  { return float64(r.tries) / float64(r.calls) }

func (r result) triesPerAnswer() float64 {
	if r.answered == 0 {
		return 0
	}
	return float64(r.tries) / float64(r.answered)
}

// percentile returns the p-th percentile of the answered calls' durations.
func (r result) percentile(p float64) time.Duration {
	if len(r.answerTimes) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(r.answerTimes))
	return sorted[min(int(p*float64(len(sorted))), len(sorted)-1)]
}

func (r result) String() string {
	return fmt.Sprintf("%.1f%% answered, %.2f tries/call, %.2f tries/answer, p50 %s, p95 %s",
		100*r.answeredShare(), r.triesPerCall(), r.triesPerAnswer(),
		r.percentile(0.5).Round(10*time.Millisecond), r.percentile(0.95).Round(10*time.Millisecond))
}

// simStart is a working morning: the retry gate counts calls per local day.
var simStart = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.Local)

// world is one run of a scenario: a fresh fake on a fresh virtual clock.
type world struct {
	tb    testing.TB
	clock *testclock.Clock
	fake  *fakeopenrouter.Server
}

func newWorld(tb testing.TB, sc scenario) *world {
	clock := testclock.New(simStart)
	specs := make([]fakeopenrouter.ModelSpec, len(simModels))
	for i, id := range simModels {
		specs[i] = fakeopenrouter.ModelSpec{ID: id, Name: id, PromptPrice: "0", CompletionPrice: "0", Context: 131072}
	}
	fake := fakeopenrouter.New(tb, fakeopenrouter.WithAPIKey(simKey), fakeopenrouter.WithModels(specs),
		fakeopenrouter.WithClock(clock.Now), fakeopenrouter.WithInstant())
	sim := fakeopenrouter.NewSimulation(clock, simSeed)
	for model, spells := range sc.forecast {
		sim.Forecast(model, spells...)
	}
	sim.Install(fake)
	return &world{tb: tb, clock: clock, fake: fake}
}

func (w *world) upstreamTries() int { return len(w.fake.Requests()) }

// post sends a chat call for model to url and reports whether it was
// answered; a simulated failure is always an HTTP error status.
func (w *world) post(client *http.Client, url, key, model string, stream bool) bool {
	body := fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":"hello"}]}`, model, stream)
	req, err := http.NewRequestWithContext(w.tb.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		w.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		w.tb.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		w.tb.Fatalf("reading the answer: %v", err)
	}
	return resp.StatusCode == http.StatusOK
}

// run makes simCalls calls with one strategy.
func run(tb testing.TB, sc scenario, st strategy) result {
	w := newWorld(tb, sc)
	var call func(stream bool) bool
	switch st {
	case viaFreelane:
		front := startFreelane(tb, w)
		call = func(stream bool) bool {
			return w.post(front.Client(), front.URL+"/v1/chat/completions", "", "auto", stream)
		}
	case viaRandom:
		rng := rand.New(rand.NewPCG(simSeed, 1))
		call = func(stream bool) bool {
			order := rng.Perm(len(simModels))[:naiveTries]
			for _, i := range order {
				if w.post(http.DefaultClient, w.fake.BaseURL()+"/chat/completions", simKey, simModels[i], stream) {
					return true
				}
			}
			return false
		}
	case viaFixed:
		call = func(stream bool) bool {
			for _, model := range fixedList() {
				if w.post(http.DefaultClient, w.fake.BaseURL()+"/chat/completions", simKey, model, stream) {
					return true
				}
			}
			return false
		}
	}
	var r result
	for i := range simCalls {
		start := w.clock.Now()
		if call(i%2 == 1) {
			r.answered++
			r.answerTimes = append(r.answerTimes, w.clock.Now().Sub(start))
		}
		r.calls++
		w.clock.Advance(simGap)
	}
	r.tries = w.upstreamTries()
	return r
}

// startFreelane serves the real Freelane server, on the world's clock, in
// front of the world's fake.
func startFreelane(tb testing.TB, w *world) *httptest.Server {
	vars := map[string]string{
		"OPENROUTER_API_KEY":  simKey,
		"OPENROUTER_BASE_URL": w.fake.BaseURL(),
		"LISTEN_ADDR":         "127.0.0.1:0",
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	cfg, err := config.LoadWith(tb.TempDir(), lookup)
	if err != nil {
		tb.Fatalf("loading config: %v", err)
	}
	srv, err := proxy.New(cfg, proxy.Options{Version: "simulation", Now: w.clock.Now, Env: lookup,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatalf("starting Freelane: %v", err)
	}
	front := httptest.NewServer(srv.Handler())
	tb.Cleanup(func() {
		front.Close()
		_ = srv.Close()
	})
	return front
}

// table runs every scenario with every strategy.
func table(tb testing.TB) map[string]map[strategy]result {
	out := make(map[string]map[strategy]result, len(scenarios))
	for _, sc := range scenarios {
		out[sc.name] = make(map[strategy]result, len(strategies))
		for _, st := range strategies {
			out[sc.name][st] = run(tb, sc, st)
		}
	}
	return out
}

// markdown renders the table as docs/performance.md shows it.
func markdown(results map[string]map[strategy]result) string {
	var b strings.Builder
	b.WriteString("| upstream | strategy | answered | tries/call | tries/answered call | p50 | p95 |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, sc := range scenarios {
		for _, st := range strategies {
			r := results[sc.name][st]
			fmt.Fprintf(&b, "| %s | %s | %.1f%% | %.2f | %.2f | %.2f s | %.2f s |\n", sc.name, st,
				100*r.answeredShare(), r.triesPerCall(), r.triesPerAnswer(),
				r.percentile(0.5).Seconds(), r.percentile(0.95).Seconds())
		}
	}
	return b.String()
}

// TestRoutingSimulation checks the simulation itself (the naive strategies
// meet the odds the forecasts give them) and that on every upstream
// Freelane answers at least as many calls as both naive strategies, more
// wherever they miss any, with fewer upstream tries per answered call.
func TestRoutingSimulation(t *testing.T) {
	results := table(t)
	t.Log("\n" + markdown(results))
	for _, sc := range scenarios {
		for _, st := range strategies {
			if r := results[sc.name][st]; r.calls != simCalls || r.answered > r.calls {
				t.Errorf("%s, %s: %d calls, %d answered; want %d calls", sc.name, st, r.calls, r.answered, simCalls)
			}
		}
	}
	gone := results[scenarios[4].name]
	if r := gone[viaFixed]; r.answered != 0 || r.triesPerCall() != naiveTries {
		t.Errorf("all but one gone, fixed list (all gone): %v; want nothing answered in %d tries a call", r, naiveTries)
	}
	// The survivor is among three random picks of six half the time.
	if r := gone[viaRandom]; r.answeredShare() < 0.35 || r.answeredShare() > 0.65 {
		t.Errorf("all but one gone, random: %v; want about half answered", r)
	}

	for _, sc := range scenarios {
		fl := results[sc.name][viaFreelane]
		for _, naive := range []strategy{viaRandom, viaFixed} {
			r := results[sc.name][naive]
			if fl.answered < r.answered || (r.answered < r.calls && fl.answered == r.answered) {
				t.Errorf("%s: Freelane %v; %s %v: want more answered", sc.name, fl, naive, r)
			}
			// With every model blipping, every strategy pays about one
			// failed try per blip: allow that near-tie some noise.
			if r.answered > 0 && fl.triesPerAnswer() >= r.triesPerAnswer()+0.02 {
				t.Errorf("%s: Freelane %v; %s %v: want fewer tries per answered call", sc.name, fl, naive, r)
			}
		}
	}
	// The first call knows nothing and may miss; after that, never.
	if r := results[scenarios[0].name][viaFreelane]; r.calls-r.answered > 1 || r.triesPerCall() > 1.1 {
		t.Errorf("one perfect model: Freelane %v; want every call but the first answered, near 1 try a call", r)
	}
	if r := results[scenarios[2].name][viaFreelane]; r.answeredShare() < 0.97 {
		t.Errorf("every model blipping: Freelane %v; want at least 97%% answered", r)
	}
	// The survivor's blips (3%) and the first call are the only misses: it
	// is probed, not refused, while it rests (refusing costs about 2%).
	if r := results[scenarios[4].name][viaFreelane]; r.answeredShare() < 0.96 {
		t.Errorf("all but one gone: Freelane %v; want at least 96%% answered", r)
	}
}

// BenchmarkRoutingSimulation prints the table of every scenario and
// strategy; the reported metrics are Freelane's over all scenarios.
func BenchmarkRoutingSimulation(b *testing.B) {
	var results map[string]map[strategy]result
	for b.Loop() {
		results = table(b)
	}
	var calls, answered, tries int
	for _, byStrategy := range results {
		r := byStrategy[viaFreelane]
		calls, answered, tries = calls+r.calls, answered+r.answered, tries+r.tries
	}
	b.ReportMetric(100*float64(answered)/float64(calls), "answered-%")
	b.ReportMetric(float64(tries)/float64(max(answered, 1)), "tries/answer")
	fmt.Print("\n" + markdown(results))
}
