package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/freelane/freelane/proxy/config"
)

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
		s.changes.Notify()
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
		ConnState:         newConnCap(s.connLimit).track,
	}
	s.srv, s.addr, s.listenErr, s.cancelCalls = srv, ln.Addr().String(), nil, cancelCalls
	s.listening, s.stopListening = context.WithCancel(context.Background())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", "err", err)
		}
	}()
	s.log.Info("listening on http://" + s.addr)
	s.changes.Notify()
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
	defer s.changes.Notify()
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
	// The calls still running on the old address finish there, however
	// long their streams last: a grace period would cut them without an
	// error event. Stopping the server still cancels them.
	newCancel := s.cancelCalls
	s.cancelCalls = func() { newCancel(); oldCancel() }
	s.mu.Unlock()
	oldStop()
	go func() {
		if err := stopServing(context.Background(), old, oldCancel, s.log); err != nil {
			s.log.Warn("the old listener did not stop cleanly", "err", err)
		}
	}()
}

// Addr is the bound address, or "" when not listening.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
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
