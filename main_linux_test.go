//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/tray"
)

// The tray is tested through the real binary on a private session bus, as a
// panel sees it: fyne.io/systray keeps global state and runs once per
// process, and go-autostart reads XDG_CONFIG_HOME at init. The binary is
// built without -race, which reports races inside systray and godbus.

const (
	itemInterface = "org.kde.StatusNotifierItem"
	menuInterface = "com.canonical.dbusmenu"
	// waitLimit bounds every wait for an effect; each is polled, never slept on.
	waitLimit = 15 * time.Second
)

func TestFreelaneBinary(t *testing.T) {
	bin := freelaneBinary(t)
	t.Run("tray_over_dbus", func(t *testing.T) { testTrayOverDBus(t, bin) })
	t.Run("invalid_config_is_logged", func(t *testing.T) { testInvalidConfigLogged(t, bin) })
	t.Run("invalid_env_shown_in_tray_until_fixed", func(t *testing.T) { testInvalidEnvShownInTray(t, bin) })
	t.Run("headless_without_session_bus", func(t *testing.T) {
		testHeadless(t, bin, "unix:path=/nonexistent/bus", "no D-Bus session bus")
	})
	// A per-user bus without a display: an SSH login to a systemd machine.
	t.Run("headless_without_display", func(t *testing.T) {
		testHeadless(t, bin, startSessionBus(t), "no graphical session", "DISPLAY=")
	})
}

