package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the programs the service runs: with helperEnv set,
// os.Args[1] picks a role instead of running the tests.
const (
	helperEnv     = "FREELANE_SERVICE_TEST_HELPER"
	dirEnv        = "FREELANE_SERVICE_TEST_DIR"   // service directory; events file lives there
	addrEnv       = "FREELANE_SERVICE_TEST_ADDR"  // where the fake server listens
	serveArgsEnv  = "FREELANE_SERVICE_TEST_SERVE" // ServeArgs for the helper supervisor, comma separated
	stopTimeEnv   = "FREELANE_SERVICE_TEST_STOP"  // StopTimeout for the helper supervisor
	tokenEnv      = "FREELANE_SERVICE_TEST_TOKEN" // when set, the fake server requires it like FREELANE_TOKEN
	eventsName    = "events"                      // lines "<event> <pid>" written by the helpers
	callsToday    = 42                            // what the fake server reports
	helperVersion = "0.0.0-test"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" && len(os.Args) > 1 {
		os.Exit(runHelper(os.Args[1]))
	}
	os.Exit(m.Run())
}

func runHelper(role string) int {
	dir, addr := os.Getenv(dirEnv), os.Getenv(addrEnv)
	switch role {
	case SuperviseCommand:
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		stop, _ := time.ParseDuration(os.Getenv(stopTimeEnv))
		err = Supervise(context.Background(), Options{
			Exe:          exe,
			ServeArgs:    strings.Split(os.Getenv(serveArgsEnv), ","),
			Dir:          dir,
			HealthURL:    "http://" + addr + "/health",
			StopTimeout:  stop,
			RestartDelay: 10 * time.Millisecond,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "supervise:", err)
			return 1
		}
		return 0
	case "crash":
		recordEvent(dir, "crash")
		fmt.Println("fake server: crashing on purpose")
		return 1
	case "exit-clean":
		recordEvent(dir, "exit-clean")
		return 0
	case "serve":
		return serveHealth(dir, addr, true)
	case "serve-stubborn":
		return serveHealth(dir, addr, false)
	}
	fmt.Fprintln(os.Stderr, "unknown helper role", role)
	return 2
}

// serveHealth is a fake Freelane server: it answers /health like the real one,
// including its guard (a loopback Host, the token when one is set). With
// graceful set it shuts down on SIGTERM and exits 0; otherwise it ignores
// SIGTERM, so only a kill ends it.
func serveHealth(dir, addr string, graceful bool) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake server:", err)
		return 3
	}
	started := time.Now()
	token := os.Getenv(tokenEnv)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(w, "host not allowed", http.StatusForbidden)
			return
		}
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "token required", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"status":         "ok",
			"version":        helperVersion,
			"uptime_seconds": time.Since(started).Seconds(),
			"listen_addr":    ln.Addr().String(),
			"pid":            os.Getpid(),
			"calls_today":    callsToday,
		})
	})
	srv := &http.Server{Handler: mux}
	sigs := make(chan os.Signal, 1)
	if graceful {
		signal.Notify(sigs, syscall.SIGTERM)
	} else {
		signal.Ignore(syscall.SIGTERM)
	}
	recordEvent(dir, "started")
	fmt.Println("fake server: listening on", ln.Addr())
	go srv.Serve(ln)
	<-sigs
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return 4
	}
	recordEvent(dir, "graceful")
	return 0
}

// loopbackHost reports whether a Host header names a loopback IP address, the
// only hosts the fake server answers, as the real one when bound to loopback.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func recordEvent(dir, event string) {
	f, err := os.OpenFile(filepath.Join(dir, eventsName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %d\n", event, os.Getpid())
}
