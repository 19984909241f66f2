// Package proxy is Freelane's HTTP server: the OpenAI-compatible endpoint in
// front of OpenRouter's free models, /health, and the debug dashboard. It
// ties together the pieces under proxy/ (catalog, routing, upstream, stats,
// capture, config) and owns their lifecycle; the tray and main only see the
// small surface of this file (New, Listen, Unlisten, Run, Status).
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/freelane/freelane/proxy/capture"
	"github.com/freelane/freelane/proxy/catalog"
	"github.com/freelane/freelane/proxy/config"
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
	// LogLevel, when set, is the level Logger's handler filters at: New and
	// every reload set it from LOG_LEVEL, so a changed level applies
	// without a restart.
	LogLevel *slog.LevelVar
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
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	started time.Time

	rt       atomic.Pointer[runtimeConfig]
	limiter  *limiter
	catalog  *catalog.Catalog
	health   *routing.Health
	stats    *stats.Store
	captures *capture.Recorder
	debug    atomic.Bool
	quota    quotaTracker
	changes  notifier
	handler  http.Handler
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
	s := &Server{opts: o, log: o.Logger, now: o.Now, started: o.Now(), catalogIntervalChanged: make(chan struct{}, 1)}
	rt, err := newRuntimeConfig(cfg)
	if err != nil {
		return nil, err
	}
	s.rt.Store(rt)
	if err := os.MkdirAll(cfg.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating cache folder: %w", err)
	}
	s.stats, err = stats.Open(cfg.CacheDir, stats.Options{Now: o.Now, Logger: o.Logger, RecentSize: statsRecentCalls})
	if err != nil {
		return nil, fmt.Errorf("opening call statistics: %w", err)
	}
	s.limiter = newLimiter(cfg.MaxConcurrent)
	s.health = routing.NewHealth(o.Now)
	s.catalog = catalog.New(func(ctx context.Context) ([]byte, error) {
		return s.runtime().client.Models(ctx)
	}, filepath.Join(cfg.CacheDir, "models.json"), o.Logger, o.Now)
	if err := s.catalog.LoadCache(); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("free model cache unreadable; fetching a fresh list", "err", err)
	}
	s.captures = capture.New(filepath.Join(cfg.CacheDir, "debug"),
		capture.Limits{MaxBytes: cfg.DebugMaxBytes, MaxAge: cfg.DebugMaxAge}, s.secrets)
	s.debug.Store(config.DebugEnabled(cfg.Home))
	s.quota.init(s)
	s.handler = s.active.track(s.routes())
	return s, nil
}

func newRuntimeConfig(cfg config.Config) (*runtimeConfig, error) {
	client, err := upstream.New(upstream.Options{
		BaseURL:    cfg.BaseURL,
		APIKey:     cfg.APIKey,
		HTTPProxy:  cfg.HTTPProxy,
		HTTPSProxy: cfg.HTTPSProxy,
		NoProxy:    cfg.NoProxy,
	})
	if err != nil {
		return nil, fmt.Errorf("configuring the OpenRouter client: %w", err)
	}
	return &runtimeConfig{cfg: cfg, client: client, hosts: extraHosts(cfg)}, nil
}

func (s *Server) runtime() *runtimeConfig { return s.rt.Load() }
func (s *Server) config() *config.Config  { return &s.rt.Load().cfg }

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
func (s *Server) Subscribe() (<-chan struct{}, func()) { return s.changes.subscribe() }

