package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Config says what to measure and how hard.
type Config struct {
	// Dir holds every file the run writes (homes, logs, nginx config).
	Dir string
	// Binary is a built Freelane. Empty runs Freelane inside the harness,
	// which cannot measure its CPU time, memory or start-up.
	Binary string
	// Nginx is the nginx executable; empty skips nginx.
	Nginx string
	// Baseline is another built Freelane, e.g. of an earlier commit,
	// measured in the same run as target "freelane-before", so a change is
	// compared under the same machine load; empty skips it.
	Baseline string

	Loads []Load
	// Rounds alternates the targets this many times per load, each round
	// running every target once in a rotating order, so drift of the
	// machine (frequency, other work) spreads over all of them.
	Rounds int

	// Streams is how many slow streams are held open at once through
	// Freelane to measure memory per stream; 0 skips it.
	Streams int
	// StartupRuns is how many cold starts of Binary are timed; 0 skips it.
	StartupRuns int
	// IdleSettle is how long a fresh process is left alone before its idle
	// memory is read.
	IdleSettle time.Duration
	// Tray also measures idle memory with a tray on a private session bus
	// (needs dbus-daemon).
	Tray bool

	// Progress receives one line per step; nil is silent.
	Progress io.Writer
}

// Report is everything a run measured.
type Report struct {
	Machine string
	Results []Result
	Streams *StreamResult
	Idle    []IdleResult
	Startup *StartupResult
}

// Result is one target under one load, over all rounds.
type Result struct {
	Load      Load
	Target    string
	Requests  int
	Errors    int
	FirstErr  string
	PerSecond float64
	P50, P99  time.Duration
	// Added latency: this target's percentile minus direct's under the
	// same load; zero for direct itself.
	AddedP50, AddedP99 time.Duration
	// FirstByteP50 is the median time to the first streamed data event;
	// AddedFirstByte is its difference to direct.
	FirstByteP50, AddedFirstByte time.Duration
	// CPUPerRequest is CPU time of the target's processes per call; zero
	// when it cannot be measured (direct, in-process).
	CPUPerRequest time.Duration
}

// Run measures everything cfg asks for.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}
	up, err := StartUpstream()
	if err != nil {
		return nil, err
	}
	defer up.Close()

	targets, err := startTargets(ctx, cfg, up)
	defer func() {
		for _, t := range targets {
			if cerr := t.Close(); cerr != nil {
				progress("stopping %s: %v", t.Name, cerr)
			}
		}
	}()
	if err != nil {
		return nil, err
	}

	report := &Report{Machine: machine()}
	for _, load := range cfg.Loads {
		progress("load: %s", load)
		results, err := measureLoad(ctx, cfg, targets, load)
		if err != nil {
			return nil, fmt.Errorf("measuring %s: %w", load, err)
		}
		report.Results = append(report.Results, results...)
	}

	freelane := targets[1]
	if cfg.Streams > 0 {
		progress("slow streams: %d", cfg.Streams)
		report.Streams, err = measureStreams(ctx, up, freelane, cfg.Streams)
		if err != nil {
			return nil, fmt.Errorf("measuring %d open streams: %w", cfg.Streams, err)
		}
	}
	if cfg.Binary != "" {
		progress("idle memory")
		report.Idle, err = measureIdle(ctx, cfg, up)
		if err != nil {
			return nil, fmt.Errorf("measuring idle memory: %w", err)
		}
		if cfg.StartupRuns > 0 {
			progress("start-up: %d runs", cfg.StartupRuns)
			report.Startup, err = measureStartup(ctx, cfg, up)
			if err != nil {
				return nil, fmt.Errorf("measuring start-up: %w", err)
			}
		}
	}
	return report, nil
}

