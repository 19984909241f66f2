// Package proxy is Freelane's HTTP server: the OpenAI-compatible endpoint in
// front of OpenRouter's free models, /health, and the debug dashboard. It
// ties together the pieces under proxy/ (catalog, routing, upstream, stats,
// capture, config) and owns their lifecycle; the tray and main only see a
// small surface (New, Listen, Unlisten, Run, Status).
//
// Where things are: server.go builds a Server; lifecycle.go runs and stops
// it; reload.go applies a changed configuration; listener.go binds the port
// and tracks requests in flight; status.go is the tray's and /health's view;
// routes.go is the HTTP surface; chat.go, chat_attempt.go, chat_failure.go
// and stream.go serve one chat call; quota.go tracks the free quota.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/freelane/freelane/proxy/capture"
	"github.com/freelane/freelane/proxy/catalog"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/dashboardlink"
	"github.com/freelane/freelane/proxy/internal/broadcast"
	"github.com/freelane/freelane/proxy/limiter"
	"github.com/freelane/freelane/proxy/localuser"
	"github.com/freelane/freelane/proxy/responses"
	"github.com/freelane/freelane/proxy/routing"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/upstream"
)

// Options are the server's non-configuration dependencies.
type Options struct {
	Version string
	Logger  *slog.Logger
	// Now is the clock (tests inject one); time.Now when nil.
	Now func() time.Time
	// Env looks up process environment variables for config reloads;
	// os.LookupEnv when nil.
	Env func(string) (string, bool)
	// ShutdownGrace bounds how long in-flight calls may run on shutdown or
	// stop before their connections are closed (default 8s). With the
	// second it takes to count the calls cut then (callDrainTimeout), the
	// default stays under the 10 s a service supervisor waits before it
	// kills the server, so a stop under the service counts every call.
	ShutdownGrace time.Duration
	// ReadHeaderTimeout bounds how long a client may take to send its
	// request headers (default 10s), BodyReadTimeout its request body
	// (default 60s): a client trickling bytes (slowloris) is cut off instead
	// of holding a connection and a goroutine for ever.
	ReadHeaderTimeout time.Duration
	BodyReadTimeout   time.Duration
	// SendTimeout bounds how long a chat client may take to accept each
	// write of its answer (default 60s, nginx's send_timeout): a client that
	// stops reading gives its slot back and is counted as gone.
	SendTimeout time.Duration
	// LogLevel, when set, is the level Logger's handler filters at: New and
	// every reload set it from LOG_LEVEL, so a changed level applies
	// without a restart.
	LogLevel *slog.LevelVar
	// sameUser replaces localuser.SameUser in tests.
	sameUser func(local, remote netip.AddrPort) (bool, error)
	// MaxConns caps open client connections (default defaultMaxConns),
	// never below the calls the limiter admits; see connLimit and connCap.
	MaxConns int
	// StreamPing is how long an Anthropic Messages stream waits for its
	// first event, and then between pings, before it sends a ping
	// (default 10s).
	StreamPing time.Duration
}

const (
	// defaultShutdownGrace is ShutdownGrace when Options leave it zero.
	defaultShutdownGrace = 8 * time.Second
	// callDrainTimeout bounds how long shutdown waits, after the grace
	// period, for cancelled calls to be counted before the statistics close.
	// A cancelled handler only has to record its call, which takes
	// milliseconds; a longer wait would eat into the supervisor's stop time.
	callDrainTimeout = time.Second
	// housekeepingEvery is how often debug dumps are aged out and the
	// health of vanished models forgotten.
	housekeepingEvery = 10 * time.Minute
	// statsRecentCalls is how many of today's calls the statistics keep in
	// memory: enough to restore the quota count of the 1000-a-day tier.
	statsRecentCalls = 1000
)

// Server is one Freelane proxy. Create it with New, bind it with Listen, and
// run its background work (catalog refresh, config watching, quota) with Run.
type Server struct {
	// sameUser tells whether a connection's client runs as this user
	// (localuser.SameUser; tests replace it), dashboardKey is the secret
	// that proves it where the OS cannot tell (dashboardlink).
	sameUser     func(local, remote netip.AddrPort) (bool, error)
	dashboardKey string

	opts    Options
	log     *slog.Logger
	now     func() time.Time
	started time.Time

	rt atomic.Pointer[runtimeConfig]
	// reloadMu makes comparing a reloaded configuration with the running
	// one and applying it one step (see applyConfig).
	reloadMu sync.Mutex
	limiter  *limiter.Limiter
	catalog  *catalog.Catalog
	health   *routing.Health
	stats    *stats.Store
	captures *capture.Recorder
	// watching is closed once Run watches the home folder: edits saved
	// after that are applied.
	watching chan struct{}
	// responses keeps recent Responses API answers for previous_response_id.
	responses *responses.Store
	debug     atomic.Bool
	quota     quotaTracker
	reach     upstreamReach
	changes   broadcast.Notifier // wakes the tray and the dashboard's live view
	handler   http.Handler
	// active counts requests being served, so shutdown can wait for calls
	// to be counted before it closes the statistics.
	active activeRequests
	// catalogIntervalChanged tells the catalog refresh loop that a reload
	// changed CATALOG_REFRESH.
	catalogIntervalChanged chan struct{}

	// mu guards the listener: the tray starts and stops it at will.
	mu   sync.Mutex
	srv  *http.Server
	addr string // the bound address while listening
	// cancelCalls cancels the requests srv is serving, for calls that
	// outlive the grace period of a stop.
	cancelCalls context.CancelFunc
	// stopListening ends the open dashboard event streams when the listener
	// stops: they never finish by themselves and would hold up shutdown.
	stopListening context.CancelFunc
	listening     context.Context
	listenErr     error // why the last Listen failed (port in use, ...)
	lastCall      atomic.Int64
	// catalogFetch lets one call fetch an empty catalog while others wait.
	catalogFetch sync.Mutex
	closeOnce    sync.Once
}

