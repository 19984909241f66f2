//go:build unix

package service

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/instance"

	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/internal/testpoll"
)

// stopOnCleanup makes sure a detached service started by a test never outlives it.
func stopOnCleanup(t *testing.T, o Options) {
	t.Helper()
	t.Cleanup(func() {
		if err := Stop(context.Background(), o); err != nil && !errors.Is(err, ErrNotRunning) {
			t.Errorf("cleanup stop: %v", err)
		}
	})
}

func TestStartStop_Detached(t *testing.T) {
	o := testOptions(t, "serve")
	stopOnCleanup(t, o)

	st, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if !st.Running || st.PID == 0 || st.ServerPID == 0 || st.Health != "ok" || st.CallsToday != callsToday {
		t.Fatalf("Start status = %+v", st)
	}
	if !isFreelaneProcess(st.PID, o.Exe, trustAlive) || !isFreelaneProcess(st.ServerPID, o.Exe, trustAlive) {
		t.Errorf("supervisor %d or server %d is not running", st.PID, st.ServerPID)
	}
	if sid := sessionID(t, st.PID); sid != st.PID {
		t.Errorf("supervisor session = %d, want its own session %d", sid, st.PID)
	}
	for _, pid := range []int{st.PID, st.ServerPID} {
		if cwd, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd"); err == nil && cwd != o.Dir {
			t.Errorf("process %d works in %s, want the service directory %s", pid, cwd, o.Dir)
		}
	}

	got, err := QueryStatus(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got.PID != st.PID || got.ServerPID != st.ServerPID || got.Addr != strings.TrimPrefix(strings.TrimSuffix(o.HealthURL, "/health"), "http://") {
		t.Errorf("QueryStatus = %+v, want the started service at %s", got, o.HealthURL)
	}
	if text := got.String(); !strings.Contains(text, "is running") || !strings.Contains(text, "calls today: 42") {
		t.Errorf("status text:\n%s", text)
	}

	_, err = Start(t.Context(), o)
	if !errors.Is(err, ErrAlreadyRunning) || !strings.Contains(err.Error(), strconv.Itoa(st.PID)) {
		t.Errorf("second Start = %v, want ErrAlreadyRunning naming pid %d", err, st.PID)
	}

	if err := Stop(t.Context(), o); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for _, pid := range []int{st.PID, st.ServerPID} {
		if processAlive(pid) {
			t.Errorf("process %d still alive after Stop", pid)
		}
	}
	if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pid file after Stop: %v, want it removed", err)
	}
	if !contains(events(t, o.Dir), "graceful "+strconv.Itoa(st.ServerPID)) {
		t.Errorf("events = %q, want a graceful server stop", events(t, o.Dir))
	}
	if err := Stop(t.Context(), o); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Stop when stopped = %v, want ErrNotRunning", err)
	}
	if st, err := QueryStatus(t.Context(), o); err != nil || st.Running || st.StalePIDFile {
		t.Errorf("QueryStatus when stopped = %+v, %v", st, err)
	}
}

func TestRestart_ReplacesProcesses(t *testing.T) {
	o := testOptions(t, "serve")
	stopOnCleanup(t, o)

	// Restart of a stopped service simply starts it.
	first, err := Restart(t.Context(), o)
	if err != nil {
		t.Fatalf("Restart (stopped): %v", err)
	}
	second, err := Restart(t.Context(), o)
	if err != nil {
		t.Fatalf("Restart (running): %v", err)
	}
	if second.PID == first.PID || second.ServerPID == first.ServerPID {
		t.Errorf("Restart kept the processes: before %+v, after %+v", first, second)
	}
	if processAlive(first.PID) || processAlive(first.ServerPID) {
		t.Errorf("old processes %d/%d survived the restart", first.PID, first.ServerPID)
	}
}

