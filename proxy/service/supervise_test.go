//go:build unix

package service

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/internal/testpoll"
)

// superviseInBackground runs Supervise until the returned cancel is called;
// done receives its result.
func superviseInBackground(t *testing.T, o Options) (cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	result := make(chan error, 1)
	go func() {
		result <- Supervise(ctx, o)
		close(result) // later receives (the cleanup) return at once
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-result:
		case <-time.After(30 * time.Second):
			t.Error("Supervise did not return after cancel")
		}
	})
	return cancel, result
}

// serverPID waits for the pid file to name a server other than notPID that
// answers /health with its own pid, and returns that pid.
func serverPID(t *testing.T, o Options, notPID int) int {
	t.Helper()
	var pid int
	testpoll.Until(t, 20*time.Second, "a server answering /health", func() bool {
		rec, err := readPIDFile(o.pidPath())
		if err != nil || rec.ServerPID == 0 || rec.ServerPID == notPID {
			return false
		}
		h, err := o.fetchHealth(t.Context())
		if err != nil || h.PID != rec.ServerPID {
			return false
		}
		pid = rec.ServerPID
		return true
	})
	return pid
}

func awaitResult(t *testing.T, done <-chan error, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		t.Fatalf("Supervise did not return within %s", timeout)
		return nil
	}
}

func TestSupervise_RestartsKilledServerAndStopsGracefully(t *testing.T) {
	o := testOptions(t, "serve")
	cancel, done := superviseInBackground(t, o)

	first := serverPID(t, o, 0)
	st, err := QueryStatus(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Running || st.PID != os.Getpid() || st.ServerPID != first || st.Health != "ok" ||
		st.CallsToday != callsToday || st.Version != helperVersion || st.Addr == "" || st.Restarts != 0 {
		t.Errorf("status while running = %+v", st)
	}

	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	second := serverPID(t, o, first)
	if processAlive(first) {
		t.Errorf("killed server %d still alive", first)
	}
	st, err = QueryStatus(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if st.ServerPID != second || st.Restarts != 1 {
		t.Errorf("after the crash: server pid %d, restarts %d; want %d, 1", st.ServerPID, st.Restarts, second)
	}

	cancel()
	if err := awaitResult(t, done, 10*time.Second); err != nil {
		t.Fatalf("Supervise after stop = %v, want nil", err)
	}
	if processAlive(second) {
		t.Errorf("server %d outlived the supervisor", second)
	}
	if got := events(t, o.Dir); !contains(got, "graceful "+strconv.Itoa(second)) {
		t.Errorf("events = %q, want the second server to stop gracefully", got)
	}
	if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pid file after stop: %v, want it removed", err)
	}
	logText := readLog(t, o)
	for _, want := range []string{"fake server: listening on", "server crashed; restarting", "supervisor stopped"} {
		if !strings.Contains(logText, want) {
			t.Errorf("daemon.log lacks %q:\n%s", want, logText)
		}
	}
}

func TestSupervise_GivesUpOnCrashLoop(t *testing.T) {
	o := testOptions(t, "crash")
	_, done := superviseInBackground(t, o)

	err := awaitResult(t, done, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "giving up") {
		t.Fatalf("Supervise = %v, want a giving-up error", err)
	}
	// The first run plus the ten allowed restarts.
	if n := countEvents(t, o.Dir, "crash"); n != maxRestarts+1 {
		t.Errorf("server ran %d times, want %d", n, maxRestarts+1)
	}
	if logText := readLog(t, o); !strings.Contains(logText, "server keeps crashing; giving up") {
		t.Errorf("daemon.log does not say it gives up:\n%s", logText)
	}
	if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pid file after giving up: %v, want it removed", err)
	}
}

func TestSupervise_CleanServerExitEndsSupervision(t *testing.T) {
	o := testOptions(t, "exit-clean")
	_, done := superviseInBackground(t, o)
	if err := awaitResult(t, done, 20*time.Second); err != nil {
		t.Fatalf("Supervise = %v, want nil", err)
	}
	if n := countEvents(t, o.Dir, "exit-clean"); n != 1 {
		t.Errorf("server ran %d times, want 1 (no restart after a clean exit)", n)
	}
}

func TestSupervise_KillsServerThatIgnoresSIGTERM(t *testing.T) {
	o := testOptions(t, "serve-stubborn")
	o.StopTimeout = 300 * time.Millisecond
	cancel, done := superviseInBackground(t, o)
	pid := serverPID(t, o, 0)

	cancel()
	if err := awaitResult(t, done, 10*time.Second); err != nil {
		t.Fatalf("Supervise = %v, want nil", err)
	}
	if processAlive(pid) {
		t.Errorf("stubborn server %d survived the stop", pid)
	}
	if n := countEvents(t, o.Dir, "graceful"); n != 0 {
		t.Errorf("stubborn server reported %d graceful stops, want 0", n)
	}
}

func TestSupervise_RefusesSecondSupervisor(t *testing.T) {
	o := testOptions(t, "serve")
	superviseInBackground(t, o)
	serverPID(t, o, 0)

	// The test process is the live supervisor; a second one must not take over.
	rec, err := readPIDFile(o.pidPath())
	if err != nil {
		t.Fatal(err)
	}
	second := rec
	second.SupervisorPID = os.Getppid()
	if err := o.claimPIDFile(second); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("claimPIDFile with a live supervisor = %v, want ErrAlreadyRunning", err)
	}
	if got, _ := readPIDFile(o.pidPath()); got.SupervisorPID != os.Getpid() {
		t.Errorf("pid file now names %d, want the running supervisor %d", got.SupervisorPID, os.Getpid())
	}
}

func readLog(t *testing.T, o Options) string {
	t.Helper()
	data, err := os.ReadFile(o.logPath())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
