// Package launch runs Freelane in each of its modes once main has read the
// command line: the tray with its proxy (headless where no tray can exist),
// serve, the tray that shows an invalid configuration until .env is fixed,
// and the background-service commands. It holds what they share: loading
// the configuration, the logger and its freelane.log, the single-instance
// lock and a second launch's request to show the first, and the fresh
// start once a broken .env loads.
package launch

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/freelane/freelane/assets/locale"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/logfile"
)

// Options is what main read from the build and the command line.
type Options struct {
	Version string // the build's version, reported by /health and the dashboard
	Home    string // the resolved home folder, holding .env
	// Printer speaks the system's language until .env names one.
	Printer *locale.Printer
}

// Tray runs the tray icon and its proxy (headless where no tray can exist).
// With an invalid configuration the tray shows what to fix and starts
// afresh once .env loads.
func Tray(o Options) int {
	cfg, err := config.Load(o.Home)
	if err != nil {
		log := reportConfigError(o.Printer, o.Home, err, true)
		return showConfigProblem(o.Printer, o.Home, err, log)
	}
	return runProxy(o, cfg, true)
}

// Serve runs the proxy in the foreground, without a tray.
func Serve(o Options) int {
	cfg, err := config.Load(o.Home)
	if err != nil {
		reportConfigError(o.Printer, o.Home, err, false)
		return 1
	}
	return runProxy(o, cfg, false)
}

// Service runs one background-service command: start, stop, restart,
// status or supervise.
func Service(o Options, cmd string) int {
	cfg, err := config.Load(o.Home)
	if err != nil {
		reportConfigError(o.Printer, o.Home, err, false)
		return 1
	}
	pr, log, _ := setUp(o.Home, cfg, false)
	return runService(pr, cmd, cfg, log)
}

// setUp speaks the configured language and logs at the configured level;
// the tray's log also goes to freelane.log.
func setUp(home string, cfg config.Config, tray bool) (*locale.Printer, *slog.Logger, *slog.LevelVar) {
	pr := locale.For(locale.Resolve(cfg.Language))
	// A LevelVar, so the level can follow LOG_LEVEL edits to .env.
	logLevel := new(slog.LevelVar)
	logLevel.Set(cfg.LogLevel)
	log := newLogger(cfg.CacheDir, logLevel, tray)
	if w := config.PermissionWarning(home); w != "" {
		log.Warn(w)
	}
	return pr, log, logLevel
}

// reportConfigError says why the configuration cannot be loaded, and
// returns the logger it used. The tray may have no console (a Windows GUI
// app, a login item), so for it the error also goes to the log file in the
// default CACHE_DIR: the broken .env's own CACHE_DIR cannot be trusted.
func reportConfigError(pr *locale.Printer, home string, err error, toFile bool) *slog.Logger {
	log := newLogger(filepath.Join(home, config.DefaultCacheDir), slog.LevelInfo, toFile)
	log.Error(pr.T("log.config_invalid"),
		"env_file", filepath.Join(home, config.EnvFileName), "err", err)
	return log
}

// logFileName is the tray's log in CACHE_DIR.
const logFileName = "freelane.log"

// newLogger logs to stderr and, for the tray (which may have no console,
// e.g. a Windows GUI app or a login item), also to freelane.log in cacheDir.
func newLogger(cacheDir string, level slog.Leveler, toFile bool) *slog.Logger {
	var out io.Writer = os.Stderr
	if toFile {
		if err := os.MkdirAll(cacheDir, 0o700); err == nil {
			// 5 MiB and the one before it: enough to see what went wrong.
			if f, err := logfile.Open(filepath.Join(cacheDir, logFileName), 5<<20, 1); err == nil {
				out = io.MultiWriter(os.Stderr, f)
			}
		}
	}
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
}
