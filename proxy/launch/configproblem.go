package launch

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/freelane/freelane/assets/locale"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/instance"
	"github.com/freelane/freelane/tray"
)

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
