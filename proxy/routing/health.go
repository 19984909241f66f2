package routing

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Failure says why an attempt on a model failed; it decides how long the
// model is left alone.
type Failure int

const (
	// FailureBusy: the provider is erroring (5xx, or an error inside a 200).
	// Usually clears within a minute or two.
	FailureBusy Failure = iota + 1
	// FailureGone: no endpoints for the model, or its free variant ended.
	// Only a catalog refresh will tell whether it came back.
	FailureGone
	// FailureTimeout: no answer in time. Costly for the caller, so the model
	// rests longer than a busy one.
	FailureTimeout
	// FailureNetwork: the connection failed, most likely on our side, so the
	// model itself is only briefly avoided.
	FailureNetwork
	// FailureRateLimited: the model's provider answered its own 429, which
	// on the free tier usually clears within seconds. The account-wide
	// limits are no model's fault and are not reported at all.
	FailureRateLimited
)

func (f Failure) String() string {
	switch f {
	case FailureBusy:
		return "busy"
	case FailureGone:
		return "gone"
	case FailureTimeout:
		return "timeout"
	case FailureNetwork:
		return "network"
	case FailureRateLimited:
		return "rate limited"
	default:
		return "unknown"
	}
}

// Rest lengths per failure kind, in proportion to what the failure says
// about the model. Rate limits, busy answers and timeouts double with each
// consecutive failure of the model, up to maxCooldown, so a model with a
// good record pauses only briefly after one failure.
const (
	rateLimitCooldown = 5 * time.Second
	busyCooldown      = 30 * time.Second
	timeoutCooldown   = 2 * time.Minute
	networkCooldown   = 30 * time.Second
	goneCooldown      = time.Hour
	maxCooldown       = 15 * time.Minute
)

// latencyWeight is the EWMA weight of the newest latency sample: recent
// enough to follow a provider that slows down, smooth enough to ignore one
// slow answer.
const latencyWeight = 0.3

// Evidence about a model fades with evidenceHalfLife, so that the estimate
// follows a model that turns bad or recovers, and a model not tried for a
// while drifts back to the prior and gets tried again.
const (
	evidenceHalfLife = 10 * time.Minute
	// priorAttempts and priorRate stand for what is assumed of a model
	// before any evidence: a fairly good chance, worth one attempt.
	priorAttempts = 1.0
	priorRate     = 0.8
)

// A model whose latest attempt failed first loses burstDoubt of its chance,
// recovering with burstHalfLife.
const (
	burstDoubt    = 0.5
	burstHalfLife = time.Minute
)

// ModelHealth is what Freelane has observed about one model since it started.
type ModelHealth struct {
	Successes     int
	Failures      int
	LastSuccess   time.Time
	LastFailure   time.Time
	CooldownUntil time.Time
	LatencyMs     int64 // exponentially weighted moving average of successful calls
	LastError     string
	// SuccessRate is the estimated chance that an attempt is answered:
	// recent outcomes weigh most, old ones fade toward a prior.
	SuccessRate float64
}

type modelState struct {
	ModelHealth
	streak int // consecutive failures since the last success
	// answered and attempted are outcome counts, each faded by
	// evidenceHalfLife since decayedAt.
	answered, attempted float64
	decayedAt           time.Time
	// gone: the rest comes from the model being delisted, so resting it
	// is not a guess to probe.
	gone bool
}

// fading is the factor by which evidence recorded at decayedAt has faded
// by now.
func (st *modelState) fading(now time.Time) float64 {
	if st.decayedAt.IsZero() || !now.After(st.decayedAt) {
		return 1
	}
	return math.Exp2(-float64(now.Sub(st.decayedAt)) / float64(evidenceHalfLife))
}

// decay fades the outcome counts to now.
func (st *modelState) decay(now time.Time) {
	f := st.fading(now)
	st.answered *= f
	st.attempted *= f
	st.decayedAt = now
}

// chance is the estimated success rate at now, without changing st.
func (st *modelState) chance(now time.Time) float64 {
	f := st.fading(now)
	return (st.answered*f + priorRate*priorAttempts) / (st.attempted*f + priorAttempts)
}

