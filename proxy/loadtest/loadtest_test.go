package loadtest

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// The bare reverse proxy and the minimal proxy run as this test binary
	// in a child role.
	if RunChild() {
		return
	}
	os.Exit(m.Run())
}

// TestRunSmoke runs the whole harness with tiny counts: every target must
// answer every call, streams must complete, and the table must print. It
// asserts that the harness works, not how fast anything is.
func TestRunSmoke(t *testing.T) {
	cfg := Config{
		Dir: t.TempDir(),
		Loads: []Load{
			{Clients: 1, Requests: 10},
			{Clients: 4, Requests: 40},
			{Clients: 4, Stream: true, Requests: 40},
		},
		Rounds:  2,
		Streams: 25,
		Nginx:   NginxPath(),
	}
	report, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantTargets := []string{"direct", "freelane", "reverseproxy", "floor"}
	if cfg.Nginx != "" {
		wantTargets = append(wantTargets, "nginx")
	}
	if got, want := len(report.Results), len(cfg.Loads)*len(wantTargets); got != want {
		t.Fatalf("%d results, want %d (loads x targets)", got, want)
	}
	for i, res := range report.Results {
		load := cfg.Loads[i/len(wantTargets)]
		if res.Target != wantTargets[i%len(wantTargets)] || res.Load != load {
			t.Errorf("result %d is %s under %s, want %s under %s", i, res.Target, res.Load, wantTargets[i%len(wantTargets)], load)
		}
		want := load.Requests * cfg.Rounds
		switch res.Target {
		case "direct", "freelane":
			if res.Requests != want || res.Errors != 0 {
				t.Errorf("%s under %s: %d calls, %d errors (%s), want %d calls without error",
					res.Target, res.Load, res.Requests, res.Errors, res.FirstErr, want)
			}
		default:
			// The reference proxies are measured, not tested: the bare
			// ReverseProxy occasionally cuts a stream short under this load
			// ("unexpected EOF"), which its figures report as errors.
			if res.Requests != want || res.Errors == res.Requests {
				t.Errorf("%s under %s: %d calls, %d errors (%s), want %d calls, most without error",
					res.Target, res.Load, res.Requests, res.Errors, res.FirstErr, want)
			}
			if res.Errors > 0 {
				t.Logf("%s under %s: %d errors (%s)", res.Target, res.Load, res.Errors, res.FirstErr)
			}
		}
		if res.PerSecond <= 0 || res.P50 <= 0 || res.P99 < res.P50 {
			t.Errorf("%s under %s: implausible figures %.0f req/s, p50 %s, p99 %s", res.Target, res.Load, res.PerSecond, res.P50, res.P99)
		}
		if load.Stream && res.FirstByteP50 <= 0 {
			t.Errorf("%s under %s: no first-byte time", res.Target, res.Load)
		}
		if (res.Target == "reverseproxy" || res.Target == "floor") && res.CPUPerRequest < 0 {
			t.Errorf("%s CPU per call is negative: %s", res.Target, res.CPUPerRequest)
		}
	}
	if report.Streams == nil || report.Streams.Streams != cfg.Streams {
		t.Errorf("slow streams: %+v, want %d relayed", report.Streams, cfg.Streams)
	}

	var out bytes.Buffer
	if err := report.WriteTable(&out); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	for _, want := range append(wantTargets, "Freelane throughput at 4 clients non-stream", "25 open slow streams") {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestBinarySmoke builds the real binary and measures its idle memory and
// start-up, as the command does, with one run each.
func TestBinarySmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Freelane binary")
	}
	dir := t.TempDir()
	bin, err := BuildFreelane(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	up, err := StartUpstream()
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	cfg := Config{Dir: dir, Binary: bin, StartupRuns: 2}
	idle, err := measureIdle(t.Context(), cfg, up)
	if err != nil {
		t.Fatalf("measureIdle: %v", err)
	}
	if len(idle) != 1 || idle[0].Mode != "headless" || idle[0].RSS < 1<<20 {
		t.Errorf("idle memory %+v, want one headless figure of at least 1 MB", idle)
	}
	st, err := measureStartup(t.Context(), cfg, up)
	if err != nil {
		t.Fatalf("measureStartup: %v", err)
	}
	if st.Runs != 2 || st.Min <= 0 || st.Min > st.P50 || st.P50 > st.Max || st.Max > startTimeout {
		t.Errorf("start-up figures %+v are inconsistent", st)
	}

	// The same binary as its own baseline: both are measured in one run,
	// each with its own CPU time.
	report, err := Run(t.Context(), Config{Dir: t.TempDir(), Binary: bin, Baseline: bin,
		Loads: []Load{{Clients: 4, Requests: 500}}, Rounds: 1}) // enough calls for several 10 ms CPU ticks
	if err != nil {
		t.Fatalf("Run with a baseline: %v", err)
	}
	cpu := map[string]time.Duration{}
	for _, res := range report.Results {
		if res.Errors != 0 && strings.HasPrefix(res.Target, "freelane") {
			t.Errorf("%s: %d errors (%s)", res.Target, res.Errors, res.FirstErr)
		}
		cpu[res.Target] = res.CPUPerRequest
	}
	for _, name := range []string{"freelane", "freelane-before"} {
		if cpu[name] <= 0 {
			t.Errorf("%s: CPU per call %s, want it measured (results %+v)", name, cpu[name], report.Results)
		}
	}
}

func TestProcessFigures(t *testing.T) {
	pid := os.Getpid()
	// Burn a little CPU so the tick counter of this process moves.
	deadline := time.Now().Add(30 * time.Millisecond)
	for n := 0; time.Now().Before(deadline); n++ {
		_ = strings.Repeat("x", n%64)
	}
	cpu, err := processCPU(pid)
	if err != nil || cpu <= 0 {
		t.Errorf("processCPU(self) = %s, %v; want a positive time", cpu, err)
	}
	rss, err := processRSS(pid)
	if err != nil || rss < 1<<20 {
		t.Errorf("processRSS(self) = %d, %v; want at least 1 MB", rss, err)
	}
	if _, err := processCPU(1 << 30); err == nil {
		t.Error("processCPU of a process that does not exist: no error")
	}
}

func TestPercentile(t *testing.T) {
	sorted := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{0, 1}, {50, 5}, {99, 9}, {100, 10}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("percentile(1..10, %v) = %d, want %d", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil) = %d, want 0", got)
	}
}
