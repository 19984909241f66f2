package fakeopenrouter

import (
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/freelane/freelane/proxy/internal/testclock"
)

// Weather is how a simulated model behaves for a while: each attempt draws
// its outcome from these probabilities.
type Weather struct {
	// Latency is the typical time to the first byte of an answer; each
	// answer takes between half and one and a half times as long.
	Latency time.Duration
	// Busy is the chance of the provider's rate-limit 429.
	Busy float64
	// BusyFor keeps a model that drew a 429 rate limited for this long, as
	// a provider's limit lasts a few seconds: every attempt in between gets
	// the 429 too.
	BusyFor time.Duration
	// ServerError is the chance of a 502.
	ServerError float64
	// FlapEvery makes the model unavailable (502) during every other
	// period of this length, counted from the start of the simulation.
	FlapEvery time.Duration
	// Gone answers 404 "No endpoints found" to every attempt.
	Gone bool
}

// Spell is a Weather that starts After the simulation began and lasts until
// the next spell of the same model.
type Spell struct {
	After time.Duration
	Weather
}

// failureLatency is how long a simulated failure takes: providers refuse
// quickly.
const failureLatency = 150 * time.Millisecond

// Simulation drives models with seeded, changing weather on a virtual clock:
// shared by the fake (WithClock) and the client under test, it moves only
// when told to, so a model's latency of seconds costs no real time (the
// behaviour advances the clock instead of sleeping). Every model draws from
// its own seeded source, so two runs with the same seed see the same
// sequence of outcomes per model no matter which client strategy chooses
// the models.
type Simulation struct {
	clock *testclock.Clock
	start time.Time
	seed  uint64

	mu        sync.Mutex
	spells    map[string][]Spell
	sources   map[string]*rand.Rand
	busyUntil map[string]time.Time
}

// NewSimulation returns a simulation on clock, seeded with seed. Give each
// model its weather with Forecast, then serve it with Install.
func NewSimulation(clock *testclock.Clock, seed uint64) *Simulation {
	return &Simulation{clock: clock, start: clock.Now(), seed: seed,
		spells: make(map[string][]Spell), sources: make(map[string]*rand.Rand),
		busyUntil: make(map[string]time.Time)}
}

// Forecast sets model's weather: spells in order of After (the first one
// usually at 0).
func (sim *Simulation) Forecast(model string, spells ...Spell) {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	sim.spells[model] = spells
	h := fnv.New64a()
	_, _ = h.Write([]byte(model))
	sim.sources[model] = rand.New(rand.NewPCG(sim.seed, h.Sum64()))
}

// Install makes s serve every forecast model by the simulation.
func (sim *Simulation) Install(s *Server) {
	sim.mu.Lock()
	models := make([]string, 0, len(sim.spells))
	for m := range sim.spells {
		models = append(models, m)
	}
	sim.mu.Unlock()
	for _, m := range models {
		s.SetDefault(m, sim.behavior(m))
	}
}

// outcome draws what one attempt at model does and how long it takes.
func (sim *Simulation) outcome(model string) (fail func(x *exchange), latency time.Duration) {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	now := sim.clock.Now()
	elapsed := now.Sub(sim.start)
	var w Weather
	for _, sp := range sim.spells[model] {
		if elapsed >= sp.After {
			w = sp.Weather
		}
	}
	src := sim.sources[model]
	draw, spread := src.Float64(), src.Float64()
	switch {
	case w.Gone:
		return func(x *exchange) { x.fail(noEndpoints(x.answeredBy)) }, failureLatency
	case w.FlapEvery > 0 && (elapsed/w.FlapEvery)%2 == 1:
		return serverFailure, failureLatency
	case now.Before(sim.busyUntil[model]):
		return rateLimited, failureLatency
	case draw < w.Busy:
		sim.busyUntil[model] = now.Add(w.BusyFor)
		return rateLimited, failureLatency
	case draw < w.Busy+w.ServerError:
		return serverFailure, failureLatency
	}
	return nil, time.Duration(float64(w.Latency) * (0.5 + spread))
}

func rateLimited(x *exchange) { x.fail(providerBusyError(x.answeredBy, x.provider)) }

func serverFailure(x *exchange) { x.fail(serverError(http.StatusBadGateway, x.provider)) }

func (sim *Simulation) behavior(model string) Behavior {
	return Behavior{name: "Simulated", run: func(x *exchange) {
		fail, latency := sim.outcome(model)
		sim.clock.Advance(latency)
		if fail != nil {
			fail(x)
			return
		}
		x.serveNext(Behavior{})
	}}
}