func testTrayOverDBus(t *testing.T, bin string) {
	busAddr := startSessionBus(t)
	watcher := startFakeWatcher(t, busAddr)
	upstream := fakeopenrouter.New(t)
	app := startFreelane(t, bin, busAddr, upstream.BaseURL())
	app.waitListening(t)

	var itemName string
	select {
	case itemName = <-watcher.registered:
	case <-time.After(waitLimit):
		t.Fatalf("the tray never registered with the watcher\n%s", app.log())
	}
	conn := watcher.conn
	item := conn.Object(itemName, "/StatusNotifierItem")

	tooltip := func() string {
		v, err := getProperty(t, item, itemInterface+".ToolTip")
		if err != nil {
			return ""
		}
		fields, ok := v.Value().([]any)
		if !ok || len(fields) < 3 {
			t.Fatalf("ToolTip has an unexpected shape: %#v", v.Value())
		}
		title, _ := fields[2].(string)
		return title
	}
	waitFor(t, "a running tooltip with no calls", func() bool {
		tip := tooltip()
		return strings.Contains(tip, "running") && strings.Contains(tip, "0 calls today")
	})

	// A chat call is counted and the tooltip follows.
	chat(t, app.addr)
	waitFor(t, "the tooltip to count the call", func() bool { return strings.Contains(tooltip(), "1 call today") })

	menuPathVariant, err := getProperty(t, item, itemInterface+".Menu")
	if err != nil {
		t.Fatalf("reading Menu: %v", err)
	}
	menuObj := conn.Object(itemName, menuPathVariant.Value().(dbus.ObjectPath))
	var items map[string]menuItem
	waitFor(t, "the menu items", func() bool {
		items = menuItems(t, menuObj)
		for _, label := range []string{tray.LabelStopProxy, tray.LabelOpenDashboard, tray.LabelDebugMode, tray.LabelLaunchAtLogin, tray.LabelOpenConfigFolder, tray.LabelQuit} {
			if _, ok := items[label]; !ok {
				return false
			}
		}
		return true
	})
	click := func(label string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()
		call := menuObj.CallWithContext(ctx, menuInterface+".Event", 0, items[label].id, "clicked", dbus.MakeVariant(""), uint32(0))
		if call.Err != nil {
			t.Fatalf("clicking %q: %v", label, call.Err)
		}
	}
	toggleState := func(label string) int32 {
		return menuItems(t, menuObj)[label].toggleState
	}

	t.Run("debug_mode", func(t *testing.T) {
		debugFile := filepath.Join(app.home, config.DebugFileName)
		click(tray.LabelDebugMode)
		waitFor(t, config.DebugFileName+" to appear", func() bool { return exists(debugFile) })
		waitFor(t, "the debug checkbox to be checked", func() bool { return toggleState(tray.LabelDebugMode) == 1 })
		click(tray.LabelDebugMode)
		waitFor(t, config.DebugFileName+" to go", func() bool { return !exists(debugFile) })
	})

	t.Run("launch_at_login", func(t *testing.T) {
		entry := filepath.Join(app.xdgConfig, "autostart", "freelane.desktop")
		click(tray.LabelLaunchAtLogin)
		// The entry is created empty and then written: poll its content.
		// It carries the home folder, which FREELANE_HOME chose here.
		wantExec := fmt.Sprintf("Exec=%q %q %q\n", app.bin, "--home", app.home)
		waitFor(t, "an autostart entry with "+wantExec, func() bool {
			data, _ := os.ReadFile(entry)
			return strings.Contains(string(data), wantExec)
		})
		waitFor(t, "the login checkbox to be checked", func() bool { return toggleState(tray.LabelLaunchAtLogin) == 1 })
		click(tray.LabelLaunchAtLogin)
		waitFor(t, "the autostart entry to go", func() bool { return !exists(entry) })
		waitFor(t, "the login checkbox to be cleared", func() bool { return toggleState(tray.LabelLaunchAtLogin) == 0 })
	})

	t.Run("open_dashboard", func(t *testing.T) {
		click(tray.LabelOpenDashboard)
		want := "http://" + app.addr + "/debug"
		waitFor(t, "the browser to be asked for "+want, func() bool {
			data, _ := os.ReadFile(app.openedLog)
			return strings.Contains(string(data), want)
		})
	})

	activate := func(t *testing.T) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
		defer cancel()
		if call := item.CallWithContext(ctx, itemInterface+".Activate", 0, int32(0), int32(0)); call.Err != nil {
			t.Fatalf("Activate: %v", call.Err)
		}
	}

	t.Run("left_click_stops_and_starts", func(t *testing.T) {
		activate := func() { activate(t) }
		activate()
		waitFor(t, "the port to close", func() bool { return !accepting(app.addr) })
		waitFor(t, "a stopped tooltip", func() bool { return strings.Contains(tooltip(), "stopped") })
		activate()
		waitFor(t, "the port to reopen", func() bool { return accepting(app.addr) })
		waitFor(t, "a running tooltip", func() bool { return strings.Contains(tooltip(), "running") })
	})

	// A second launch while the proxy is stopped, so /health cannot
	// answer: the running tray starts it and opens the dashboard.
	t.Run("second_launch_shows_the_stopped_tray", func(t *testing.T) {
		activate(t)
		waitFor(t, "the port to close", func() bool { return !accepting(app.addr) })
		if err := os.Remove(app.openedLog); err != nil {
			t.Fatal(err)
		}

		out, code := app.launchAgain(t)
		if code != 0 || !strings.Contains(out, "asked it to show itself") {
			t.Errorf("the second launch exited %d, want 0 and a line saying it asked the running one:\n%s", code, out)
		}
		want := "http://" + app.addr + "/debug"
		waitFor(t, "the browser to be asked for "+want, func() bool {
			data, _ := os.ReadFile(app.openedLog)
			return strings.Contains(string(data), want)
		})
		waitFor(t, "/health to answer again", func() bool { return healthOK(t, app.addr) })
		waitFor(t, "a running tooltip", func() bool { return strings.Contains(tooltip(), "running") })
	})

	// Quit may end without a reply, because the app leaves the bus while
	// answering; the exit status is what counts.
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	_ = menuObj.CallWithContext(ctx, menuInterface+".Event", 0, items[tray.LabelQuit].id, "clicked", dbus.MakeVariant(""), uint32(0)).Err
	app.waitExit(t, 0)
}

