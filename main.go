// Command freelane gives every tool on this computer one local
// OpenAI-compatible endpoint backed by OpenRouter's free models.
//
//	freelane            the tray icon, which owns the proxy (headless where no tray can exist)
//	freelane [command] --home DIR   any of these on the home folder DIR
//	freelane serve      the proxy in the foreground, no tray
//	freelane start|stop|status|restart   the supervised background service
//	freelane version
//
// This file only wires the packages together; see docs/architecture.md.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/browser"

	"github.com/freelane/freelane/assets/locale"
	"github.com/freelane/freelane/proxy"
	"github.com/freelane/freelane/proxy/appinfo"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/instance"
	"github.com/freelane/freelane/proxy/logfile"
	"github.com/freelane/freelane/proxy/service"
	"github.com/freelane/freelane/tray"
)

// showRequestWait is how long a second launch waits for the running tray to
// take its request to show itself. The tray takes it within milliseconds,
// even while busy; only a headless Freelane, which never does, costs the wait.
const showRequestWait = 2 * time.Second

//go:embed FyneApp.toml
var appMetadata []byte

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	info, err := appinfo.Parse(appMetadata)
	if err != nil {
		fmt.Fprintln(os.Stderr, "freelane: broken build metadata:", err)
		return 1
	}
	// Before .env is read, texts follow the system's language.
	pr := locale.For(locale.Best(locale.System()...))
	home, cmd, err := parseArgs(pr, args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "freelane: %v\n\n%s", err, pr.T("cmd.usage"))
		return 2
	}
	if cmd != "" {
		// The Windows build is a GUI program: without this, commands run from
		// a console print nothing. The tray (no command) needs no console.
		service.AttachConsole()
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Printf("%s %s (build %d)\n", info.Name, info.Version, info.Build)
		return 0
	case "help", "--help", "-h":
		fmt.Print(pr.T("cmd.usage"))
		return 0
	case "", "serve", "start", "stop", "restart", "status", "supervise":
	default:
		fmt.Fprintf(os.Stderr, "freelane: %s\n\n%s", pr.T("cmd.unknown", "Command", fmt.Sprintf("%q", cmd)), pr.T("cmd.usage"))
		return 2
	}

	// --home is FREELANE_HOME by another name: one that a login entry can
	// carry on every system (the Windows Run key sets no variables). The
	// service's processes get the resolved folder as FREELANE_HOME.
	home, err = config.ResolveHome(home)
	if err != nil {
		fmt.Fprintln(os.Stderr, "freelane:", err)
		return 1
	}
	cfg, err := config.Load(home)
	if err != nil {
		log := reportConfigError(pr, home, err, cmd == "")
		if cmd == "" {
			return showConfigProblem(pr, home, err, log)
		}
		return 1
	}
	pr = locale.For(locale.Resolve(cfg.Language))
	// A LevelVar, so the level can follow LOG_LEVEL edits to .env.
	logLevel := new(slog.LevelVar)
	logLevel.Set(cfg.LogLevel)
	log := newLogger(cfg.CacheDir, logLevel, cmd == "")
	if w := config.PermissionWarning(home); w != "" {
		log.Warn(w)
	}

	switch cmd {
	case "start", "stop", "restart", "status", "supervise":
		return runService(pr, cmd, cfg, log)
	}

	withTray := cmd == ""
	// One Freelane per home folder: a second launch shows the first one
	// instead of starting a second proxy and a second icon.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lock, err := instance.Lock(cfg.CacheDir)
	if err != nil && !errors.Is(err, instance.ErrAlreadyRunning) {
		// Not another Freelane: CACHE_DIR is read-only, full, or holds
		// something that is no file where the lock goes.
		log.Error(pr.T("log.cache_dir_unusable", "File", cfg.EnvFile),
			"cache_dir", cfg.CacheDir, "err", err)
		return 1
	}
	if err != nil {
		// A running tray takes the request even with its proxy stopped,
		// when /health cannot answer; a headless one leaves it untaken.
		if withTray && instance.AskToShow(ctx, cfg.CacheDir, showRequestWait) == nil {
			log.Info(pr.T("log.asked_to_show"), "detail", err)
			return 0
		}
		running := runningInstance(ctx, cfg)
		log.Info(pr.T("log.already_running"), "detail", err, "addr", cfg.ListenAddr, "answering", running)
		if withTray {
			if running {
				_ = browser.OpenURL(proxy.DashboardLink(cfg.ListenAddr, cfg))
			}
			return 0
		}
		return 1
	}
	defer lock.Release()

	srv, err := proxy.New(cfg, proxy.Options{Version: info.Version, Logger: log, LogLevel: logLevel})
	if err != nil {
		log.Error(pr.T("log.cannot_start"), "err", err)
		return 1
	}
	if withTray {
		switch avail := tray.Available(); {
		case !avail.OK:
			log.Info(pr.T("log.headless", "Reason", avail.Reason))
			withTray = false
		case avail.Hint != "":
			log.Info(avail.Hint)
		}
	}
	if err := srv.Listen(); err != nil {
		if runningInstance(ctx, cfg) {
			log.Info(pr.T("log.already_running"), "addr", cfg.ListenAddr)
			srv.Close()
			if withTray {
				_ = browser.OpenURL(proxy.DashboardLink(cfg.ListenAddr, cfg))
				return 0
			}
			return 1
		}
		log.Error(pr.T("log.cannot_listen"), "err", err)
		if !withTray {
			srv.Close()
			return 1
		}
		// The tray shows the problem and can retry when the port is free.
	}

	runErr := make(chan error, 1)
	go func() { runErr <- srv.Run(ctx) }()
	if withTray {
		showRequests, err := instance.WatchShowRequests(ctx, cfg.CacheDir, log)
		if err != nil {
			log.Warn("a second launch cannot show this one", "err", err)
		}
		tray.Run(ctx, trayController{srv}, tray.Options{
			// The entry names the home folder: started at login, the
			// working directory and environment that chose it are gone.
			Autostart:    tray.NewAutostart(executable(), "--home", cfg.Home),
			ShowRequests: showRequests,
			Logger:       log,
			Printer:      pr,
		})
		stop() // Quit from the menu takes the same path as a signal
	}
	if err := <-runErr; err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info(pr.T("log.stopped"))
	return 0
}