// Run does the background work until ctx is done: it follows the statistics
// and the config folder, refreshes the free catalog and the quota. On return
// the listener is shut down (in-flight calls get ShutdownGrace, then are
// cancelled), every call is counted and the statistics are flushed: this is
// the one shutdown path. Calls cut at the end of the grace period are a
// normal stop, not an error.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	bg, stop := context.WithCancel(ctx)
	defer stop()

	wg.Go(func() { s.refreshCatalog(bg) })
	wg.Go(func() { s.quota.run(bg) })
	wg.Go(func() { s.relayStatsChanges(bg) })
	wg.Go(func() {
		ticker := time.NewTicker(housekeepingEvery)
		defer ticker.Stop()
		s.housekeeping(bg, ticker.C)
	})
	wg.Go(func() {
		cfg := s.config()
		err := config.Watch(bg, cfg.Home, s.opts.Env, config.Handler{
			Config:  s.applyConfig,
			Invalid: func(err error) { s.log.Warn("configuration not reloaded; keeping the last good one", "err", err) },
			Debug:   s.debugChanged,
		})
		if err != nil {
			s.log.Warn("not watching the config folder; edits need a restart", "err", err)
		}
	})

	<-ctx.Done()
	stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownGrace)
	defer cancel()
	err := s.Unlisten(shutdownCtx)
	wg.Wait()
	s.awaitRequests()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// awaitRequests waits, up to callDrainTimeout, for the requests still being
// served (calls just cancelled by a stop) to finish and so be counted.
func (s *Server) awaitRequests() {
	ctx, cancel := context.WithTimeout(context.Background(), callDrainTimeout)
	defer cancel()
	if n := s.active.wait(ctx); n > 0 {
		s.log.Warn("stopping with calls still running; they are not counted", "calls", n)
	}
}

// refreshCatalog keeps the free catalog fresh every CATALOG_REFRESH,
// restarting the catalog's loop when a reload changes the interval. The
// restarted loop refreshes at once when the list is older than the new
// interval, and otherwise waits out the rest of it.
func (s *Server) refreshCatalog(ctx context.Context) {
	for {
		every := s.config().CatalogRefresh
		loopCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.catalog.Run(loopCtx, every)
		}()
		select {
		case <-ctx.Done():
		case <-s.catalogIntervalChanged:
		}
		cancel()
		<-done
		if ctx.Err() != nil {
			return
		}
	}
}

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

// housekeeping trims debug captures at start and on every tick, and
// forgets the health of models that left the catalog, so neither grows
// without bound. Saving a dump trims too, but with debug mode off for weeks
// nothing is saved and only the tick ages the old dumps out.
func (s *Server) housekeeping(ctx context.Context, tick <-chan time.Time) {
	s.trimCaptures()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			s.trimCaptures()
			if len(s.catalog.Models()) > 0 {
				s.health.Forget(func(id string) bool { _, ok := s.catalog.Lookup(id); return ok })
			}
		}
	}
}

func (s *Server) trimCaptures() {
	if err := s.captures.Rotate(); err != nil {
		s.log.Warn("debug captures not trimmed", "err", err)
	}
}

// statsRelayPause spaces out change notifications under load: calls that
// finish within it are announced together, well within the tray's and the
// dashboard's one second, instead of waking every subscriber per call.
const statsRelayPause = 100 * time.Millisecond

func (s *Server) relayStatsChanges(ctx context.Context) {
	ch, cancel := s.stats.Subscribe()
	defer cancel()
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			s.changes.notify()
		}
		pause.Reset(statsRelayPause)
		select {
		case <-ctx.Done():
			return
		case <-pause.C:
		}
	}
}