func testHeadless(t *testing.T, bin, busAddr, wantReason string, env ...string) {
	upstream := fakeopenrouter.New(t)
	app := startFreelane(t, bin, busAddr, upstream.BaseURL(), env...)
	app.waitListening(t)
	if log := app.log(); !strings.Contains(log, "headless") || !strings.Contains(log, wantReason) {
		t.Errorf("the log does not say it runs headless because of %q:\n%s", wantReason, log)
	}
	resp, err := http.Get("http://" + app.addr + "/health")
	if err != nil {
		t.Fatalf("GET /health: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /health = %d, want 200", resp.StatusCode)
	}
	if err := app.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	app.waitExit(t, 0)
}

// testInvalidConfigLogged starts the tray as a login item would, with no
// console to read: the reason it cannot start must reach the log file.
func testInvalidConfigLogged(t *testing.T, bin string) {
	upstream := fakeopenrouter.New(t)
	app := startFreelane(t, bin, "unix:path=/nonexistent/bus", upstream.BaseURL(), "LISTEN_ADDR=no-port-here")
	app.waitExit(t, 1)
	logFile := filepath.Join(app.home, "cache", "freelane.log")
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("reading the log file: %v", err)
	}
	for _, want := range []string{"configuration is invalid", "LISTEN_ADDR", filepath.Join(app.home, config.EnvFileName)} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q:\n%s", logFile, want, data)
		}
	}
}

