package proxy

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/dashboard"
	"github.com/freelane/freelane/proxy/dashboardlink"
	"github.com/freelane/freelane/proxy/localuser"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/translate"
)

func (s *Server) dashboardHandler() http.Handler {
	return dashboard.New(dashboardSource{s}, dashboard.Options{Logger: s.log, Now: s.now})
}

// DashboardURL is the dashboard's address on this machine, with the token
// when one is needed (the dashboard turns it into a cookie).
func (s *Server) DashboardURL() string {
	addr := s.Addr()
	if addr == "" {
		addr = s.config().ListenAddr
	}
	return DashboardLink(addr, *s.config())
}

// DashboardLink is what to open in a browser to show the dashboard of cfg
// at listenAddr. Secrets (the token; the dashboard key where the OS cannot
// tell who connects) never go on the browser's command line: the link is
// then a private local page that forwards to the dashboard (dashboardlink).
// Should that page fail, the plain address is returned, without them.
func DashboardLink(listenAddr string, cfg config.Config) string {
	target := DashboardURL(listenAddr, cfg.Token)
	secret := cfg.Token != ""
	if !localuser.Supported {
		if key, err := dashboardlink.Key(cfg.CacheDir); err == nil {
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			target += sep + "key=" + url.QueryEscape(key)
			secret = true
		}
	}
	if !secret {
		return target
	}
	page, err := dashboardlink.Page(cfg.CacheDir, target)
	if err != nil {
		return DashboardURL(listenAddr, "")
	}
	return page
}

// DashboardURL builds the dashboard address for a listen address: a
// wildcard bind is opened through loopback (config.LocalAddr).
func DashboardURL(listenAddr, token string) string {
	u := "http://" + config.LocalAddr(listenAddr) + "/debug"
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
	}
	return u
}

// dashboardSource shows the server to the dashboard package.
type dashboardSource struct{ s *Server }

func dayCounts(d stats.Day) dashboard.DayCounts {
	dc := dashboard.DayCounts{Date: d.Date, Total: d.Total, Success: d.Success, Failed: d.Failed, Timeout: d.Timeout, Retry: d.Retry}
	if t, err := time.Parse(time.RFC3339Nano, d.LastUpdated); err == nil {
		dc.LastUpdated = t
	}
	return dc
}

func (d dashboardSource) Stats(days int) dashboard.StatsView {
	s := d.s
	today := s.stats.Today()
	v := dashboard.StatsView{DayCounts: dayCounts(today)}
	for _, day := range s.stats.History(days) {
		v.History = append(v.History, dayCounts(day))
	}
	for id, m := range today.Models {
		rate := 0.0
		if m.Calls > 0 {
			rate = float64(m.Success) / float64(m.Calls)
		}
		v.Models = append(v.Models, dashboard.ModelStats{
			Model: id, Calls: m.Calls, Success: m.Success, Failed: m.Failed, Timeout: m.Timeout,
			SuccessRate: rate, P50Ms: m.P50Ms, P95Ms: m.P95Ms,
		})
	}
	slices.SortFunc(v.Models, func(a, b dashboard.ModelStats) int {
		if a.Calls != b.Calls {
			return b.Calls - a.Calls
		}
		return strings.Compare(a.Model, b.Model)
	})
	q := s.quota.get()
	v.Quota = dashboard.QuotaView{Used: q.Used, Limit: q.Limit, Remaining: q.Remaining, ResetAt: q.ResetAt, Estimated: q.Estimated, Source: dashboard.QuotaSourceOpenRouter}
	if q.Estimated || q.Limit == 0 {
		v.Quota.Estimated = true
		v.Quota.Source = dashboard.QuotaSourceEstimate
		if q.Limit == 0 {
			// Nothing known from OpenRouter yet: the smallest tier is the honest guess.
			v.Quota.Limit = freeDailyLimitLowTier
		}
		// An estimate is Freelane's own count of attempts since 00:00 UTC
		// (the quota's day), so it follows every call rather than waiting
		// for the next quota refresh.
		v.Quota.Used = max(q.Used, s.quota.usedToday())
		v.Quota.Remaining = max(v.Quota.Limit-v.Quota.Used, 0)
	}
	if q.Exhausted(s.now()) {
		v.Quota.Remaining = 0
	}
	// The tracker reads OpenRouter at most every quotaRefreshGap, however
	// often the dashboard polls.
	s.quota.refreshSoon()
	return v
}

func (d dashboardSource) Concurrency() dashboard.ConcurrencyView {
	limit, inFlight, queued := d.s.limiter.Snapshot()
	v := dashboard.ConcurrencyView{Limit: limit, InFlight: inFlight, Queued: queued, Recent: []dashboard.RecentCall{}}
	for _, c := range d.s.stats.Recent(50) {
		v.Recent = append(v.Recent, dashboard.RecentCall{
			Time: c.Time, Model: c.Model, Outcome: string(c.Outcome), DurationMs: c.Duration.Milliseconds(),
			Attempts: c.Attempts, Stream: c.Stream, Status: c.Status, API: wireAPI(c.API),
		})
	}
	return v
}