// applyConfig takes a reloaded configuration: new client and limits at once
// (the next request sees them), the log level, the catalog interval, and a
// new listener when LISTEN_ADDR changed. CACHE_DIR alone needs a restart:
// the statistics, the catalog cache and the dumps stay open in the old
// folder, so the old value is kept and reported as the one in use.
func (s *Server) applyConfig(cfg config.Config) {
	old := s.runtime()
	if cfg.CacheDir != old.cfg.CacheDir {
		s.log.Warn("CACHE_DIR changed; takes effect after a restart", "in_use", old.cfg.CacheDir, "configured", cfg.CacheDir)
		cfg.CacheDir = old.cfg.CacheDir
	}
	rt, err := newRuntimeConfig(cfg)
	if err != nil {
		s.log.Warn("configuration not reloaded; keeping the last good one", "err", err)
		return
	}
	s.rt.Store(rt)
	s.limiter.setLimit(cfg.MaxConcurrent)
	s.captures.SetLimits(capture.Limits{MaxBytes: cfg.DebugMaxBytes, MaxAge: cfg.DebugMaxAge})
	// Idle connections of the old client are closed; calls in flight on it finish.
	old.client.CloseIdleConnections()
	s.applyLogLevel(old.cfg.LogLevel, cfg.LogLevel)
	if cfg.CatalogRefresh != old.cfg.CatalogRefresh {
		select {
		case s.catalogIntervalChanged <- struct{}{}:
		default: // a restart is pending already; it reads the new interval
		}
	}
	s.log.Info("configuration reloaded", "config", cfg)
	if old.cfg.APIKey != cfg.APIKey {
		s.quota.refreshNow()
	}
	if cfg.ListenAddr != old.cfg.ListenAddr {
		s.rebind()
	}
	s.changes.notify()
}

func (s *Server) applyLogLevel(old, level slog.Level) {
	switch {
	case s.opts.LogLevel != nil:
		s.opts.LogLevel.Set(level)
	case level != old:
		// The logger was built with a fixed level.
		s.log.Warn("LOG_LEVEL changed; takes effect after a restart", "level", level)
	}
}

func (s *Server) debugChanged(on bool) {
	if s.debug.Swap(on) != on {
		s.log.Info("debug mode switched", "on", on)
		s.changes.notify()
	}
}

// SetDebug switches debug mode by creating or removing DEBUG_MODE.txt, so the
// tray, the dashboard and a hand-made file always agree.
func (s *Server) SetDebug(on bool) error {
	if err := config.SetDebug(s.config().Home, on); err != nil {
		return fmt.Errorf("switching debug mode: %w", err)
	}
	s.debugChanged(on)
	return nil
}

// Debug reports whether debug mode is on.
func (s *Server) Debug() bool { return s.debug.Load() }

// Listen binds LISTEN_ADDR and starts serving. It fails with a clear error
// when the port is taken.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	return s.listenLocked(s.config().ListenAddr)
}

func (s *Server) listenLocked(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.listenErr = fmt.Errorf("listening on %s: %w", addr, err)
		s.changes.notify()
		return s.listenErr
	}
	calls, cancelCalls := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           s.handler,
		BaseContext:       func(net.Listener) context.Context { return calls },
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.srv, s.addr, s.listenErr, s.cancelCalls = srv, ln.Addr().String(), nil, cancelCalls
	s.listening, s.stopListening = context.WithCancel(context.Background())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", "err", err)
		}
	}()
	s.log.Info("listening on http://" + s.addr)
	s.changes.notify()
	return nil
}

// Unlisten stops serving and frees the port. In-flight calls may finish
// until ctx is done; then they are cancelled (and counted as failed, as when
// a client leaves) and their connections closed. That is a normal stop.
func (s *Server) Unlisten(ctx context.Context) error {
	s.mu.Lock()
	srv, cancelCalls := s.srv, s.cancelCalls
	s.srv, s.addr, s.cancelCalls = nil, "", nil
	if s.stopListening != nil {
		s.stopListening()
	}
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	defer s.changes.notify()
	return stopServing(ctx, srv, cancelCalls, s.log)
}

// stopServing shuts srv down gracefully until ctx is done, then cancels the
// calls still running and closes their connections.
func stopServing(ctx context.Context, srv *http.Server, cancelCalls context.CancelFunc, log *slog.Logger) error {
	defer cancelCalls()
	err := srv.Shutdown(ctx)
	if err == nil {
		return nil
	}
	cancelCalls()
	cerr := srv.Close()
	if ctx.Err() != nil {
		log.Warn("calls outlived the shutdown grace period; cancelled them")
		return nil
	}
	if cerr != nil {
		err = cerr
	}
	return fmt.Errorf("stopping the server: %w", err)
}

