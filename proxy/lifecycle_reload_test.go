package proxy

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/internal/testclock"
)

func TestReload_LogLevelCatalogIntervalAndCacheDir(t *testing.T) {
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	base := "OPENROUTER_BASE_URL=" + fake.BaseURL() + "\nOPENROUTER_API_KEY=" + testKey + "\n"
	writeEnv(t, home, base+"CATALOG_REFRESH=24h\n")
	clock := testclock.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	level := new(slog.LevelVar)
	level.Set(slog.LevelError) // New must set it from LOG_LEVEL
	logs := &syncBuffer{}
	srv := runServer(t, home, Options{
		Now:      clock.Now,
		LogLevel: level,
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level})),
	})
	if level.Level() != slog.LevelInfo {
		t.Fatalf("level after New = %v, want info (the default LOG_LEVEL)", level.Level())
	}
	eventually(t, "the first catalog", func() bool { return srv.catalog.Info().FetchedAt.Equal(clock.Now()) })
	cacheDir := srv.config().CacheDir

	// Two hours on, an interval of one hour makes the list stale at once;
	// under the old 24h it would wait for 22 more hours.
	clock.Advance(2 * time.Hour)
	writeEnv(t, home, base+"CATALOG_REFRESH=1h\nLOG_LEVEL=debug\nCACHE_DIR=elsewhere\n")
	eventually(t, "LOG_LEVEL=debug to apply", func() bool { return level.Level() == slog.LevelDebug })
	eventually(t, "a refresh under the new CATALOG_REFRESH", func() bool {
		return srv.catalog.Info().FetchedAt.Equal(clock.Now())
	})

	if got := srv.config().CacheDir; got != cacheDir {
		t.Errorf("CacheDir in use = %q, want the unchanged %q until a restart", got, cacheDir)
	}
	if !strings.Contains(logs.String(), "CACHE_DIR changed; takes effect after a restart") {
		t.Errorf("no restart warning for CACHE_DIR in the log:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(home, "elsewhere")); !os.IsNotExist(err) {
		t.Errorf("the new CACHE_DIR was created or used before a restart: %v", err)
	}
}

func TestReload_LogLevelWithoutLevelVarWarnsOfRestart(t *testing.T) {
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	base := "OPENROUTER_BASE_URL=" + fake.BaseURL() + "\n"
	writeEnv(t, home, base)
	logs := &syncBuffer{}
	srv := runServer(t, home, Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	eventually(t, "the catalog", func() bool { return len(srv.catalog.Models()) > 0 })
	writeEnv(t, home, base+"LOG_LEVEL=warn\n")
	eventually(t, "the restart warning for LOG_LEVEL", func() bool {
		return strings.Contains(logs.String(), "LOG_LEVEL changed; takes effect after a restart")
	})
}