// parseArgs reads the command line: at most one command, and the --home DIR
// option (also -home, --home=DIR; the last one wins) before or after it.
// Anything else is an error rather than ignored: `status --home D` must not
// look at the default home, nor `start extra` start anything.
func parseArgs(pr *locale.Printer, args []string) (home, cmd string, err error) {
	for len(args) > 0 {
		arg := args[0]
		args = args[1:]
		name, value, hasValue := strings.Cut(arg, "=")
		if name != "--home" && name != "-home" {
			if cmd != "" {
				return "", "", errors.New(pr.T("cmd.unexpected_arg", "Arg", fmt.Sprintf("%q", arg), "Command", fmt.Sprintf("%q", cmd)))
			}
			cmd = arg
			continue
		}
		if !hasValue {
			if len(args) == 0 {
				return "", "", errors.New(pr.T("cmd.needs_folder", "Flag", name))
			}
			value, args = args[0], args[1:]
		}
		if strings.TrimSpace(value) == "" {
			return "", "", errors.New(pr.T("cmd.needs_folder", "Flag", name))
		}
		home = value
	}
	return home, cmd, nil
}

// runService handles the background-service commands.
func runService(pr *locale.Printer, cmd string, cfg config.Config, log *slog.Logger) int {
	opts := service.Options{
		Exe:       executable(),
		ServeArgs: []string{"serve"},
		Dir:       cfg.CacheDir,
		HealthURL: healthURL(cfg),
		Env:       []string{"FREELANE_HOME=" + cfg.Home},
		Token:     cfg.Token,
		Logger:    log,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var st service.Status
	var err error
	switch cmd {
	case "supervise":
		err = service.Supervise(ctx, opts)
	case "start":
		st, err = service.Start(ctx, opts)
	case "restart":
		st, err = service.Restart(ctx, opts)
	case "stop":
		err = service.Stop(ctx, opts)
		if err == nil {
			fmt.Println(pr.T("cmd.stopped"))
		}
	case "status":
		st, err = service.QueryStatus(ctx, opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "freelane:", err)
		return 1
	}
	if cmd != "stop" && cmd != "supervise" {
		fmt.Println(st.Report(pr))
		if !st.Running {
			return 1
		}
	}
	return 0
}

// healthURL is where this machine asks the configured server for /health.
func healthURL(cfg config.Config) string {
	return "http://" + config.LocalAddr(cfg.ListenAddr) + "/health"
}

// runningInstance reports whether a Freelane answers /health at the
// configured address, asked as any client must: through a dialable address,
// with the access token.
func runningInstance(ctx context.Context, cfg config.Config) bool {
	_, err := service.Probe(ctx, healthURL(cfg), cfg.Token)
	return err == nil
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

// showConfigProblem keeps a tray launched with an invalid configuration on
// screen, saying what to fix, instead of exiting where nobody sees it; once
// .env loads, Freelane starts afresh with the same command line. Where no
// tray can exist it exits 1, as the headless modes do.
func showConfigProblem(pr *locale.Printer, home string, loadErr error, log *slog.Logger) int {
	if avail := tray.Available(); !avail.OK {
		return 1
	}
	// One problem icon per home folder, locked where the default
	// configuration keeps the lock.
	lock, err := instance.Lock(filepath.Join(home, config.DefaultCacheDir))
	if err != nil {
		if errors.Is(err, instance.ErrAlreadyRunning) {
			log.Info(pr.T("log.already_running"), "detail", err)
		} else {
			log.Error(pr.T("log.config_problem_unshown"), "err", err)
		}
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	watchCtx, stopWatching := context.WithCancel(ctx)
	reloads := make(chan error, 1)
	watchDone := make(chan struct{})
	// Only the latest outcome waits in reloads; callbacks run one at a time.
	report := func(err error) {
		select {
		case <-reloads:
		default:
		}
		reloads <- err
	}
	go func() {
		defer close(watchDone)
		err := config.Watch(watchCtx, home, os.LookupEnv, config.Handler{
			StartInvalid: true, // a fix saved while Freelane was starting counts
			Config:       func(config.Config) { report(nil) },
			Invalid:      report,
		})
		if err != nil {
			log.Warn("not watching .env; start Freelane again once it is fixed", "err", err)
		}
	}()
	envFile := filepath.Join(home, config.EnvFileName)
	fixed := tray.RunConfigProblem(ctx, envFile, loadErr, reloads, tray.Options{Logger: log, Printer: pr})
	stopWatching()
	<-watchDone
	// Released before the fresh start, which takes the lock again.
	if err := lock.Release(); err != nil {
		log.Warn("releasing the instance lock", "err", err)
	}
	if !fixed {
		log.Info("quit from the tray")
		return 0
	}
	log.Info("the configuration loads now; starting", "env_file", envFile)
	if err := restart(log); err != nil {
		log.Error("cannot start afresh; start Freelane again", "err", err)
		return 1
	}
	return 0
}

// restart runs this command line again in place of this process: on Unix
// the process image is replaced, keeping the pid a login session or a
// launcher watches; Windows cannot do that, so a new process starts and
// this one exits.
func restart(log *slog.Logger) error {
	exe := executable()
	if runtime.GOOS != "windows" {
		err := syscall.Exec(exe, append([]string{os.Args[0]}, os.Args[1:]...), os.Environ())
		// Only reached when exec failed (macOS refuses it in some
		// multi-threaded processes): fall back to a new process.
		log.Warn("replacing the process failed; starting a new one", "err", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", exe, err)
	}
	return cmd.Process.Release()
}

// newLogger logs to stderr and, for the tray (which may have no console,
// e.g. a Windows GUI app or a login item), also to freelane.log in cacheDir.
func newLogger(cacheDir string, level slog.Leveler, toFile bool) *slog.Logger {
	var out io.Writer = os.Stderr
	if toFile {
		if err := os.MkdirAll(cacheDir, 0o700); err == nil {
			// 5 MiB and the one before it: enough to see what went wrong.
			if f, err := logfile.Open(filepath.Join(cacheDir, "freelane.log"), 5<<20, 1); err == nil {
				out = io.MultiWriter(os.Stderr, f)
			}
		}
	}
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
}

func executable() string {
	exe, err := os.Executable()
	if err != nil {
		return os.Args[0]
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		return resolved
	}
	return exe
}

// trayController is what the tray sees of the proxy.
type trayController struct{ srv *proxy.Server }

func (c trayController) Start() error { return c.srv.Listen() }

func (c trayController) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.srv.Unlisten(ctx)
}

func (c trayController) State() tray.State {
	st := c.srv.Status()
	return tray.State{
		Running: st.Running, Addr: st.Addr,
		Calls: st.Calls, OK: st.OK, Failed: st.Failed, FreeLeft: st.FreeLeft,
		Debug: st.Debug, Problem: trayProblem(st.Problem), Detail: st.Detail,
	}
}

func (c trayController) SetDebug(on bool) error             { return c.srv.SetDebug(on) }
func (c trayController) DashboardURL() string               { return c.srv.DashboardURL() }
func (c trayController) HomeDir() string                    { return c.srv.Status().HomeDir }
func (c trayController) Changes() (<-chan struct{}, func()) { return c.srv.Subscribe() }

func trayProblem(p proxy.Problem) tray.Problem {
	switch p {
	case proxy.ProblemNoKey:
		return tray.ProblemNoKey
	case proxy.ProblemPortInUse:
		return tray.ProblemPortInUse
	case proxy.ProblemQuotaExhausted:
		return tray.ProblemQuotaExhausted
	case proxy.ProblemUpstreamUnreachable:
		return tray.ProblemUpstreamUnreachable
	case proxy.ProblemStatsNotSaved:
		return tray.ProblemStatsNotSaved
	}
	return tray.ProblemNone
}