// runtimeConfig is everything derived from one configuration, swapped as a
// whole on reload so a request always sees one consistent version.
type runtimeConfig struct {
	cfg    config.Config
	client *upstream.Client
	hosts  map[string]bool // extra Host names allowed when listening off loopback
}

// New builds a server from cfg. It opens the statistics and loads the cached
// catalog, so it is ready to answer at once; nothing is bound yet.
func New(cfg config.Config, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Env == nil {
		o.Env = os.LookupEnv
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = defaultShutdownGrace
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.BodyReadTimeout <= 0 {
		o.BodyReadTimeout = 60 * time.Second
	}
	if o.LogLevel != nil {
		o.LogLevel.Set(cfg.LogLevel)
	}
	s := &Server{opts: o, log: o.Logger, now: o.Now, started: o.Now(), catalogIntervalChanged: make(chan struct{}, 1), watching: make(chan struct{})}
	s.rt.Store(newRuntimeConfig(cfg))
	if err := os.MkdirAll(cfg.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating cache folder: %w", err)
	}
	var err error
	s.sameUser = o.sameUser
	if s.sameUser == nil {
		s.sameUser = localuser.SameUser
	}
	if s.dashboardKey, err = dashboardlink.Key(cfg.CacheDir); err != nil {
		s.log.Warn("no dashboard key: the dashboard answers only where the OS tells who connects", "err", err)
	}
	s.stats, err = stats.Open(cfg.CacheDir, stats.Options{Now: o.Now, Logger: o.Logger, RecentSize: statsRecentCalls})
	if err != nil {
		return nil, fmt.Errorf("opening call statistics: %w", err)
	}
	s.limiter = limiter.New(cfg.MaxConcurrent, cfg.MaxQueued, cfg.MaxQueuedBytes)
	s.health = routing.NewHealth(o.Now)
	s.catalog = catalog.New(func(ctx context.Context) ([]byte, error) {
		return s.runtime().client.Models(ctx)
	}, filepath.Join(cfg.CacheDir, "models.json"), o.Logger, o.Now)
	if err := s.catalog.LoadCache(); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("free model cache unreadable; fetching a fresh list", "err", err)
	}
	s.captures = capture.New(cfg.DebugDir(),
		capture.Limits{MaxBytes: cfg.DebugMaxBytes, MaxAge: cfg.DebugMaxAge}, s.secrets)
	s.debug.Store(config.DebugEnabled(cfg.Home))
	s.responses = responses.NewStore(storedResponses, storedResponseBytes)
	s.quota.init(quotaDeps{
		now: func() time.Time { return s.now() }, // the server's clock, which tests set
		log: o.Logger,
		key: func(ctx context.Context) (upstream.KeyInfo, bool, error) {
			rt := s.runtime()
			if rt.cfg.APIKey == "" {
				return upstream.KeyInfo{}, false, nil
			}
			info, err := rt.client.Key(ctx)
			return info, true, err
		},
		recentCalls: func() []stats.Call { return s.stats.Recent(statsRecentCalls) },
		lastCall:    func() time.Time { return time.Unix(0, s.lastCall.Load()) },
		changed:     s.changes.Notify,
	})
	s.handler = s.active.track(s.routes())
	return s, nil
}

func newRuntimeConfig(cfg config.Config) *runtimeConfig {
	client := upstream.New(upstream.Options{
		BaseURL:    cfg.BaseURL,
		APIKey:     cfg.APIKey,
		Token:      cfg.Token,
		HTTPProxy:  cfg.HTTPProxy,
		HTTPSProxy: cfg.HTTPSProxy,
		NoProxy:    cfg.NoProxy,
	})
	return &runtimeConfig{cfg: cfg, client: client, hosts: extraHosts(cfg)}
}

func (s *Server) runtime() *runtimeConfig { return s.rt.Load() }

func (s *Server) config() *config.Config { return &s.rt.Load().cfg }

// secrets are the strings that must never reach a file or a response.
func (s *Server) secrets() []string {
	cfg := s.config()
	return []string{cfg.APIKey, cfg.Token}
}

// Handler is the whole HTTP surface, for tests and benchmarks that serve it
// on their own listener.
func (s *Server) Handler() http.Handler { return s.handler }

// Subscribe returns coalesced change notifications: a call was counted,
// debug mode switched, the listener started or stopped, the day rolled over.
func (s *Server) Subscribe() (<-chan struct{}, func()) { return s.changes.Subscribe() }

// Close flushes and closes the statistics. Run calls it; tests that never
// Run call it directly.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.runtime().client.CloseIdleConnections()
		_ = s.captures.Close()
		err = s.stats.Close()
	})
	return err
}
