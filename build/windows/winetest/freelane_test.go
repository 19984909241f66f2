//go:build wine

package winetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// startupTimeout bounds how long freelane.exe may take to answer /health
// under wine on a busy machine.
const startupTimeout = 60 * time.Second

var httpClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// freelaneHome is a home folder the way Windows names it: under a user name
// with a space and non-ASCII letters.
type freelaneHome struct {
	dir  string // Linux path
	win  string // the same folder through wine's Z: drive
	addr string // LISTEN_ADDR
}

func newHome(t *testing.T) freelaneHome {
	t.Helper()
	w := prefix(t)
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	dir := filepath.Join(w.root, name, "Zoë Ünal", "AppData", "Roaming", "freelane")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return freelaneHome{dir: dir, win: winPath(dir), addr: freeLoopbackAddr(t)}
}

// notepadEnv is a .env the way Notepad saves it: CRLF line ends, and with
// bom, the UTF-8 byte-order mark.
func notepadEnv(upstream *fakeopenrouter.Server, addr string, bom bool) []byte {
	text := strings.Join([]string{
		"# Freelane settings",
		"OPENROUTER_API_KEY=" + fakeopenrouter.DefaultAPIKey,
		"OPENROUTER_BASE_URL=" + upstream.BaseURL(),
		"LISTEN_ADDR=" + addr,
		"",
	}, "\r\n")
	if bom {
		text = "\uFEFF" + text
	}
	return []byte(text)
}

func (h freelaneHome) writeEnv(t *testing.T, content []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, ".env"), content, 0o600); err != nil {
		t.Fatal(err)
	}
}

type health struct {
	Status     string   `json:"status"`
	Problems   []string `json:"problems"`
	PID        int      `json:"pid"`
	Home       string   `json:"home"`
	KeyPresent bool     `json:"key_present"`
	CallsToday int      `json:"calls_today"`
	Catalog    struct {
		Models int `json:"models"`
	} `json:"catalog"`
}

// getHealth returns /health, or false while nothing answers.
func getHealth(addr string) (health, bool) {
	var h health
	resp, err := httpClient.Get("http://" + addr + "/health")
	if err != nil {
		return h, false
	}
	defer resp.Body.Close()
	return h, json.NewDecoder(resp.Body).Decode(&h) == nil
}

// waitHealthy waits until /health at addr reports "ok".
func waitHealthy(t *testing.T, addr string, p *process) health {
	t.Helper()
	var h health
	waitFor(t, startupTimeout, "/health at "+addr+" to report ok", func() bool {
		if p != nil && p.exited() {
			t.Fatalf("freelane.exe ended early\n%s", p.out.String())
		}
		var ok bool
		h, ok = getHealth(addr)
		return ok && h.Status == "ok"
	})
	return h
}

// chat makes one chat call and returns the response body.
func chat(t *testing.T, addr string, stream bool) string {
	t.Helper()
	body := fmt.Sprintf(`{"model":"auto","stream":%t,"messages":[{"role":"user","content":"Say hi"}]}`, stream)
	resp, err := httpClient.Post("http://"+addr+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("chat call (stream %t): %s\n%s", stream, resp.Status, data)
	}
	return string(data)
}

// checkChats makes a non-streamed and a streamed call and checks both answers.
func checkChats(t *testing.T, addr string) {
	t.Helper()
	var reply struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if body := chat(t, addr, false); json.Unmarshal([]byte(body), &reply) != nil ||
		len(reply.Choices) != 1 || reply.Choices[0].Message.Content == "" {
		t.Errorf("non-streamed reply has no answer:\n%s", body)
	}
	body := chat(t, addr, true)
	if !strings.Contains(body, `"delta"`) || !strings.HasSuffix(strings.TrimSpace(body), "data: [DONE]") {
		t.Errorf("streamed reply is not a complete event stream:\n%s", body)
	}
}

// journalLines counts the calls recorded in today's stats journals.
func journalLines(cacheDir string) int {
	files, _ := filepath.Glob(filepath.Join(cacheDir, "CALLS_*.journal"))
	n := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		n += strings.Count(string(data), "\n")
	}
	return n
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// TestServe runs `freelane.exe serve` on a home folder under a path with a
// space and non-ASCII letters, with the .env as Notepad saves it.
func TestServe(t *testing.T) {
	w := prefix(t)
	for _, tc := range []struct {
		name string
		bom  bool
	}{{"CRLF", false}, {"CRLF with UTF-8 BOM", true}} {
		t.Run(tc.name, func(t *testing.T) {
			upstream := fakeopenrouter.New(t)
			home := newHome(t)
			home.writeEnv(t, notepadEnv(upstream, home.addr, tc.bom))
			p := startWine(t, nil, w.exe, "serve", "--home", home.win)
			h := waitHealthy(t, home.addr, p)
			if !strings.EqualFold(filepath.Clean(h.Home), filepath.Clean(home.win)) && !strings.EqualFold(h.Home, home.win) {
				t.Errorf("/health home = %q, want %q", h.Home, home.win)
			}
			if !h.KeyPresent || h.Catalog.Models == 0 {
				t.Errorf("/health = %+v, want the key present and the fake's catalog", h)
			}

			checkChats(t, home.addr)
			cacheDir := filepath.Join(home.dir, "cache")
			waitFor(t, 30*time.Second, "two calls in the stats journal", func() bool { return journalLines(cacheDir) == 2 })
			if h, _ := getHealth(home.addr); h.CallsToday != 2 {
				t.Errorf("/health calls_today = %d, want 2", h.CallsToday)
			}

			// One Freelane per home folder: a second one refuses and says why.
			second := wine(t, w.exe, "serve", "--home", home.win)
			if second.code != 1 || !strings.Contains(second.out, "already running") {
				t.Errorf("second serve: exit %d, want 1 saying it is already running\n%s", second.code, second.out)
			}
			if p.exited() {
				t.Errorf("the first serve ended when a second was started\n%s", p.out.String())
			}
		})
	}
}