// endOnStop ends a long-lived response (the dashboard's event stream) when
// the listener stops, instead of letting it hold up a graceful shutdown.
func (s *Server) endOnStop(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		listening := s.listening
		s.mu.Unlock()
		if listening == nil {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		defer context.AfterFunc(listening, cancel)()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// rebind moves a running listener to the newly configured address.
func (s *Server) rebind() {
	s.mu.Lock()
	if s.srv == nil {
		s.mu.Unlock()
		return
	}
	old, oldStop, oldCancel := s.srv, s.stopListening, s.cancelCalls
	s.srv = nil
	if err := s.listenLocked(s.config().ListenAddr); err != nil {
		s.log.Error("cannot move to the new LISTEN_ADDR; still on the old one", "err", err)
		s.srv = old
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	oldStop()
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownGrace)
	defer cancel()
	if err := stopServing(ctx, old, oldCancel, s.log); err != nil {
		s.log.Warn("the old listener did not stop cleanly", "err", err)
	}
}

// Addr is the bound address, or "" when not listening.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Problem names what needs the user's attention, for the tray and /health.
type Problem string

const (
	ProblemNone                Problem = ""
	ProblemNoKey               Problem = "no_api_key"
	ProblemPortInUse           Problem = "port_in_use"
	ProblemQuotaExhausted      Problem = "quota_exhausted"
	ProblemUpstreamUnreachable Problem = "upstream_unreachable"
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
	case q.Exhausted(s.now()):
		st.Problem = ProblemQuotaExhausted
		st.Detail = "Free requests used up for today; they reset at " + q.ResetAt.Local().Format("15:04")
	case s.upstreamUnreachable():
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

// upstreamUnreachable is true when the last calls all failed to connect.
func (s *Server) upstreamUnreachable() bool {
	recent := s.stats.Recent(3)
	if len(recent) < 3 {
		return false
	}
	for _, c := range recent {
		if c.Status != http.StatusBadGateway {
			return false
		}
	}
	return true
}

func extraHosts(cfg config.Config) map[string]bool {
	hosts := map[string]bool{}
	if cfg.Loopback() {
		return hosts
	}
	if h, _, err := net.SplitHostPort(cfg.ListenAddr); err == nil && h != "" {
		hosts[strings.ToLower(h)] = true
	}
	if name, err := os.Hostname(); err == nil {
		hosts[strings.ToLower(name)] = true
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				hosts[ipn.IP.String()] = true
			}
		}
	}
	return hosts
}

// activeRequests counts the requests being served. A stop's grace period
// ends with their connections closed while their handlers are still
// counting the call; shutdown waits for the count to reach zero before it
// closes the statistics.
type activeRequests struct {
	mu sync.Mutex
	n  int
	// idle is closed when n drops to zero. Only a waiting shutdown needs
	// it, so wait makes it: one client calling at a time takes n from 0 to
	// 1 and back on every request, which must not cost a channel each time.
	idle chan struct{}
}

func (a *activeRequests) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.enter()
		defer a.leave()
		next.ServeHTTP(w, r)
	})
}

func (a *activeRequests) enter() {
	a.mu.Lock()
	a.n++
	a.mu.Unlock()
}

func (a *activeRequests) leave() {
	a.mu.Lock()
	a.n--
	if a.n == 0 && a.idle != nil {
		close(a.idle)
		a.idle = nil
	}
	a.mu.Unlock()
}

// wait blocks until no request is being served or ctx is done, and returns
// how many still are.
func (a *activeRequests) wait(ctx context.Context) int {
	a.mu.Lock()
	if a.n == 0 {
		a.mu.Unlock()
		return 0
	}
	if a.idle == nil {
		a.idle = make(chan struct{})
	}
	idle := a.idle
	a.mu.Unlock()
	select {
	case <-idle:
		return 0
	case <-ctx.Done():
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.n
	}
}
