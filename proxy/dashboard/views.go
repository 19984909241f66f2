package dashboard

import "time"

// DayCounts is one day of call counts, in exactly the shape of the
// CALLS_YYYYMMDD.json summary files so the dashboard and the files agree.
type DayCounts struct {
	Date        string    `json:"date"` // the local calendar day, as written in the summary file
	Total       int       `json:"total"`
	Success     int       `json:"success"`
	Failed      int       `json:"failed"`
	Timeout     int       `json:"timeout"`
	Retry       int       `json:"retry"`
	LastUpdated time.Time `json:"last_updated"`
}

// StatsView is the body of GET /debug/stats: today's counts at the top level,
// then the history, the per-model table and the free-request quota.
type StatsView struct {
	DayCounts
	// History holds the last N days, oldest first, today included.
	History []DayCounts  `json:"history"`
	Models  []ModelStats `json:"models"`
	Quota   QuotaView    `json:"quota"`
}

// ModelStats is one row of the per-model table for today.
type ModelStats struct {
	Model       string  `json:"model"`
	Calls       int     `json:"calls"`
	Success     int     `json:"success"`
	Failed      int     `json:"failed"`
	Timeout     int     `json:"timeout"`
	SuccessRate float64 `json:"success_rate"` // 0..1; 0 when there were no calls
	P50Ms       int64   `json:"p50_ms"`
	P95Ms       int64   `json:"p95_ms"`
}

// Quota sources: OpenRouter's key endpoint reported the numbers, or Freelane
// counted its own calls against the known daily limit.
const (
	QuotaSourceOpenRouter = "openrouter"
	QuotaSourceEstimate   = "estimate"
)

// QuotaView is how many free requests are left today.
type QuotaView struct {
	Used      int       `json:"used"`
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	ResetAt   time.Time `json:"reset_at"` // next 00:00 UTC; filled in by the handler when zero
	Estimated bool      `json:"estimated"`
	Source    string    `json:"source"` // QuotaSourceOpenRouter or QuotaSourceEstimate
}

// ConcurrencyView is the body of GET /debug/concurrency.
type ConcurrencyView struct {
	Limit    int          `json:"limit"`
	InFlight int          `json:"in_flight"`
	Queued   int          `json:"queued"`
	Recent   []RecentCall `json:"recent"` // newest first
}

// RecentCall is one finished chat call as the limiter saw it.
type RecentCall struct {
	Time       time.Time `json:"time"`
	Model      string    `json:"model"`
	Outcome    string    `json:"outcome"` // success, failed, timeout
	DurationMs int64     `json:"duration_ms"`
	Attempts   int       `json:"attempts"`
	Stream     bool      `json:"stream"`
	Status     int       `json:"status"` // HTTP status sent to the client
}

// StatusView is the body of GET /debug/status.
type StatusView struct {
	Version        string      `json:"version"`
	Running        bool        `json:"running"`
	Debug          bool        `json:"debug"`
	KeyPresent     bool        `json:"key_present"`
	KeyFingerprint string      `json:"key_fingerprint"` // a short hash, never the key
	ListenAddr     string      `json:"listen_addr"`
	UptimeSeconds  int64       `json:"uptime"`
	Catalog        CatalogView `json:"catalog"`
	Dumps          DumpsView   `json:"dumps"`
}

// CatalogView describes the free-model catalog currently in use.
type CatalogView struct {
	Count     int       `json:"count"`
	FetchedAt time.Time `json:"fetched_at"`
	Source    string    `json:"source"` // where the catalog came from, e.g. "network" or "cache"
	LastError string    `json:"last_error,omitempty"`
}

// DumpsView is the disk space taken by debug captures.
type DumpsView struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// ModelView is one free model of the catalog with its live health.
type ModelView struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	ContextLength int        `json:"context_length"`
	Tools         bool       `json:"tools"`
	Vision        bool       `json:"vision"`
	Reasoning     bool       `json:"reasoning"`
	Health        HealthView `json:"health"`
	Preferred     bool       `json:"preferred"`
	// PreferredRank is the model's place in PREFERRED_MODELS (1 is tried
	// first), 0 when the model is not preferred.
	PreferredRank int `json:"preferred_rank"`
}

// HealthView is what routing has learned about a model: why it is where it
// is in the order (success rate first, then latency) and until when it rests.
type HealthView struct {
	Successes int `json:"successes"`
	Failures  int `json:"failures"`
	// SuccessRate is routing's estimate of the chance of an answer, 0 to 1:
	// recent outcomes weigh most.
	SuccessRate   float64   `json:"success_rate"`
	LatencyMs     int64     `json:"latency_ms"`
	CooldownUntil time.Time `json:"cooldown_until,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
}

// CaptureSummary is one saved debug capture as listed by GET /debug/requests.
// The full record is fetched from GET /debug/requests/{id} when opened.
type CaptureSummary struct {
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	Model      string    `json:"model"` // the model that answered, empty when none did
	Outcome    string    `json:"outcome"`
	DurationMs int64     `json:"duration_ms"`
	Attempts   int       `json:"attempts"` // upstream tries, failed ones included
	Stream     bool      `json:"stream"`
	Bytes      int64     `json:"bytes"`
}

// RequestsView is the body of GET /debug/requests.
type RequestsView struct {
	Debug    bool             `json:"debug"`
	Dumps    DumpsView        `json:"dumps"`
	Requests []CaptureSummary `json:"requests"` // newest first
}

// ModeView is the body of GET and PUT /debug/mode.
type ModeView struct {
	Debug bool `json:"debug"`
}
