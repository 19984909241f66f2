package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// IdleResult is the resident memory of a fresh Freelane doing nothing.
type IdleResult struct {
	Mode string // "headless" or "tray"
	RSS  int64
}

// StartupResult is the time from starting the binary to its first answered
// /health, with the free catalog already cached.
type StartupResult struct {
	Runs          int
	Min, P50, Max time.Duration
}

// measureIdle starts the binary headless and, when cfg.Tray, with a tray on
// a private session bus, and reads each one's memory after cfg.IdleSettle.
func measureIdle(ctx context.Context, cfg Config, up *Upstream) ([]IdleResult, error) {
	headless, err := idleRSS(ctx, cfg, up, "idle-headless", []string{"serve"}, nil)
	if err != nil {
		return nil, err
	}
	results := []IdleResult{{Mode: "headless", RSS: headless}}
	if !cfg.Tray {
		return results, nil
	}
	bus, stopBus, err := startSessionBus(cfg.Dir)
	if err != nil {
		return nil, err
	}
	defer stopBus()
	// No arguments: the tray, which stays headless only without a bus.
	tray, err := idleRSS(ctx, cfg, up, "idle-tray", nil, []string{"DBUS_SESSION_BUS_ADDRESS=" + bus})
	if err != nil {
		return nil, err
	}
	return append(results, IdleResult{Mode: "tray", RSS: tray}), nil
}

func idleRSS(ctx context.Context, cfg Config, up *Upstream, name string, args, env []string) (int64, error) {
	home := filepath.Join(cfg.Dir, name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return 0, fmt.Errorf("creating %s: %w", home, err)
	}
	f, err := startFreelane(ctx, cfg.Binary, home, up, args, env)
	if err != nil {
		return 0, err
	}
	defer f.stop()
	if _, err := waitReady(ctx, f.child, "http://"+f.addr+"/v1/models", servesBenchModel); err != nil {
		return 0, err
	}
	settle := time.NewTimer(cfg.IdleSettle)
	defer settle.Stop()
	select {
	case <-settle.C:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return processRSS(f.pid())
}

// startSessionBus runs a private D-Bus session bus and returns its address.
func startSessionBus(dir string) (string, func(), error) {
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, fmt.Errorf("starting a session bus: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting a session bus (is dbus-daemon installed?): %w", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("reading the session bus address: %w", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// measureStartup warms a home's catalog cache with one start, then times
// cfg.StartupRuns cold starts of the binary to its first answered /health.
func measureStartup(ctx context.Context, cfg Config, up *Upstream) (*StartupResult, error) {
	home := filepath.Join(cfg.Dir, "startup")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", home, err)
	}
	f, err := startFreelane(ctx, cfg.Binary, home, up, []string{"serve"}, nil)
	if err != nil {
		return nil, err
	}
	_, err = waitReady(ctx, f.child, "http://"+f.addr+"/v1/models", servesBenchModel)
	if serr := f.stop(); err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(home, "cache", "models.json")); err != nil {
		return nil, fmt.Errorf("the first start left no catalog cache: %w", err)
	}
	times := make([]time.Duration, 0, cfg.StartupRuns)
	for range cfg.StartupRuns {
		f, err := startFreelane(ctx, cfg.Binary, home, up, []string{"serve"}, nil)
		if err != nil {
			return nil, err
		}
		times = append(times, f.ready.Sub(f.started))
		if err := f.stop(); err != nil {
			return nil, err
		}
	}
	slices.Sort(times)
	return &StartupResult{Runs: len(times), Min: times[0], P50: percentile(times, 50), Max: times[len(times)-1]}, nil
}

// BuildFreelane builds the Freelane binary into dir and returns its path.
// It runs go build in the current folder, which must be inside the module.
func BuildFreelane(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "freelane")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/freelane/freelane")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building Freelane: %w: %s", err, out)
	}
	return bin, nil
}
