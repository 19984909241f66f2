package proxy

import (
	"fmt"
	"net"
	"sync"

	"github.com/freelane/freelane/proxy/internal/days"
)

// Problem names what needs the user's attention, for the tray and /health.
type Problem string

const (
	ProblemNone                Problem = ""
	ProblemNoKey               Problem = "no_api_key"
	ProblemPortInUse           Problem = "port_in_use"
	ProblemQuotaExhausted      Problem = "quota_exhausted"
	ProblemUpstreamUnreachable Problem = "upstream_unreachable"
	// ProblemStatsNotSaved: calls cannot be written to CACHE_DIR (full,
	// read-only); they count in memory only, until the next restart.
	ProblemStatsNotSaved Problem = "stats_not_saved"
)

// Status is the proxy's state in plain values, for the tray and the service.
type Status struct {
	Running  bool
	Addr     string
	Calls    int
	OK       int
	Failed   int
	FreeLeft int // -1 when unknown
	// FreeLeftEstimated is true when FreeLeft is Freelane's own count
	// against the account tier's limit, not OpenRouter's counter.
	FreeLeftEstimated bool
	Debug             bool
	Problem           Problem
	Detail            string // what to do about Problem
	HomeDir           string
	ConfigFile        string
}

// Status reports the current state.
func (s *Server) Status() Status {
	cfg := s.config()
	today := s.stats.Today()
	s.mu.Lock()
	addr, listenErr := s.addr, s.listenErr
	s.mu.Unlock()
	st := Status{
		Running:    addr != "",
		Addr:       addr,
		Calls:      today.Total,
		OK:         today.Success,
		Failed:     today.Failed + today.Timeout,
		FreeLeft:   -1,
		Debug:      s.Debug(),
		HomeDir:    cfg.Home,
		ConfigFile: cfg.EnvFile,
	}
	if addr == "" {
		st.Addr = cfg.ListenAddr
	}
	q := s.quota.get()
	if q.Limit > 0 && cfg.APIKey != "" {
		st.FreeLeft, st.FreeLeftEstimated = q.Remaining, q.Estimated
	}
	switch {
	case cfg.APIKey == "":
		st.Problem, st.Detail = ProblemNoKey, "Add OPENROUTER_API_KEY to "+cfg.EnvFile
	case listenErr != nil && addr == "":
		st.Problem = ProblemPortInUse
		st.Detail = fmt.Sprintf("Port %s is in use: stop the other program or set LISTEN_ADDR in %s", portOf(cfg.ListenAddr), cfg.EnvFile)
	case s.stats.SaveError() != nil:
		st.Problem = ProblemStatsNotSaved
		st.Detail = "Calls are not being saved: free disk space or make " + cfg.CacheDir + " writable"
	case q.Exhausted(s.now()):
		st.Problem = ProblemQuotaExhausted
		st.Detail = "Free requests used up for today; they reset at " + days.Local(q.ResetAt).Format("15:04")
	case s.reach.unreachable():
		st.Problem = ProblemUpstreamUnreachable
		st.Detail = "OpenRouter is unreachable: check the network or HTTPS_PROXY"
	}
	return st
}

func portOf(addr string) string {
	if _, p, err := net.SplitHostPort(addr); err == nil {
		return p
	}
	return addr
}

// unreachableAfter is how many calls in a row must fail to connect to
// OpenRouter before the status says it is unreachable: one may be a blip.
const unreachableAfter = 3

// upstreamReach follows whether the latest calls reached OpenRouter, as
// the calls recorded it (callResult.reachedOpenRouter). Calls that made no
// attempt (refused locally, no model capable) say nothing and are not
// counted either way.
type upstreamReach struct {
	mu sync.Mutex
	// unreachedInARow counts the latest calls that tried and could not
	// connect; a call that reached OpenRouter resets it.
	unreachedInARow int
}

func (u *upstreamReach) observe(reached bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if reached {
		u.unreachedInARow = 0
	} else {
		u.unreachedInARow++
	}
}

// unreachable is true when the last unreachableAfter calls that tried all
// failed to connect to OpenRouter.
func (u *upstreamReach) unreachable() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.unreachedInARow >= unreachableAfter
}
