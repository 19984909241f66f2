package proxy

import (
	"context"
	"sync"
	"time"

	"github.com/freelane/freelane/proxy/config"
)

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
			Ready:   func() { close(s.watching) },
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
			s.changes.Notify()
		}
		pause.Reset(statsRelayPause)
		select {
		case <-ctx.Done():
			return
		case <-pause.C:
		}
	}
}