func (d dashboardSource) Status() dashboard.StatusView {
	s := d.s
	cfg := s.config()
	st := s.Status()
	info := s.catalog.Info()
	files, bytes, _ := s.captures.Usage()
	return dashboard.StatusView{
		Version: s.opts.Version, Running: st.Running, Debug: st.Debug,
		KeyPresent: cfg.APIKey != "", KeyFingerprint: cfg.KeyFingerprint(),
		ListenAddr: st.Addr, UptimeSeconds: int64(s.now().Sub(s.started).Seconds()),
		Catalog: dashboard.CatalogView{Count: info.Count, FetchedAt: info.FetchedAt, Source: info.Source, LastError: info.LastError},
		Dumps:   dashboard.DumpsView{Files: files, Bytes: bytes},
	}
}

func (d dashboardSource) Models() []dashboard.ModelView {
	s := d.s
	health := s.health.Snapshot()
	preferred := s.config().PreferredModels
	models := s.catalog.Models()
	out := make([]dashboard.ModelView, 0, len(models))
	for _, m := range models {
		h := health[m.ID]
		rank := slices.Index(preferred, m.ID) + 1
		out = append(out, dashboard.ModelView{
			ID: m.ID, Name: m.Name, ContextLength: m.ContextLength, Tools: m.Tools, Vision: m.Vision, Reasoning: m.Reasoning,
			Health: dashboard.HealthView{
				// In whole percent, as the page shows it: the estimate drifts
				// with time, and the page rebuilds the table (losing a click
				// in progress) only when what it shows changed.
				Successes: h.Successes, Failures: h.Failures, SuccessRate: math.Round(h.SuccessRate*100) / 100, LatencyMs: h.LatencyMs, LastError: h.LastError,
				CooldownUntil: cooldownUntil(h.CooldownUntil, s.now()),
			},
			Preferred: rank > 0, PreferredRank: rank,
		})
	}
	return out
}

func cooldownUntil(t, now time.Time) time.Time {
	if t.After(now) {
		return t
	}
	return time.Time{}
}

// SetPreferred saves PREFERRED_MODELS (ids the dashboard checked against
// the free catalog) to .env; the config watcher then
// applies it like any other edit. It refuses when the environment sets
// PREFERRED_MODELS: that value wins over .env, so saving would change nothing.
func (d dashboardSource) SetPreferred(ids []string) error {
	if v, ok := d.s.opts.Env("PREFERRED_MODELS"); ok && v != "" {
		return &dashboard.StatusError{
			Status: http.StatusConflict,
			Code:   "overridden_by_environment",
			Message: "PREFERRED_MODELS is set in Freelane's environment, which overrides .env, so this order would not apply. " +
				"Remove the environment variable and restart Freelane to choose the order here.",
		}
	}
	cfg := d.s.config()
	if err := config.SetEnvValue(cfg.Home, "PREFERRED_MODELS", strings.Join(ids, ",")); err != nil {
		return fmt.Errorf("saving PREFERRED_MODELS: %w", err)
	}
	// Apply at once rather than wait for the watcher, so the page shows it.
	if next, err := config.LoadWith(cfg.Home, d.s.opts.Env); err == nil {
		d.s.applyConfig(next)
	}
	return nil
}

func (d dashboardSource) SetDebug(on bool) error { return d.s.SetDebug(on) }

func (d dashboardSource) Captures(limit int) ([]dashboard.CaptureSummary, error) {
	list, err := d.s.captures.List(limit)
	if err != nil {
		return nil, err
	}
	out := make([]dashboard.CaptureSummary, 0, len(list))
	for _, c := range list {
		out = append(out, dashboard.CaptureSummary{
			ID: c.ID, Time: c.Time, Model: c.Model, Outcome: c.Outcome, DurationMs: c.DurationMs,
			Attempts: c.Attempts, Stream: c.Stream, Bytes: c.Bytes, API: wireAPI(c.API),
		})
	}
	return out, nil
}

func (d dashboardSource) Capture(id string) ([]byte, error) {
	b, err := d.s.captures.Get(id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, dashboard.ErrNotFound
	}
	return b, err
}

func (d dashboardSource) Subscribe() (<-chan struct{}, func()) { return d.s.Subscribe() }

// wireAPI names the wire API of a counted or captured call; the journal
// and captures leave Chat Completions, the default, unnamed.
func wireAPI(api string) string {
	if api == "" {
		return string(translate.APIChat)
	}
	return api
}
