//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/service"
)

// The background service is tested through the real binary, as a user runs
// it: `freelane start|status|stop` in a terminal, a detached supervisor, and
// `freelane serve` as its child. Every wait is polled against a deadline.

// serviceWait bounds each wait for an effect; giving up on a crash loop takes
// ten restart delays of a second each.
const serviceWait = 30 * time.Second

func TestServiceWithRealBinary(t *testing.T) {
	bin := freelaneBinary(t)
	// The scenarios use their own homes and ports, so they overlap; the crash
	// loop takes the longest.
	t.Run("lifecycle", func(t *testing.T) {
		t.Parallel()
		testServiceLifecycle(t, bin)
	})
	t.Run("refused_while_serve_holds_the_port", func(t *testing.T) {
		t.Parallel()
		testServiceRefusedBesideServe(t, bin)
	})
	t.Run("gives_up_when_the_port_is_taken", func(t *testing.T) {
		t.Parallel()
		testServiceGivesUp(t, bin)
	})
	t.Run("server_stops_with_a_killed_supervisor", func(t *testing.T) {
		t.Parallel()
		testServiceSupervisorKilled(t, bin)
	})
	t.Run("with_an_access_token", func(t *testing.T) {
		t.Parallel()
		testServiceWithToken(t, bin)
	})
	t.Run("stale_pid_file_naming_another_freelane", func(t *testing.T) {
		t.Parallel()
		testServiceStalePIDOfAnotherFreelane(t, bin)
	})
}