// testInvalidEnvShownInTray starts the tray on a .env that cannot load: the
// icon says what to fix and offers only what works, and once the file is
// fixed Freelane starts the proxy without being launched again.
func testInvalidEnvShownInTray(t *testing.T, bin string) {
	busAddr := startSessionBus(t)
	watcher := startFakeWatcher(t, busAddr)
	upstream := fakeopenrouter.New(t)
	home := t.TempDir()
	envFile := filepath.Join(home, config.EnvFileName)
	if err := os.WriteFile(envFile, []byte("LISTEN_ADDR=no-port-here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// An empty LISTEN_ADDR counts as unset, so .env decides it.
	app := startFreelane(t, bin, busAddr, upstream.BaseURL(), "LISTEN_ADDR=", "FREELANE_HOME="+home)
	var itemName string
	select {
	case itemName = <-watcher.registered:
	case <-time.After(waitLimit):
		t.Fatalf("the tray never registered with the watcher\n%s", app.log())
	}
	item := watcher.conn.Object(itemName, "/StatusNotifierItem")
	tooltip := func() string {
		v, err := getProperty(t, item, itemInterface+".ToolTip")
		if err != nil {
			return ""
		}
		fields, _ := v.Value().([]any)
		if len(fields) < 3 {
			return ""
		}
		title, _ := fields[2].(string)
		return title
	}
	wantProblem := "Fix " + envFile + ": LISTEN_ADDR"
	waitFor(t, "a tooltip saying what to fix", func() bool { return strings.Contains(tooltip(), wantProblem) })
	menuPath, err := getProperty(t, item, itemInterface+".Menu")
	if err != nil {
		t.Fatalf("reading Menu: %v", err)
	}
	menuObj := watcher.conn.Object(itemName, menuPath.Value().(dbus.ObjectPath))
	waitFor(t, "the status line, Open config folder and Quit", func() bool {
		items := menuItems(t, menuObj)
		_, folder := items[tray.LabelOpenConfigFolder]
		_, quit := items[tray.LabelQuit]
		for label := range items {
			if strings.Contains(label, "Fix ") && strings.Contains(label, "LISTEN__ADDR") {
				return folder && quit
			}
		}
		return false
	})
	for _, label := range []string{tray.LabelStartProxy, tray.LabelStopProxy, tray.LabelOpenDashboard, tray.LabelDebugMode} {
		if _, ok := menuItems(t, menuObj)[label]; ok {
			t.Errorf("the menu offers %q without a configuration", label)
		}
	}

	if err := os.WriteFile(envFile, []byte("LISTEN_ADDR="+app.addr+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	app.waitListening(t)
	waitFor(t, "/health to answer", func() bool { return healthOK(t, app.addr) })
	// The fresh start shows the normal tray.
	select {
	case itemName = <-watcher.registered:
	case <-time.After(waitLimit):
		t.Fatalf("the fresh start never registered a tray\n%s", app.log())
	}
	item = watcher.conn.Object(itemName, "/StatusNotifierItem")
	waitFor(t, "a running tooltip", func() bool { return strings.Contains(tooltip(), "running") })
	if err := app.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	app.waitExit(t, 0)
}

// startSessionBus runs a private dbus-daemon and returns its address.
func startSessionBus(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		skipOrFailInCI(t, "dbus-daemon is not installed (Debian package dbus)")
	}
	cmd := exec.Command(daemon, "--session", "--nofork", "--nopidfile", "--print-address=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the bus address: %v", err)
	}
	return strings.TrimSpace(addr)
}

// fakeWatcher owns org.kde.StatusNotifierWatcher, as a panel would, and
// reports the bus name of each item that registers.
type fakeWatcher struct {
	conn       *dbus.Conn
	registered chan string
}

func (w *fakeWatcher) RegisterStatusNotifierItem(sender dbus.Sender, _ string) *dbus.Error {
	select {
	case w.registered <- string(sender):
	default:
	}
	return nil
}

func startFakeWatcher(t *testing.T, busAddr string) *fakeWatcher {
	t.Helper()
	conn, err := dbus.Connect(busAddr)
	if err != nil {
		t.Fatalf("connecting to the private bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &fakeWatcher{conn: conn, registered: make(chan string, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claiming the watcher name: reply %v, err %v", reply, err)
	}
	return w
}

// freelaneProcess is one run of the binary with a private home.
type freelaneProcess struct {
	bin, home, xdgConfig, openedLog, addr string
	cmd                                   *exec.Cmd
	logBuf                                *lockedBuffer
	listening                             chan struct{}
	exited                                chan struct{}
	exitErr                               error
}

// startFreelane runs the tray on busAddr with a display set; env is added
// last, so it can override that.
func startFreelane(t *testing.T, bin, busAddr, upstreamURL string, env ...string) *freelaneProcess {
	t.Helper()
	root := t.TempDir()
	p := &freelaneProcess{
		bin:       bin,
		home:      filepath.Join(root, "home"),
		xdgConfig: filepath.Join(root, "xdg-config"),
		openedLog: filepath.Join(root, "opened.log"),
		addr:      freeLoopbackAddr(t),
		logBuf:    &lockedBuffer{},
		listening: make(chan struct{}),
		exited:    make(chan struct{}),
	}
	binDir := filepath.Join(root, "bin")
	// The binary is built in the system temporary folder, where a login
	// entry is refused; a private TMPDIR makes it count as installed.
	tmpDir := filepath.Join(root, "tmp")
	for _, dir := range []string{p.home, p.xdgConfig, binDir, tmpDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// pkg/browser runs xdg-open; this one only records what it was given.
	opener := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> %q\n", p.openedLog)
	if err := os.WriteFile(filepath.Join(binDir, "xdg-open"), []byte(opener), 0o755); err != nil {
		t.Fatal(err)
	}

	p.cmd = exec.Command(bin)
	p.cmd.Dir = root
	p.cmd.Env = []string{
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + root,
		"XDG_CONFIG_HOME=" + p.xdgConfig,
		"TMPDIR=" + tmpDir,
		"DBUS_SESSION_BUS_ADDRESS=" + busAddr,
		// Nothing draws on this display; the tray only needs one to exist.
		"DISPLAY=:99",
		"FREELANE_HOME=" + p.home,
		"LISTEN_ADDR=" + p.addr,
		"OPENROUTER_BASE_URL=" + upstreamURL,
		"OPENROUTER_API_KEY=" + fakeopenrouter.DefaultAPIKey,
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = p.logBuf
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting freelane: %v", err)
	}
	go p.readLog(stderr)
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("freelane log:\n%s", p.log())
		}
	})
	return p
}

