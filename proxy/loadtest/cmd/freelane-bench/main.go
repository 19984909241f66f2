// Command freelane-bench measures what Freelane adds between a client and
// OpenRouter: it builds the real binary and runs the loadtest harness
// against an instant upstream, directly, through Freelane, through a bare
// httputil.ReverseProxy, through the least a net/http proxy does ("floor"),
// optionally through another Freelane build ("freelane-before") and through
// nginx (when installed), then prints a table. Run it from inside the module:
//
//	go run ./proxy/loadtest/cmd/freelane-bench
//	go run ./proxy/loadtest/cmd/freelane-bench -duration 2s -rounds 5
//	go run ./proxy/loadtest/cmd/freelane-bench -baseline /tmp/freelane-old
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/freelane/freelane/proxy/loadtest"
)

func main() {
	if loadtest.RunChild() {
		return
	}
	os.Exit(run())
}

func run() int {
	var (
		clients  = flag.String("clients", "1,50,500", "comma-separated concurrent client counts")
		duration = flag.Duration("duration", time.Second, "length of one round of one target under one load")
		rounds   = flag.Int("rounds", 3, "alternating rounds per load")
		streams  = flag.Int("streams", 1000, "slow streams held open at once for the memory figure (0 skips)")
		startups = flag.Int("startups", 10, "timed cold starts (0 skips)")
		settle   = flag.Duration("idle-settle", 3*time.Second, "how long a fresh process idles before its memory is read")
		noNginx  = flag.Bool("no-nginx", false, "skip nginx even when it is installed")
		noTray   = flag.Bool("no-tray", false, "skip the idle tray measurement")
		binary   = flag.String("binary", "", "a built Freelane to measure (default: go build it)")
		baseline = flag.String("baseline", "", "another built Freelane (e.g. of an earlier commit) measured in the same run as freelane-before")
		keep     = flag.Bool("keep", false, "keep the work folder (logs, homes, nginx.conf)")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "freelane-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "freelane-bench:", err)
		return 1
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "work folder:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := *binary
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building Freelane")
		if bin, err = loadtest.BuildFreelane(ctx, dir); err != nil {
			fmt.Fprintln(os.Stderr, "freelane-bench:", err)
			return 1
		}
	}
	var loads []loadtest.Load
	for _, stream := range []bool{false, true} {
		for field := range strings.SplitSeq(*clients, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "freelane-bench: bad client count %q\n", field)
				return 2
			}
			loads = append(loads, loadtest.Load{Clients: n, Stream: stream, Duration: *duration})
		}
	}
	cfg := loadtest.Config{
		Dir: dir, Binary: bin, Baseline: *baseline, Loads: loads, Rounds: *rounds,
		Streams: *streams, StartupRuns: *startups, IdleSettle: *settle, Tray: !*noTray,
		Progress: os.Stderr,
	}
	if !*noNginx {
		cfg.Nginx = loadtest.NginxPath()
	}
	report, err := loadtest.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "freelane-bench:", err)
		return 1
	}
	if err := report.WriteTable(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "freelane-bench:", err)
		return 1
	}
	return 0
}