// TestServe_UTF16EnvNamesEncoding: a .env saved as Notepad's "Unicode" is refused with
// an error that names the encoding.
func TestServe_UTF16EnvNamesEncoding(t *testing.T) {
	w := prefix(t)
	upstream := fakeopenrouter.New(t)
	home := newHome(t)
	home.writeEnv(t, utf16LE(string(notepadEnv(upstream, home.addr, false))))
	r := wine(t, w.exe, "serve", "--home", home.win)
	if r.code == 0 || !strings.Contains(r.out, "UTF-16") {
		t.Errorf("serve with a UTF-16 .env: exit %d, want an error naming UTF-16\n%s", r.code, r.out)
	}
}

var serverPIDPattern = regexp.MustCompile(`server pid (\d+)`)

// serverPID is the server's pid in `status` output, 0 when none.
func serverPID(statusOut string) int {
	m := serverPIDPattern.FindStringSubmatch(statusOut)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestService runs the service commands and checks the supervisor restarts
// a crashed server.
func TestService(t *testing.T) {
	w := prefix(t)
	upstream := fakeopenrouter.New(t)
	home := newHome(t)
	home.writeEnv(t, notepadEnv(upstream, home.addr, false))
	t.Cleanup(func() { wine(t, w.exe, "stop", "--home", home.win) })
	cacheDir := filepath.Join(home.dir, "cache")

	// wine() gives the command a pipe for its output and fails the test
	// when the pipe stays open after the command ended.
	if r := wine(t, w.exe, "start", "--home", home.win); r.code != 0 || !strings.Contains(r.out, "is running") {
		t.Fatalf("start: exit %d\n%s", r.code, r.out)
	}
	for _, name := range []string{"daemon.pid", "daemon.log"} {
		if _, err := os.Stat(filepath.Join(cacheDir, name)); err != nil {
			t.Errorf("%s in CACHE_DIR: %v", name, err)
		}
	}
	waitHealthy(t, home.addr, nil)
	checkChats(t, home.addr)

	status := wine(t, w.exe, "status", "--home", home.win)
	firstServer := serverPID(status.out)
	if status.code != 0 || firstServer == 0 {
		t.Fatalf("status: exit %d, want 0 with the server's pid\n%s", status.code, status.out)
	}

	// A crash of the server: the supervisor starts another.
	if r := wine(t, "crash.exe", strconv.Itoa(firstServer)); r.code != 0 {
		t.Fatalf("crash.exe: exit %d\n%s", r.code, r.out)
	}
	waitFor(t, startupTimeout, "the supervisor to restart the killed server", func() bool {
		s := wine(t, w.exe, "status", "--home", home.win)
		pid := serverPID(s.out)
		return s.code == 0 && pid != 0 && pid != firstServer
	})
	waitHealthy(t, home.addr, nil)
	if log, _ := os.ReadFile(filepath.Join(cacheDir, "daemon.log")); !strings.Contains(string(log), "restart") {
		t.Errorf("daemon.log does not mention the restart:\n%s", log)
	}

	before := serverPID(wine(t, w.exe, "status", "--home", home.win).out)
	if r := wine(t, w.exe, "restart", "--home", home.win); r.code != 0 {
		t.Fatalf("restart: exit %d\n%s", r.code, r.out)
	}
	after := wine(t, w.exe, "status", "--home", home.win)
	if after.code != 0 || serverPID(after.out) == before {
		t.Errorf("after restart: exit %d, server pid %d (was %d)\n%s", after.code, serverPID(after.out), before, after.out)
	}
	waitHealthy(t, home.addr, nil)

	if r := wine(t, w.exe, "stop", "--home", home.win); r.code != 0 {
		t.Fatalf("stop: exit %d\n%s", r.code, r.out)
	}
	if r := wine(t, w.exe, "status", "--home", home.win); r.code != 1 || !strings.Contains(r.out, "not running") {
		t.Errorf("status after stop: exit %d, want 1 saying not running\n%s", r.code, r.out)
	}
	if _, ok := getHealth(home.addr); ok {
		t.Error("/health still answers after stop")
	}
}

// TestService_PipedStartReturns runs `freelane.exe start | more` in cmd: the
// command must return although the service it started keeps running.
func TestService_PipedStartReturns(t *testing.T) {
	w := prefix(t)
	upstream := fakeopenrouter.New(t)
	home := newHome(t)
	home.writeEnv(t, notepadEnv(upstream, home.addr, false))
	env := []string{"FREELANE_HOME=" + home.win}
	t.Cleanup(func() { wineWithEnv(t, env, w.exe, "stop") })
	script := filepath.Join(filepath.Dir(home.dir), "piped start.bat")
	bat := fmt.Sprintf("@echo off\r\n\"%s\" start | more\r\necho start returned %%errorlevel%%\r\n", winPath(w.exe))
	if err := os.WriteFile(script, []byte(bat), 0o600); err != nil {
		t.Fatal(err)
	}
	r := wineWithEnv(t, env, "cmd", "/c", winPath(script))
	if !strings.Contains(r.out, "is running") || !strings.Contains(r.out, "start returned 0") {
		t.Fatalf("start | more: exit %d\n%s", r.code, r.out)
	}
	waitHealthy(t, home.addr, nil)
}

// TestLaunchers runs the four .bat files of the portable folder from another
// working folder, as a double click in Explorer would.
func TestLaunchers(t *testing.T) {
	w := prefix(t)
	upstream := fakeopenrouter.New(t)
	home := newHome(t)
	home.writeEnv(t, notepadEnv(upstream, home.addr, false))
	portable := filepath.Join(filepath.Dir(home.dir), "Downloads", "freelane portable")
	if err := os.MkdirAll(portable, 0o700); err != nil {
		t.Fatal(err)
	}
	sources, _ := filepath.Glob("../*.bat")
	if len(sources) != 4 {
		t.Fatalf("want the four launchers in build/windows, found %v", sources)
	}
	for _, src := range append(sources, w.exe) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(portable, filepath.Base(src)), data, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"FREELANE_HOME=" + home.win}
	t.Cleanup(func() { wineWithEnv(t, env, filepath.Join(portable, "freelane.exe"), "stop") })
	launcher := func(name string) string { return winPath(filepath.Join(portable, name)) }

	if r := wineWithEnv(t, env, "cmd", "/c", launcher("start-service.bat")); !strings.Contains(r.out, "is running") {
		t.Fatalf("start-service.bat: exit %d\n%s", r.code, r.out)
	}
	waitHealthy(t, home.addr, nil)
	if r := wineWithEnv(t, env, "cmd", "/c", launcher("status.bat")); !strings.Contains(r.out, "is running") ||
		!strings.Contains(r.out, home.addr) {
		t.Errorf("status.bat: exit %d, want the service running at %s\n%s", r.code, home.addr, r.out)
	}
	if r := wineWithEnv(t, env, "cmd", "/c", launcher("stop-service.bat")); !strings.Contains(r.out, "stopped") {
		t.Errorf("stop-service.bat: exit %d\n%s", r.code, r.out)
	}
	if r := wineWithEnv(t, env, "cmd", "/c", launcher("status.bat")); !strings.Contains(r.out, "not running") {
		t.Errorf("status.bat after stop: exit %d\n%s", r.code, r.out)
	}

	p := startWine(t, env, "cmd", "/c", launcher("start-proxy.bat"))
	waitHealthy(t, home.addr, p)
	checkChats(t, home.addr)
	// Closing the console window ends the proxy; here, taskkill does.
	wine(t, "taskkill", "/F", "/IM", "freelane.exe")
	waitFor(t, 30*time.Second, "the console proxy to end", func() bool { _, ok := getHealth(home.addr); return !ok })
}

// TestServe_DashboardAnswersItsUser: on Windows the dashboard asks the OS
// which process owns the connection (GetExtendedTcpTable) and serves it to
// the user running Freelane. A Windows client of the same user gets the
// page; the API stays open as before.
func TestServe_DashboardAnswersItsUser(t *testing.T) {
	w := prefix(t)
	upstream := fakeopenrouter.New(t)
	home := newHome(t)
	home.writeEnv(t, notepadEnv(upstream, home.addr, false))
	p := startWine(t, nil, w.exe, "serve", "--home", home.win)
	waitHealthy(t, home.addr, p)
	_, port, err := net.SplitHostPort(home.addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/debug/stats", "/v1/models"} {
		r := wine(t, "httpget.exe", port, path)
		if r.code != 0 || strings.TrimSpace(strings.SplitN(r.out, "\n", 2)[0]) != "200" {
			t.Errorf("GET %s from a Windows process of the same user: exit %d, answer %q, want 200\n%s", path, r.code, r.out, p.out.String())
		}
	}
}