// startTargets starts direct, Freelane, the bare reverse proxy, the
// minimal net/http proxy, the baseline Freelane and nginx, in that order
// (direct first: the others are compared with it). The
// targets started so far are returned even on error, to be closed.
func startTargets(ctx context.Context, cfg Config, up *Upstream) ([]*Target, error) {
	targets := []*Target{Direct(up)}
	home := filepath.Join(cfg.Dir, "freelane-load")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return targets, fmt.Errorf("creating the Freelane home: %w", err)
	}
	var fl *Target
	var err error
	if cfg.Binary != "" {
		fl, err = FreelaneProcess(ctx, cfg.Binary, home, up)
	} else {
		fl, err = FreelaneInProcess(ctx, home, up)
	}
	if err != nil {
		return targets, err
	}
	targets = append(targets, fl)
	rp, err := ReverseProxy(ctx, cfg.Dir, up)
	if err != nil {
		return targets, err
	}
	targets = append(targets, rp)
	floor, err := Floor(ctx, cfg.Dir, up)
	if err != nil {
		return targets, err
	}
	targets = append(targets, floor)
	if cfg.Baseline != "" {
		home := filepath.Join(cfg.Dir, "freelane-before-load")
		if err := os.MkdirAll(home, 0o700); err != nil {
			return targets, fmt.Errorf("creating the baseline Freelane home: %w", err)
		}
		before, err := FreelaneProcess(ctx, cfg.Baseline, home, up)
		if err != nil {
			return targets, fmt.Errorf("starting the baseline Freelane: %w", err)
		}
		before.Name = "freelane-before"
		targets = append(targets, before)
	}
	if cfg.Nginx != "" {
		ngx, err := Nginx(ctx, cfg.Nginx, cfg.Dir, up)
		if err != nil {
			return targets, err
		}
		targets = append(targets, ngx)
	}
	return targets, nil
}

// measureLoad runs load against every target for cfg.Rounds alternating
// rounds, after one unmeasured warm-up round that opens the connections.
func measureLoad(ctx context.Context, cfg Config, targets []*Target, load Load) ([]Result, error) {
	clients := make([]*http.Client, len(targets))
	for i := range clients {
		clients[i] = newClient(load.Clients)
		defer clients[i].CloseIdleConnections()
	}
	warm := load
	if warm.Requests == 0 {
		warm.Duration = min(load.Duration, 500*time.Millisecond)
	}
	for i, t := range targets {
		if _, err := run(ctx, clients[i], t, warm); err != nil {
			return nil, fmt.Errorf("warming up %s: %w", t.Name, err)
		}
	}
	totals := make([]sample, len(targets))
	for round := range max(cfg.Rounds, 1) {
		for k := range targets {
			i := (k + round) % len(targets)
			s, err := run(ctx, clients[i], targets[i], load)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", targets[i].Name, err)
			}
			totals[i].merge(&s)
			totals[i].elapsed += s.elapsed
		}
	}
	results := make([]Result, len(targets))
	for i, t := range targets {
		results[i] = summarize(load, t, &totals[i])
	}
	for i := range results {
		results[i].AddedP50 = results[i].P50 - results[0].P50
		results[i].AddedP99 = results[i].P99 - results[0].P99
		if load.Stream {
			results[i].AddedFirstByte = results[i].FirstByteP50 - results[0].FirstByteP50
		}
	}
	results[0].AddedP50, results[0].AddedP99, results[0].AddedFirstByte = 0, 0, 0
	return results, nil
}

func summarize(load Load, t *Target, s *sample) Result {
	r := Result{Load: load, Target: t.Name, Requests: s.requests, Errors: s.errors}
	if s.firstErr != nil {
		r.FirstErr = s.firstErr.Error()
	}
	if s.elapsed > 0 {
		r.PerSecond = float64(s.requests-s.errors) / s.elapsed.Seconds()
	}
	lat := sortDurations(s.latencies)
	r.P50, r.P99 = percentile(lat, 50), percentile(lat, 99)
	r.FirstByteP50 = percentile(sortDurations(s.firstBytes), 50)
	if len(t.pids) > 0 && s.requests > 0 {
		r.CPUPerRequest = s.cpu / time.Duration(s.requests)
	}
	return r
}

// machine describes the computer the run measured.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d logical CPUs, GOMAXPROCS %d, %s/%s, %s",
		model, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
}
