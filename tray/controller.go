package tray

// Problem is something the user has to act on; the tray shows it with the
// attention icon and says what to do in the status line.
type Problem int

const (
	ProblemNone Problem = iota
	// ProblemNoKey: OPENROUTER_API_KEY is not configured.
	ProblemNoKey
	// ProblemPortInUse: the listen address is taken by another program.
	ProblemPortInUse
	// ProblemQuotaExhausted: OpenRouter's daily free-call cap is reached.
	ProblemQuotaExhausted
	// ProblemUpstreamUnreachable: OpenRouter cannot be reached.
	ProblemUpstreamUnreachable
	// ProblemStatsNotSaved: calls cannot be saved (a full or read-only
	// cache folder).
	ProblemStatsNotSaved
)

// String is the short English name of the problem, as the English tooltip
// shows it.
func (p Problem) String() string {
	if p == ProblemNone {
		return "no problem"
	}
	return problemName(nil, p)
}

// State is what the tray shows. The controller fills it; the tray only reads it.
type State struct {
	Running bool
	Addr    string // the address the proxy listens on, e.g. "127.0.0.1:5000"

	// Today's calls.
	Calls, OK, Failed int
	// FreeLeft is how many free calls are left today, -1 when unknown.
	FreeLeft int

	Debug   bool
	Problem Problem
	// Detail says what to do about Problem, e.g. "Add OPENROUTER_API_KEY to
	// /home/u/.config/freelane/.env". Empty means the tray's generic advice.
	Detail string
}

// Controller is the tray's view of the running application. The tray never
// imports the proxy; main adapts the proxy to this interface.
type Controller interface {
	Start() error
	Stop() error
	State() State
	SetDebug(on bool) error
	DashboardURL() string
	// HomeDir is the folder holding .env and DEBUG_MODE.txt.
	HomeDir() string
	// Changes delivers a coalesced notification whenever State may have
	// changed (a call counted, debug toggled, started or stopped, midnight).
	// The returned func unsubscribes.
	Changes() (<-chan struct{}, func())
}

// Autostarter manages the entry that launches Freelane when the user logs in.
type Autostarter interface {
	// Enabled reports whether the entry exists now and starts this copy of
	// Freelane on its home folder.
	Enabled() bool
	// Outdated reports whether this copy's entry exists but starts something
	// else: an older entry without --home, or this home from a moved binary.
	// Another home folder's entry is neither Enabled nor Outdated.
	Outdated() bool
	Enable() error
	Disable() error
}
