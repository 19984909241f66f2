package routing

import (
	"math"
	"sync"
	"time"
)

// Failure says why an attempt on a model failed; it decides how long the
// model is left alone.
type Failure int

const (
	// FailureBusy: the provider is rate limited or erroring (429, 5xx, or an
	// error inside a 200). Usually clears within minutes.
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
	default:
		return "unknown"
	}
}

// Cool-down lengths per failure kind. Busy and timeout double with each
// consecutive failure of the model, up to maxCooldown.
const (
	busyCooldown    = time.Minute
	timeoutCooldown = 2 * time.Minute
	networkCooldown = 30 * time.Second
	goneCooldown    = time.Hour
	maxCooldown     = 15 * time.Minute
)

// latencyWeight is the EWMA weight of the newest latency sample: recent
// enough to follow a provider that slows down, smooth enough to ignore one
// slow answer.
const latencyWeight = 0.3

// ModelHealth is what Freelane has observed about one model since it started.
type ModelHealth struct {
	Successes     int
	Failures      int
	LastSuccess   time.Time
	LastFailure   time.Time
	CooldownUntil time.Time
	LatencyMs     int64 // exponentially weighted moving average of successful calls
	LastError     string
}

type modelState struct {
	ModelHealth
	streak int // consecutive failures since the last success
}

// Health tracks per-model outcomes and cool-downs. It is safe for concurrent
// use; every method takes one short lock.
type Health struct {
	now func() time.Time

	mu     sync.Mutex
	models map[string]*modelState
}

// NewHealth returns an empty tracker. A nil now uses time.Now.
func NewHealth(now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	return &Health{now: now, models: make(map[string]*modelState)}
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
	ms := max(latency.Milliseconds(), 0)
	if st.Successes == 1 {
		st.LatencyMs = ms
	} else {
		st.LatencyMs = int64(math.Round(latencyWeight*float64(ms) + (1-latencyWeight)*float64(st.LatencyMs)))
	}
}

// Failure records a failed attempt on model, cools the model down and
// returns how long it will be skipped. A cool-down is never shortened by a
// later, milder failure. detail is kept for the dashboard and must not carry
// secrets.
func (h *Health) Failure(model string, f Failure, detail string) time.Duration {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.stateLocked(model)
	st.Failures++
	st.LastFailure = now
	st.LastError = detail
	st.streak++
	until := now.Add(cooldownFor(f, st.streak))
	if until.After(st.CooldownUntil) {
		st.CooldownUntil = until
	}
	return st.CooldownUntil.Sub(now)
}

// cooldownFor returns the rest a model gets after its streak-th consecutive
// failure, this one of kind f.
func cooldownFor(f Failure, streak int) time.Duration {
	switch f {
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
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]ModelHealth, len(h.models))
	for id, st := range h.models {
		out[id] = st.ModelHealth
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
