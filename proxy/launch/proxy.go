package launch

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pkg/browser"

	"github.com/freelane/freelane/proxy"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/instance"
	"github.com/freelane/freelane/proxy/service"
	"github.com/freelane/freelane/tray"
)

// showRequestWait is how long a second launch waits for the running tray to
// take its request to show itself. The tray takes it within milliseconds,
// even while busy; only a headless Freelane, which never does, costs the wait.
const showRequestWait = 2 * time.Second

// runProxy runs the proxy until a signal, or Quit in the tray's menu, and
// returns the exit status. One Freelane serves a home folder: a second
// launch shows the first one instead of starting a second proxy and a
// second icon.
func runProxy(o Options, cfg config.Config, withTray bool) int {
	pr, log, logLevel := setUp(o.Home, cfg, withTray)
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

	srv, err := proxy.New(cfg, proxy.Options{Version: o.Version, Logger: log, LogLevel: logLevel})
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

// runningInstance reports whether a Freelane answers /health at the
// configured address, asked as any client must: through a dialable address,
// with the access token.
func runningInstance(ctx context.Context, cfg config.Config) bool {
	_, err := service.Probe(ctx, healthURL(cfg), cfg.Token)
	return err == nil
}
