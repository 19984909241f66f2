package proxy

import (
	"fmt"
	"log/slog"

	"github.com/freelane/freelane/proxy/capture"
	"github.com/freelane/freelane/proxy/config"
)

// applyConfig takes a reloaded configuration: new client and limits at once
// (the next request sees them), the log level, the catalog interval, and a
// new listener when LISTEN_ADDR changed. CACHE_DIR alone needs a restart:
// the statistics, the catalog cache and the dumps stay open in the old
// folder, so the old value is kept and reported as the one in use.
//
// A configuration equal to the running one is not applied again, whoever
// saw the change first: a dashboard save applies at once and the .env
// watcher then reports the same file.
func (s *Server) applyConfig(cfg config.Config) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.runtime()
	if cfg.CacheDir != old.cfg.CacheDir {
		s.log.Warn("CACHE_DIR changed; takes effect after a restart", "in_use", old.cfg.CacheDir, "configured", cfg.CacheDir)
		cfg.CacheDir = old.cfg.CacheDir
	}
	if cfg.Equal(old.cfg) {
		s.log.Debug("configuration unchanged; already in use")
		return
	}
	s.rt.Store(newRuntimeConfig(cfg))
	s.limiter.SetLimits(cfg.MaxConcurrent, cfg.MaxQueued, cfg.MaxQueuedBytes)
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