// A daemon.pid left behind (a reboot, a killed supervisor) may name a pid
// that now belongs to another Freelane: another home's `serve`, a tray.
// status must not take it for the supervisor, stop must not signal it, and
// start must not refuse for it.
func testServiceStalePIDOfAnotherFreelane(t *testing.T, bin string) {
	h := newServiceHome(t, bin)
	other := startServe(t, bin, t.TempDir(), freeLoopbackAddr(t), fakeopenrouter.New(t).BaseURL())
	other.waitHealthy(t)
	if err := os.MkdirAll(h.cacheDir, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf(`{"supervisor_pid":%d,"started_at":%q,"restarts":0}`,
		other.cmd.Process.Pid, time.Now().Add(-time.Hour).Format(time.RFC3339Nano))
	if err := os.WriteFile(h.pidPath(), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := h.mustRun(1, "status"); strings.Contains(out, "is running") {
		t.Errorf("status took the other Freelane for the supervisor:\n%s", out)
	}
	h.mustRun(1, "stop")
	if _, ok := other.health(); !ok {
		t.Fatal("stop ended the other Freelane")
	}
	if err := os.WriteFile(h.pidPath(), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	h.mustRun(0, "start")
	h.mustRun(0, "stop")
	if _, ok := other.health(); !ok {
		t.Error("start or stop ended the other Freelane")
	}
}

func testServiceLifecycle(t *testing.T, bin string) {
	h := newServiceHome(t, bin)

	// Portable mode: started from the home folder, with no FREELANE_HOME.
	out := h.mustRun(0, "start")
	if !strings.Contains(out, "is running") {
		t.Errorf("start printed:\n%s", out)
	}
	pids := h.pidFile()
	if pids.SupervisorPID == 0 || pids.ServerPID == 0 {
		t.Fatalf("daemon.pid after start = %+v", pids)
	}
	if got := h.health().PID; got != pids.ServerPID {
		t.Fatalf("/health answered from pid %d, want the server %d", got, pids.ServerPID)
	}
	if _, err := os.Stat(filepath.Join(h.cacheDir, service.LogFileName)); err != nil {
		t.Errorf("no daemon.log in CACHE_DIR: %v", err)
	}

	h.chat()
	// status from another folder, naming the home: the same service.
	var status string
	h.waitFor("status to count the chat call", func() bool {
		status = h.mustRunElsewhere(0, "status")
		return strings.Contains(status, "calls today: 1\n")
	})
	if got := h.health().CallsToday; got != 1 {
		t.Errorf("/health counts %d calls today, want 1", got)
	}
	for _, want := range []string{
		"is running",
		fmt.Sprintf("supervisor pid %d, server pid %d", pids.SupervisorPID, pids.ServerPID),
		"address:     " + h.addr,
		"uptime:",
		"restarts:    0",
	} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}

	out = h.mustRun(1, "start")
	if !strings.Contains(out, "already running") || !strings.Contains(out, strconv.Itoa(pids.SupervisorPID)) {
		t.Errorf("second start printed:\n%s\nwant it to name the running supervisor %d", out, pids.SupervisorPID)
	}
	if got := h.pidFile(); got != pids {
		t.Errorf("a refused start changed daemon.pid: %+v, was %+v", got, pids)
	}

	// A crashed server is replaced; the restarted one still finds the home
	// (its .env names the port), though the supervisor does not run in it.
	if err := syscall.Kill(pids.ServerPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var restarted daemonPIDFile
	h.waitFor("a new server answering /health", func() bool {
		restarted = h.pidFile()
		return restarted.ServerPID != 0 && restarted.ServerPID != pids.ServerPID &&
			h.healthPID() == restarted.ServerPID
	})
	if restarted.SupervisorPID != pids.SupervisorPID || restarted.Restarts != 1 {
		t.Errorf("daemon.pid after the crash = %+v, want supervisor %d and 1 restart", restarted, pids.SupervisorPID)
	}
	if status := h.mustRun(0, "status"); !strings.Contains(status, "restarts:    1") {
		t.Errorf("status after the crash:\n%s", status)
	}

	out = h.mustRunElsewhere(0, "stop")
	if !strings.Contains(out, "stopped") {
		t.Errorf("stop printed:\n%s", out)
	}
	for _, pid := range []int{pids.SupervisorPID, pids.ServerPID, restarted.ServerPID} {
		if serviceProcessAlive(pid) {
			t.Errorf("process %d survived stop", pid)
		}
	}
	if _, err := os.Stat(h.pidPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("daemon.pid after stop: %v, want it removed", err)
	}
	if out := h.mustRun(1, "status"); !strings.Contains(out, "not running") {
		t.Errorf("status after stop printed:\n%s", out)
	}

	// A crashed service leaves daemon.pid behind, naming a pid that is gone.
	dead := deadPID(t, bin)
	if err := os.WriteFile(h.pidPath(), fmt.Appendf(nil, `{"supervisor_pid": %d, "server_pid": %d}`, dead, dead), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := h.mustRun(1, "status"); !strings.Contains(out, "stale pid file") {
		t.Errorf("status with a stale pid file printed:\n%s", out)
	}
	out = h.mustRun(0, "start")
	if !strings.Contains(out, "removing stale pid file") {
		t.Errorf("start over a stale pid file printed:\n%s", out)
	}
	if fresh := h.pidFile(); fresh.SupervisorPID == dead || !serviceProcessAlive(fresh.SupervisorPID) || h.healthPID() != fresh.ServerPID {
		t.Errorf("daemon.pid after start over a stale one = %+v", fresh)
	}
	h.mustRun(0, "stop")
}

func testServiceRefusedBesideServe(t *testing.T, bin string) {
	h := newServiceHome(t, bin)
	serve := exec.Command(bin, "serve")
	serve.Dir, serve.Env = h.home, h.env
	serveLog := &bytes.Buffer{} // read only after Wait
	serve.Stdout, serve.Stderr = serveLog, serveLog
	if err := serve.Start(); err != nil {
		t.Fatalf("starting freelane serve: %v", err)
	}
	exited := make(chan struct{})
	var serveErr error
	go func() {
		serveErr = serve.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = serve.Process.Kill() // fails harmlessly once it has exited
		<-exited
	})
	h.waitFor("freelane serve to answer /health", func() bool { return h.healthPID() == serve.Process.Pid })

	out := h.mustRun(1, "start")
	if !strings.Contains(out, "already") || !strings.Contains(out, strconv.Itoa(serve.Process.Pid)) {
		t.Errorf("start beside a running serve printed:\n%s\nwant it to name pid %d", out, serve.Process.Pid)
	}
	if _, err := os.Stat(h.pidPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused start left daemon.pid: %v", err)
	}
	// On another port nothing answers, but serve still holds the home: start
	// is refused at once instead of running servers that cannot lock it.
	otherPort := append(slices.Clone(h.env), "LISTEN_ADDR="+freeLoopbackAddr(t))
	out, code := h.run(h.home, otherPort, "start")
	if code != 1 || !strings.Contains(out, "already running") || !strings.Contains(out, strconv.Itoa(serve.Process.Pid)) {
		t.Errorf("start on another port beside serve exited %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(h.cacheDir, service.LogFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused start launched a supervisor (daemon.log: %v)", err)
	}
	// A second serve on the same home is refused by the instance lock, even
	// on another port, and names the running one.
	out, code = h.run(h.home, otherPort, "serve")
	if code != 1 || !strings.Contains(out, "already running") || !strings.Contains(out, strconv.Itoa(serve.Process.Pid)) {
		t.Errorf("second serve on the same home exited %d:\n%s", code, out)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if serveErr != nil {
			t.Errorf("freelane serve after SIGTERM: %v\n%s", serveErr, serveLog)
		}
	case <-time.After(serviceWait):
		t.Fatal("freelane serve did not stop on SIGTERM")
	}
}

func testServiceGivesUp(t *testing.T, bin string) {
	h := newServiceHome(t, bin)
	// Another program holds the port, so every server exits at once.
	occupyPort(t, h.addr)

	began := time.Now()
	out := h.mustRun(1, "start")
	for _, want := range []string{"exited during start-up (the server kept crashing)", "address already in use", "giving up"} {
		if !strings.Contains(out, want) {
			t.Errorf("start on a taken port lacks %q:\n%s", want, out)
		}
	}
	t.Logf("start gave up after %s", time.Since(began).Round(time.Millisecond))

	data, err := os.ReadFile(filepath.Join(h.cacheDir, service.LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	logText := string(data)
	if !strings.Contains(logText, "server keeps crashing; giving up") {
		t.Errorf("daemon.log does not say the supervisor gave up:\n%s", logText)
	}
	// The first run and the ten restarts the limit allows.
	if n := strings.Count(logText, `msg="server started"`); n != 11 {
		t.Errorf("daemon.log shows %d server runs, want 11", n)
	}
	if _, err := os.Stat(h.pidPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("daemon.pid after giving up: %v, want it removed", err)
	}
}

func testServiceSupervisorKilled(t *testing.T, bin string) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux-only")
	}
	h := newServiceHome(t, bin)
	h.mustRun(0, "start")
	pids := h.pidFile()
	if pids.SupervisorPID == 0 || pids.ServerPID == 0 {
		t.Fatalf("daemon.pid after start = %+v", pids)
	}

	// The supervisor dies without a chance to stop its server: the kernel
	// stops the server, so nothing keeps the port or answers for a dead service.
	if err := syscall.Kill(pids.SupervisorPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the server to exit with its supervisor", func() bool { return !serviceProcessAlive(pids.ServerPID) })
	if pid := h.healthPID(); pid != 0 {
		t.Errorf("/health still answered from pid %d", pid)
	}
	if out := h.mustRun(1, "status"); !strings.Contains(out, "stale pid file") || strings.Contains(out, "still runs") {
		t.Errorf("status after the supervisor was killed printed:\n%s", out)
	}
	// The home is free again: start replaces the stale pid file.
	h.mustRun(0, "start")
	if fresh := h.pidFile(); fresh.SupervisorPID == pids.SupervisorPID || h.healthPID() != fresh.ServerPID {
		t.Errorf("daemon.pid after start over the killed service = %+v", fresh)
	}
	h.mustRun(0, "stop")
}

// With FREELANE_TOKEN set the server wants the token on every path, /health
// included: start, status and stop must present it.
func testServiceWithToken(t *testing.T, bin string) {
	const token = "service-token-0123456789"
	h := newServiceHome(t, bin)
	h.addDotenv("FREELANE_TOKEN=" + token)

	began := time.Now()
	out := h.mustRun(0, "start")
	if !strings.Contains(out, "is running") || strings.Contains(out, token) {
		t.Errorf("start printed:\n%s", out)
	}
	t.Logf("start answered after %s", time.Since(began).Round(time.Millisecond))
	pids := h.pidFile()
	if pid := h.healthPID(); pid != 0 {
		t.Errorf("/health answered pid %d without the token: the case tests nothing", pid)
	}
	status := h.mustRun(0, "status")
	for _, want := range []string{"health:      ok", "address:     " + h.addr} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	if strings.Contains(status, token) {
		t.Errorf("status shows the token:\n%s", status)
	}
	// --home after the command names the home too; from elsewhere, without
	// it, status would look at the empty default home and exit 1.
	out, code := h.run(h.elsewhere, h.env, "status", "--home", h.home)
	if code != 0 || !strings.Contains(out, "address:     "+h.addr) {
		t.Errorf("status --home from elsewhere exited %d:\n%s", code, out)
	}
	if out, code := h.run(h.home, h.env, "status", "now"); code != 2 || !strings.Contains(out, "Usage:") {
		t.Errorf("status with an extra argument exited %d, want 2 and the usage:\n%s", code, out)
	}

	// A second launch of the tray on this home shows the running one: the
	// dashboard opens, with the token its pages need.
	binDir, openedLog := t.TempDir(), filepath.Join(t.TempDir(), "opened.log")
	opener := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> %q\n", openedLog)
	if err := os.WriteFile(filepath.Join(binDir, "xdg-open"), []byte(opener), 0o755); err != nil {
		t.Fatal(err)
	}
	trayEnv := append(h.env[:len(h.env):len(h.env)], "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, code = h.run(h.elsewhere, trayEnv, "--home", h.home)
	if code != 0 || !strings.Contains(out, "already running") || strings.Contains(out, token) {
		t.Errorf("second launch exited %d, want 0, saying it already runs without showing the token:\n%s", code, out)
	}
	// The token never goes on the browser's command line: the browser opens
	// a private page that forwards to the dashboard with it.
	wantURL := "http://" + h.addr + "/debug?token=" + token
	page := filepath.Join(h.cacheDir, "dashboard.html")
	h.waitFor("the dashboard to be opened", func() bool {
		opened, _ := os.ReadFile(openedLog)
		return strings.Contains(string(opened), "file://"+page)
	})
	if opened, _ := os.ReadFile(openedLog); strings.Contains(string(opened), token) {
		t.Errorf("the browser's command line holds the token: %s", opened)
	}
	if data, err := os.ReadFile(page); err != nil || !strings.Contains(string(data), wantURL) {
		t.Errorf("the page does not forward to %s: %v\n%s", wantURL, err, data)
	}
	if info, err := os.Stat(page); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the page is not private: %v, %v", info.Mode(), err)
	}
	if logText, err := os.ReadFile(filepath.Join(h.cacheDir, "freelane.log")); err != nil || strings.Contains(string(logText), token) {
		t.Errorf("freelane.log (%v) shows the token", err)
	}
	h.mustRun(0, "stop")
	for _, pid := range []int{pids.SupervisorPID, pids.ServerPID} {
		if serviceProcessAlive(pid) {
			t.Errorf("process %d survived stop", pid)
		}
	}
	if logText, err := os.ReadFile(filepath.Join(h.cacheDir, service.LogFileName)); err != nil || strings.Contains(string(logText), token) {
		t.Errorf("daemon.log (%v) shows the token", err)
	}
}

// serviceHome is one private Freelane home: a .env naming a fake OpenRouter
// and a free port, and the environment the binary runs in.
type serviceHome struct {
	t         *testing.T
	bin       string
	home      string
	cacheDir  string
	elsewhere string   // an unrelated folder to run commands from
	env       []string // without FREELANE_HOME: commands run in the home find it themselves
	addr      string
	client    *http.Client
}

func newServiceHome(t *testing.T, bin string) *serviceHome {
	t.Helper()
	root := t.TempDir()
	h := &serviceHome{
		t:         t,
		bin:       bin,
		home:      filepath.Join(root, "home"),
		elsewhere: filepath.Join(root, "elsewhere"),
		addr:      freeLoopbackAddr(t),
		client:    &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}},
	}
	h.cacheDir = filepath.Join(h.home, "cache")
	for _, dir := range []string{h.home, h.elsewhere} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	upstream := fakeopenrouter.New(t)
	dotenv := fmt.Sprintf("OPENROUTER_BASE_URL=%s\nOPENROUTER_API_KEY=%s\nLISTEN_ADDR=%s\n",
		upstream.BaseURL(), fakeopenrouter.DefaultAPIKey, h.addr)
	if err := os.WriteFile(filepath.Join(h.home, ".env"), []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	// HOME and XDG_CONFIG_HOME point into the test, so a command that missed
	// the home would land in an empty fallback rather than the user's own.
	h.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + root,
		"XDG_CONFIG_HOME=" + filepath.Join(root, "xdg-config"),
	}
	t.Cleanup(h.stopLeftovers)
	return h
}

// addDotenv adds a setting to the home's .env.
func (h *serviceHome) addDotenv(line string) {
	h.t.Helper()
	f, err := os.OpenFile(filepath.Join(h.home, ".env"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	_, err = fmt.Fprintln(f, line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		h.t.Fatal(err)
	}
}

// run runs the binary with args from dir and returns its combined output and
// exit status.
func (h *serviceHome) run(dir string, env []string, args ...string) (string, int) {
	h.t.Helper()
	cmd := exec.CommandContext(h.t.Context(), h.bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exitErr):
		return out.String(), exitErr.ExitCode()
	}
	h.t.Fatalf("running freelane %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return "", 0
}

// mustRun runs a command in the home folder (portable mode) and checks its
// exit status.
func (h *serviceHome) mustRun(wantCode int, args ...string) string {
	h.t.Helper()
	out, code := h.run(h.home, h.env, args...)
	if code != wantCode {
		h.t.Fatalf("freelane %s exited %d, want %d:\n%s", strings.Join(args, " "), code, wantCode, out)
	}
	return out
}

// mustRunElsewhere runs a command from an unrelated folder, naming the home
// with FREELANE_HOME.
func (h *serviceHome) mustRunElsewhere(wantCode int, args ...string) string {
	h.t.Helper()
	env := append(h.env[:len(h.env):len(h.env)], "FREELANE_HOME="+h.home)
	out, code := h.run(h.elsewhere, env, args...)
	if code != wantCode {
		h.t.Fatalf("freelane %s (from elsewhere) exited %d, want %d:\n%s", strings.Join(args, " "), code, wantCode, out)
	}
	return out
}

func (h *serviceHome) pidPath() string { return filepath.Join(h.cacheDir, service.PIDFileName) }

// daemonPIDFile is the part of daemon.pid the test reads.
type daemonPIDFile struct {
	SupervisorPID int `json:"supervisor_pid"`
	ServerPID     int `json:"server_pid"`
	Restarts      int `json:"restarts"`
}

// pidFile reads daemon.pid; a missing or unreadable file reads as zero.
func (h *serviceHome) pidFile() daemonPIDFile {
	var p daemonPIDFile
	if data, err := os.ReadFile(h.pidPath()); err == nil {
		_ = json.Unmarshal(data, &p)
	}
	return p
}

// serviceHealth is the part of /health the test reads.
type serviceHealth struct {
	PID        int `json:"pid"`
	CallsToday int `json:"calls_today"`
}

// fetchHealth asks the configured address for /health.
func (h *serviceHome) fetchHealth() (serviceHealth, error) {
	var a serviceHealth
	resp, err := h.client.Get("http://" + h.addr + "/health")
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&a)
	return a, err
}

// healthPID is the pid that answers /health, or 0 when none does.
func (h *serviceHome) healthPID() int {
	a, err := h.fetchHealth()
	if err != nil {
		return 0
	}
	return a.PID
}

func (h *serviceHome) health() serviceHealth {
	h.t.Helper()
	a, err := h.fetchHealth()
	if err != nil {
		h.t.Fatalf("GET /health: %v", err)
	}
	return a
}

// chat makes one chat call through the service and requires an answer.
func (h *serviceHome) chat() {
	h.t.Helper()
	body := `{"model":"openrouter/free","messages":[{"role":"user","content":"Say hi"}]}`
	resp, err := h.client.Post("http://"+h.addr+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		h.t.Fatalf("chat call: %v", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("chat call answered %d: %s", resp.StatusCode, answer)
	}
}

// waitFor polls cond until it holds or serviceWait passes.
func (h *serviceHome) waitFor(what string, cond func() bool) {
	h.t.Helper()
	pollUntil(h.t, serviceWait, what, cond)
}

// stopLeftovers makes sure no service outlives a failed test: it asks the
// service to stop, then kills what daemon.pid still names.
func (h *serviceHome) stopLeftovers() {
	p := h.pidFile()
	if p.SupervisorPID == 0 {
		return
	}
	cmd := exec.Command(h.bin, "stop")
	cmd.Dir, cmd.Env = h.home, h.env
	out, err := cmd.CombinedOutput()
	for _, pid := range []int{p.SupervisorPID, p.ServerPID} {
		if pid > 0 && serviceProcessAlive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			h.t.Errorf("killed leftover process %d (stop: %v)\n%s", pid, err, out)
		}
	}
}

// occupyPort listens on addr as a program other than Freelane would: it
// accepts connections and closes them without a word.
func occupyPort(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("occupying %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T, bin string) int {
	t.Helper()
	cmd := exec.Command(bin, "version")
	if err := cmd.Run(); err != nil {
		t.Fatalf("freelane version: %v", err)
	}
	return cmd.Process.Pid
}

// serviceProcessAlive reports whether pid runs; an exited process that its new
// parent has not reaped yet counts as gone.
func serviceProcessAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc here: the signal is the only evidence
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || (stat[i+2] != 'Z' && stat[i+2] != 'X')
}