// outlook is the chance that the next attempt at the model is answered:
// its success rate, lowered while its latest attempts failed, because a
// provider's trouble comes in spells (a rate limit lasts seconds, an outage
// minutes); the doubt fades with burstHalfLife since the last failure.
func (st *modelState) outlook(now time.Time) float64 {
	p := st.chance(now)
	if st.streak == 0 {
		return p
	}
	doubt := burstDoubt * math.Exp2(-float64(now.Sub(st.LastFailure))/float64(burstHalfLife))
	return p * (1 - doubt)
}

// Health tracks per-model outcomes and cool-downs. It is safe for concurrent
// use; every method takes one short lock.
type Health struct {
	now func() time.Time

	mu     sync.Mutex
	models map[string]*modelState
	// explore decides when routing tries a close runner-up first; seeded
	// from the clock, so an injected clock makes routing repeatable.
	explore *rand.Rand
}

// NewHealth returns an empty tracker. A nil now uses time.Now.
func NewHealth(now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	seed := uint64(now().UnixNano())
	return &Health{now: now, models: make(map[string]*modelState), explore: rand.New(rand.NewPCG(seed, seed>>32))}
}

func (h *Health) stateLocked(model string) *modelState {
	st, ok := h.models[model]
	if !ok {
		st = &modelState{}
		h.models[model] = st
	}
	return st
}

// Success records an answer from model that took latency. It ends the
// model's failure streak and any cool-down: the model demonstrably works.
func (h *Health) Success(model string, latency time.Duration) {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.stateLocked(model)
	st.Successes++
	st.LastSuccess = now
	st.CooldownUntil = time.Time{}
	st.streak = 0
	st.gone = false
	st.decay(now)
	st.answered++
	st.attempted++
	ms := max(latency.Milliseconds(), 0)
	if st.Successes == 1 {
		st.LatencyMs = ms
	} else {
		st.LatencyMs = int64(math.Round(latencyWeight*float64(ms) + (1-latencyWeight)*float64(st.LatencyMs)))
	}
}

// Failure records a failed attempt on model, rests the model and returns
// how long it will be skipped. A rest is never shortened by a later, milder
// failure. detail is kept for the dashboard and must not carry secrets.
func (h *Health) Failure(model string, f Failure, detail string) time.Duration {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.stateLocked(model)
	st.Failures++
	st.LastFailure = now
	st.LastError = detail
	st.streak++
	st.decay(now)
	st.attempted++
	until := now.Add(cooldownFor(f, st.streak))
	if until.After(st.CooldownUntil) {
		st.CooldownUntil = until
		st.gone = f == FailureGone
	}
	return st.CooldownUntil.Sub(now)
}

// cooldownFor returns the rest a model gets after its streak-th consecutive
// failure, this one of kind f.
func cooldownFor(f Failure, streak int) time.Duration {
	switch f {
	case FailureRateLimited:
		return doubled(rateLimitCooldown, streak)
	case FailureBusy:
		return doubled(busyCooldown, streak)
	case FailureTimeout:
		return doubled(timeoutCooldown, streak)
	case FailureGone:
		return goneCooldown
	default:
		return networkCooldown
	}
}

func doubled(base time.Duration, streak int) time.Duration {
	d := base
	for i := 1; i < streak && d < maxCooldown; i++ {
		d *= 2
	}
	return min(d, maxCooldown)
}

// CoolingDown reports whether model is resting after a failure.
func (h *Health) CoolingDown(model string) bool {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	st, ok := h.models[model]
	return ok && st.CooldownUntil.After(now)
}

// Snapshot returns a copy of every tracked model's health.
func (h *Health) Snapshot() map[string]ModelHealth {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]ModelHealth, len(h.models))
	for id, st := range h.models {
		mh := st.ModelHealth
		mh.SuccessRate = st.chance(now)
		out[id] = mh
	}
	return out
}

// Forget drops every model for which keep returns false, e.g. models that
// left the catalog, so the tracker does not grow without bound.
func (h *Health) Forget(keep func(id string) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id := range h.models {
		if !keep(id) {
			delete(h.models, id)
		}
	}
}