// readLog copies the log, notes the "listening on" line, then reaps the process.
func (p *freelaneProcess) readLog(stderr io.Reader) {
	scanner := bufio.NewScanner(stderr)
	announced := false
	for scanner.Scan() {
		line := scanner.Text()
		p.logBuf.Write([]byte(line + "\n"))
		if !announced && strings.Contains(line, "listening on http://"+p.addr) {
			announced = true
			close(p.listening)
		}
	}
	_, _ = io.Copy(io.Discard, stderr)
	p.exitErr = p.cmd.Wait()
	close(p.exited)
}

func (p *freelaneProcess) log() string { return p.logBuf.String() }

// launchAgain runs the binary a second time exactly as the first was run,
// as a click on the menu entry would, and returns its output and exit code.
func (p *freelaneProcess) launchAgain(t *testing.T) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin)
	cmd.Dir, cmd.Env = p.cmd.Dir, p.cmd.Env
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		return string(out), exitErr.ExitCode()
	case err != nil:
		t.Fatalf("the second launch: %v\n%s", err, out)
	}
	return string(out), 0
}

// healthOK reports whether /health at addr answers 200.
func healthOK(t *testing.T, addr string) bool {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+"/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (p *freelaneProcess) waitListening(t *testing.T) {
	t.Helper()
	select {
	case <-p.listening:
	case <-p.exited:
		t.Fatalf("freelane exited before listening (%v)\n%s", p.exitErr, p.log())
	case <-time.After(waitLimit):
		t.Fatalf("freelane never logged listening on http://%s\n%s", p.addr, p.log())
	}
}

func (p *freelaneProcess) waitExit(t *testing.T, wantCode int) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(waitLimit):
		t.Fatalf("freelane did not exit\n%s", p.log())
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(p.exitErr, &exitErr) {
		code = exitErr.ExitCode()
	} else if p.exitErr != nil {
		t.Fatalf("waiting for freelane: %v", p.exitErr)
	}
	if code != wantCode {
		t.Errorf("exit status %d, want %d\n%s", code, wantCode, p.log())
	}
}

func chat(t *testing.T, addr string) {
	t.Helper()
	body := `{"model":"openrouter/free","messages":[{"role":"user","content":"Say hi"}]}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("chat call: %v", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Logf("chat call answered %d: %s", resp.StatusCode, answer)
	}
}

func getProperty(t *testing.T, obj dbus.BusObject, name string) (dbus.Variant, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	iface, prop, _ := cutLast(name, ".")
	var v dbus.Variant
	err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, iface, prop).Store(&v)
	return v, err
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

type menuItem struct {
	id          int32
	toggleState int32
}

// menuItems reads the whole dbusmenu layout and indexes it by label. The
// first GetLayout of systray v1.12.2 is one level deep, so callers poll.
func menuItems(t *testing.T, menuObj dbus.BusObject) map[string]menuItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	var revision uint32
	var layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	err := menuObj.CallWithContext(ctx, menuInterface+".GetLayout", 0, int32(0), int32(-1), []string{}).Store(&revision, &layout)
	if err != nil {
		t.Logf("GetLayout: %v", err)
		return nil
	}
	items := map[string]menuItem{}
	var walk func(children []dbus.Variant)
	walk = func(children []dbus.Variant) {
		for _, child := range children {
			fields, ok := child.Value().([]any)
			if !ok || len(fields) != 3 {
				continue
			}
			id, _ := fields[0].(int32)
			props, _ := fields[1].(map[string]dbus.Variant)
			if label, ok := props["label"].Value().(string); ok {
				state, _ := props["toggle-state"].Value().(int32)
				items[label] = menuItem{id: id, toggleState: state}
			}
			if grandChildren, ok := fields[2].([]dbus.Variant); ok {
				walk(grandChildren)
			}
		}
	}
	walk(layout.Children)
	return items
}

// waitFor polls cond until it holds or waitLimit passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	pollUntil(t, waitLimit, what, cond)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func accepting(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// lockedBuffer is a log sink that the reader goroutine and the test share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