func TestStart_HandlesStalePIDFile(t *testing.T) {
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Skip("no `true` program:", err)
	}
	tests := []struct {
		name    string
		content string
	}{
		{"dead_pid", `{"supervisor_pid": ` + strconv.Itoa(exited.Process.Pid) + `, "server_pid": 1}`},
		{"pid_of_another_program", `{"supervisor_pid": ` + strconv.Itoa(os.Getppid()) + `}`},
		{"garbled", "not a pid file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOptions(t, "serve")
			stopOnCleanup(t, o)
			writeStale := func() {
				t.Helper()
				if err := os.WriteFile(o.pidPath(), []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}

			writeStale()
			st, err := QueryStatus(t.Context(), o)
			if err != nil || st.Running || !st.StalePIDFile {
				t.Errorf("QueryStatus = %+v, %v; want not running with a stale pid file", st, err)
			}
			if err := Stop(t.Context(), o); !errors.Is(err, ErrNotRunning) {
				t.Errorf("Stop = %v, want ErrNotRunning", err)
			}
			if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stop left the stale pid file: %v", err)
			}

			writeStale()
			st, err = Start(t.Context(), o)
			if err != nil {
				t.Fatalf("Start over a stale pid file: %v", err)
			}
			if rec, err := readPIDFile(o.pidPath()); err != nil || rec.SupervisorPID != st.PID {
				t.Errorf("pid file = %+v, %v; want the new supervisor %d", rec, err, st.PID)
			}
			if os.Getppid() > 1 && !processAlive(os.Getppid()) {
				t.Error("the foreign process named by the stale pid file was harmed")
			}
		})
	}
}

func TestStart_RefusesWhenAnotherServerAnswers(t *testing.T) {
	o := testOptions(t, "serve")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "pid": 4242, "listen_addr": "127.0.0.1:5000"})
	}))
	defer other.Close()
	o.HealthURL = other.URL + "/health"

	_, err := Start(t.Context(), o)
	if !errors.Is(err, ErrAlreadyRunning) || !strings.Contains(err.Error(), "4242") {
		t.Fatalf("Start = %v, want ErrAlreadyRunning naming pid 4242", err)
	}
	if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused Start left a pid file: %v", err)
	}
}

func TestStart_ReportsCrashingServer(t *testing.T) {
	o := testOptions(t, "crash")
	stopOnCleanup(t, o)

	start := time.Now()
	_, err := Start(t.Context(), o)
	if err == nil {
		t.Fatal("Start succeeded with a server that always crashes")
	}
	for _, want := range []string{"exited during start-up", "giving up", "crashing on purpose"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start error lacks %q:\n%v", want, err)
		}
	}
	if time.Since(start) >= o.StartTimeout {
		t.Errorf("Start took %s: it waited for the timeout instead of noticing the supervisor exit", time.Since(start))
	}
	if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("failed Start left a pid file: %v", err)
	}
}

func TestStart_RefusesWhileAnotherInstanceHoldsTheHome(t *testing.T) {
	o := testOptions(t, "serve")
	stopOnCleanup(t, o)
	lock, err := instance.Lock(o.Dir)
	if err != nil {
		t.Fatal(err)
	}

	_, err = Start(t.Context(), o)
	if !errors.Is(err, ErrAlreadyRunning) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Errorf("Start beside a held instance lock = %v, want ErrAlreadyRunning naming pid %d", err, os.Getpid())
	}
	if n := countEvents(t, o.Dir, "started"); n != 0 {
		t.Errorf("a refused Start ran %d servers", n)
	}
	if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused Start left a pid file: %v", err)
	}

	// Once the other instance is gone, Start checks the lock and lets it go.
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(t.Context(), o); err != nil {
		t.Fatalf("Start after the lock was released: %v", err)
	}
	again, err := instance.Lock(o.Dir)
	if err != nil {
		t.Fatalf("Start kept the instance lock: %v", err)
	}
	again.Release()
}

// sessionID reads the session of pid from /proc (field 6 of stat).
func sessionID(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	sid, err := strconv.Atoi(fields[3])
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

// A server bound to a wildcard address and guarded by a token, as required
// off loopback: start, status and stop reach it through loopback with the token.
func TestStartStop_WildcardAddressWithToken(t *testing.T) {
	const token = "service-token-0123456789"
	o := testOptions(t, "serve")
	o.Env = append(o.Env, tokenEnv+"="+token)
	o.Token = token
	_, port, err := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(o.HealthURL, "http://"), "/health"))
	if err != nil {
		t.Fatal(err)
	}
	// As main builds it from a wildcard LISTEN_ADDR.
	o.HealthURL = "http://" + config.LocalAddr("0.0.0.0:"+port) + "/health"
	stopOnCleanup(t, o)

	st, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if st.Health != "ok" {
		t.Fatalf("Start status = %+v, want a healthy server", st)
	}
	got, err := QueryStatus(t.Context(), o)
	if err != nil || got.Health != "ok" || got.CallsToday != callsToday {
		t.Errorf("QueryStatus = %+v, %v; want the server's health", got, err)
	}
	// The fake really guards /health: without the token status cannot read it.
	noToken := o
	noToken.Token = ""
	if got, err := QueryStatus(t.Context(), noToken); err != nil || got.Health != "" || got.HealthErr == "" {
		t.Errorf("QueryStatus without the token = %+v, %v; want health refused", got, err)
	}
	if err := Stop(t.Context(), o); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if processAlive(st.PID) || processAlive(st.ServerPID) {
		t.Errorf("processes %d/%d survived Stop", st.PID, st.ServerPID)
	}
}

