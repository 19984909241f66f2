package launch

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/freelane/freelane/assets/locale"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/service"
)

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
	case service.SuperviseCommand:
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
	default:
		err = fmt.Errorf("unknown service command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "freelane:", err)
		return 1
	}
	if cmd != "stop" && cmd != service.SuperviseCommand {
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