func TestSupervisorKilled_ServerStopsWithIt(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux-only; Stop covers other systems")
	}
	o := testOptions(t, "serve")
	stopOnCleanup(t, o)
	st, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}

	if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testpoll.Until(t, 20*time.Second, "the orphaned server to exit", func() bool { return !processAlive(st.ServerPID) })
	if !contains(events(t, o.Dir), "graceful "+strconv.Itoa(st.ServerPID)) {
		t.Errorf("events = %q, want the server to have stopped gracefully on SIGTERM", events(t, o.Dir))
	}
	got, err := QueryStatus(t.Context(), o)
	if err != nil || got.Running || !got.StalePIDFile || got.ServerPID != 0 {
		t.Errorf("QueryStatus = %+v, %v; want a stale pid file and no server", got, err)
	}
}

// Where no parent-death signal stopped it (other systems, or a server that
// ignored it), Stop ends the server a dead supervisor left; Start refuses
// meanwhile and keeps the pid file that leads Stop to it.
func TestStop_EndsServerLeftByDeadSupervisor(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no `true` program:", err)
	}
	o := testOptions(t, "serve")
	startedAt := time.Now()
	server := exec.Command(o.Exe, "serve")
	server.Env = append(os.Environ(), o.Env...)
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		server.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		server.Process.Kill()
		<-exited
	})
	pid := server.Process.Pid
	testpoll.Until(t, 20*time.Second, "the server to answer /health", func() bool {
		h, err := o.fetchHealth(t.Context())
		return err == nil && h.PID == pid
	})
	rec := pidRecord{SupervisorPID: dead.Process.Pid, ServerPID: pid, StartedAt: startedAt, ServerStartedAt: startedAt}
	if err := writePIDFile(o.pidPath(), rec); err != nil {
		t.Fatal(err)
	}

	st, err := QueryStatus(t.Context(), o)
	if err != nil || st.Running || !st.StalePIDFile || st.ServerPID != pid {
		t.Errorf("QueryStatus = %+v, %v; want not running with server %d left over", st, err, pid)
	}
	if text := st.String(); !strings.Contains(text, strconv.Itoa(pid)) || !strings.Contains(text, "freelane stop") {
		t.Errorf("status text does not point at the leftover server:\n%s", text)
	}
	if _, err := Start(t.Context(), o); !errors.Is(err, ErrAlreadyRunning) || !strings.Contains(err.Error(), strconv.Itoa(pid)) {
		t.Errorf("Start beside the leftover server = %v, want ErrAlreadyRunning naming pid %d", err, pid)
	}
	if _, err := readPIDFile(o.pidPath()); err != nil {
		t.Errorf("a refused Start removed the pid file: %v", err)
	}

	if err := Stop(t.Context(), o); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("the leftover server still runs after Stop")
	}
	if !contains(events(t, o.Dir), "graceful "+strconv.Itoa(pid)) {
		t.Errorf("events = %q, want a graceful stop of server %d", events(t, o.Dir), pid)
	}
	if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pid file after Stop: %v, want it removed", err)
	}
}

// startFakeServer runs the test binary as a fake server on addr (o's
// environment otherwise) and returns its pid once it answers there.
func startFakeServer(t *testing.T, o Options, addr string) int {
	t.Helper()
	cmd := exec.Command(o.Exe, "serve")
	cmd.Env = append(append(os.Environ(), o.Env...), addrEnv+"="+addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	pid := cmd.Process.Pid
	testpoll.Until(t, 20*time.Second, "the fake server to answer /health", func() bool {
		h, err := Probe(t.Context(), "http://"+addr+"/health", "")
		return err == nil && h.PID == pid
	})
	return pid
}

// A pid file left by a killed supervisor may name a pid that now belongs to
// another Freelane: another home's server, or the tray app that holds our
// port. Running this program is no proof it is our server; status must not
// report it, Start must not refuse for it, and Stop must not signal it.
func TestStalePIDFile_ReusedServerPIDIsNotOurs(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no `true` program:", err)
	}
	o := testOptions(t, "serve")
	ourAddr := strings.TrimSuffix(strings.TrimPrefix(o.HealthURL, "http://"), "/health")
	otherHome := startFakeServer(t, o, freeAddr(t))
	onOurPort := startFakeServer(t, o, ourAddr)

	recorded := time.Now().Add(-time.Hour) // when the dead supervisor's server started
	for _, tt := range []struct {
		name      string
		serverPID int
	}{
		{"another_home's_server", otherHome},
		{"another_freelane_on_our_port_with_the_pid", onOurPort},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := pidRecord{SupervisorPID: dead.Process.Pid, ServerPID: tt.serverPID, StartedAt: recorded, ServerStartedAt: recorded}
			if err := writePIDFile(o.pidPath(), rec); err != nil {
				t.Fatal(err)
			}
			st, err := QueryStatus(t.Context(), o)
			if err != nil || st.Running || !st.StalePIDFile || st.ServerPID != 0 {
				t.Errorf("QueryStatus = %+v, %v; want a stale pid file and no server of ours", st, err)
			}
			if err := Stop(t.Context(), o); !errors.Is(err, ErrNotRunning) {
				t.Errorf("Stop = %v, want ErrNotRunning", err)
			}
			if !processAlive(tt.serverPID) {
				t.Fatalf("Stop ended process %d, which is not our server", tt.serverPID)
			}
			if _, err := os.Stat(o.pidPath()); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("stale pid file after Stop: %v, want it removed", err)
			}
		})
	}
	if n := countEvents(t, o.Dir, "graceful"); n != 0 {
		t.Errorf("%d fake servers were stopped; want none", n)
	}
}

func TestStartedAsRecorded(t *testing.T) {
	t.Parallel()
	o := Options{StartTimeout: 30 * time.Second}
	recorded := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		recorded time.Time
		started  time.Time // what the uptime says
		want     bool
	}{
		{"at_the_recorded_start", recorded, recorded, true},
		{"clock_started_a_moment_before", recorded, recorded.Add(-time.Second), true},
		{"slow_start", recorded, recorded.Add(20 * time.Second), true},
		{"long_before", recorded, recorded.Add(-time.Minute), false},
		{"after_start_gives_up", recorded, recorded.Add(time.Minute), false},
		{"reused_pid_days_later", recorded, recorded.Add(48 * time.Hour), false},
		{"no_recorded_start", time.Time{}, recorded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := recorded.Add(72 * time.Hour)
			h := Health{UptimeSeconds: now.Sub(tt.started).Seconds()}
			if got := o.startedAsRecorded(h, tt.recorded, now); got != tt.want {
				t.Errorf("startedAsRecorded(started %s, recorded %s) = %v, want %v", tt.started, tt.recorded, got, tt.want)
			}
		})
	}
}

// A pid file left behind (a reboot, a killed supervisor) may name a pid that
// now belongs to another Freelane, such as another home's server or the tray
// app: a process of this very program. It is not our supervisor, since it
// started long after the record: status must not report it, Start must not
// refuse for it, and Stop must not signal it or its process group.
func TestStalePIDFile_ReusedSupervisorPIDIsNotOurs(t *testing.T) {
	o := testOptions(t, "serve")
	stopOnCleanup(t, o)
	other := startFakeServer(t, o, freeAddr(t))
	rec := pidRecord{SupervisorPID: other, StartedAt: time.Now().Add(-time.Hour)}
	if err := writePIDFile(o.pidPath(), rec); err != nil {
		t.Fatal(err)
	}
	st, err := QueryStatus(t.Context(), o)
	if err != nil || st.Running || !st.StalePIDFile {
		t.Errorf("QueryStatus = %+v, %v; want not running with a stale pid file", st, err)
	}
	if err := Stop(t.Context(), o); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Stop = %v, want ErrNotRunning", err)
	}
	if err := writePIDFile(o.pidPath(), rec); err != nil {
		t.Fatal(err)
	}
	if st, err := Start(t.Context(), o); err != nil || st.PID == other {
		t.Errorf("Start over the stale pid file = %+v, %v; want a new service", st, err)
	}
	if !processAlive(other) || countEvents(t, o.Dir, "graceful") != 0 {
		t.Errorf("the other Freelane (pid %d) was signalled", other)
	}
}

func TestProcessStartTime_DatesThisProcess(t *testing.T) {
	started, err := processStartTime(os.Getpid())
	if errors.Is(err, errNoProcessInfo) {
		t.Skip("this platform cannot date a process")
	}
	if err != nil {
		t.Fatal(err)
	}
	// The test binary started before this test and, at most, minutes ago.
	if now := time.Now(); started.After(now.Add(uptimeSlack)) || started.Before(now.Add(-time.Hour)) {
		t.Errorf("processStartTime = %v, at %v", started, now)
	}
}
