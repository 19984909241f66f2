//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// The crash suite runs the real binary the way it dies in real life: killed
// with SIGKILL under load, restarted on damaged files, started with a
// dangerous configuration. Every wait is polled against a deadline.

// crashWait bounds every wait for an effect of the binary.
const crashWait = 20 * time.Second

func TestBinarySurvivesCrashesAndDamage(t *testing.T) {
	bin := freelaneBinary(t)
	t.Run("sigkill_under_load", func(t *testing.T) { testKillUnderLoad(t, bin) })
	t.Run("damaged_files", func(t *testing.T) { testDamagedFiles(t, bin) })
	t.Run("refuses_open_listen_without_token", func(t *testing.T) { testOpenListenNeedsToken(t, bin) })
}

// flakyUpstream is the fake OpenRouter behind a switch that makes its model
// list fail, to prove a restarted Freelane serves from its cached catalog.
type flakyUpstream struct {
	fake       *fakeopenrouter.Server
	modelsDown atomic.Bool
	base       string
}

func newFlakyUpstream(t *testing.T) *flakyUpstream {
	u := &flakyUpstream{fake: fakeopenrouter.New(t)}
	target, err := url.Parse(u.fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	relay := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/models") && u.modelsDown.Load() {
			http.Error(w, `{"error":{"code":503,"message":"catalog down for the test"}}`, http.StatusServiceUnavailable)
			return
		}
		relay.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	u.base = front.URL + "/api/v1"
	return u
}

// freelaneServe is one `freelane serve` process.
type freelaneServe struct {
	cmd    *exec.Cmd
	addr   string
	out    *crashLog
	exited chan struct{}
	err    error
}

type crashLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *crashLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *crashLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `freelane serve` on home and addr with env added.
func startServe(t *testing.T, bin, home, addr, upstreamBase string, env ...string) *freelaneServe {
	t.Helper()
	return startServeEnv(t, bin, home, addr, append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"FREELANE_HOME=" + home,
		"LISTEN_ADDR=" + addr,
		"OPENROUTER_BASE_URL=" + upstreamBase,
		"OPENROUTER_API_KEY=" + fakeopenrouter.DefaultAPIKey,
	}, env...))
}

// startServeEnv runs `freelane serve` in home with exactly env.
func startServeEnv(t *testing.T, bin, home, addr string, env []string) *freelaneServe {
	t.Helper()
	p := &freelaneServe{addr: addr, out: &crashLog{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Dir = home
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting freelane: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("freelane output:\n%s", p.out)
		}
	})
	return p
}

func (p *freelaneServe) kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.exited
	}
}

// exitCode waits for the process to end on its own.
func (p *freelaneServe) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(crashWait):
		t.Fatalf("freelane did not exit\n%s", p.out)
	}
	var exitErr *exec.ExitError
	if errors.As(p.err, &exitErr) {
		return exitErr.ExitCode()
	}
	return 0
}

// healthReport is the part of /health the suite reads.
type healthReport struct {
	PID        int `json:"pid"`
	CallsToday int `json:"calls_today"`
	Catalog    struct {
		Models int    `json:"models"`
		Source string `json:"source"`
	} `json:"catalog"`
}

// waitHealthy polls /health until it answers, failing if the process exits.
func (p *freelaneServe) waitHealthy(t *testing.T) healthReport {
	t.Helper()
	var h healthReport
	crashPoll(t, "freelane to answer /health", func() bool {
		select {
		case <-p.exited:
			t.Fatalf("freelane exited (%v) instead of serving\n%s", p.err, p.out)
		default:
		}
		var ok bool
		h, ok = p.health()
		return ok
	})
	return h
}

func (p *freelaneServe) health() (healthReport, bool) {
	var h healthReport
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + p.addr + "/health")
	if err != nil {
		return h, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&h) != nil {
		return h, false
	}
	return h, true
}

// chatComplete sends one call and reports whether a complete answer
// arrived: a JSON body, or a stream through to [DONE].
func chatComplete(ctx context.Context, addr string, stream bool) (bool, error) {
	status, complete, err := chatStatus(ctx, addr, stream)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("status %d", status)
	}
	return complete, err
}

// chatStatus sends one call and returns its status and whether the answer
// was complete.
func chatStatus(ctx context.Context, addr string, stream bool) (int, bool, error) {
	body := `{"model":"auto","messages":[{"role":"user","content":"hi"}]}`
	if stream {
		body = `{"model":"auto","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		return 0, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, false, err
	}
	if resp.StatusCode != http.StatusOK || !stream {
		return resp.StatusCode, resp.StatusCode == http.StatusOK && json.Valid(answer), nil
	}
	return resp.StatusCode, bytes.HasSuffix(bytes.TrimSpace(answer), []byte("data: [DONE]")), nil
}

func testKillUnderLoad(t *testing.T, bin string) {
	up := newFlakyUpstream(t)
	up.fake.SetDefault("*", fakeopenrouter.Delay(2*time.Millisecond, fakeopenrouter.Answer("steady")))
	home := t.TempDir()
	addr := freeLoopbackAddr(t)
	cacheDir := filepath.Join(home, "cache")
	var finished int // complete answers the clients received, over all runs

	const rounds = 5
	for round := range rounds {
		p := startServe(t, bin, home, addr, up.base)
		h := p.waitHealthy(t)
		if round == 0 {
			crashPoll(t, "the free catalog to be cached", func() bool {
				_, err := os.Stat(filepath.Join(cacheDir, "models.json"))
				return err == nil
			})
			// From now on the catalog can only come from the cache.
			up.modelsDown.Store(true)
		} else {
			checkRestart(t, p, cacheDir, finished)
			if h.Catalog.Models == 0 || h.Catalog.Source != "cache" {
				t.Fatalf("round %d: catalog after restart = %+v, want the cached models", round, h.Catalog)
			}
		}

		// Load from a few clients, then SIGKILL at a random moment.
		var complete atomic.Int64
		ctx, stopLoad := context.WithCancel(t.Context())
		var load sync.WaitGroup
		for c := range 4 {
			load.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					if ok, _ := chatComplete(ctx, addr, (c+i)%2 == 0); ok {
						complete.Add(1)
					}
				}
			})
		}
		crashPoll(t, "calls to be answered before the kill", func() bool { return complete.Load() >= 3 })
		killAfter := time.Duration(50+rand.IntN(300)) * time.Millisecond
		select {
		case <-time.After(killAfter): // a random point in the load, not a synchronisation
		case <-p.exited:
			t.Fatalf("round %d: freelane died under load\n%s", round, p.out)
		}
		p.kill()
		stopLoad()
		load.Wait()
		finished += int(complete.Load())
		t.Logf("round %d: killed after %s of load, %d complete answers so far", round, killAfter, finished)
	}
	// A last start proves the final kill left usable files too.
	p := startServe(t, bin, home, addr, up.base)
	p.waitHealthy(t)
	checkRestart(t, p, cacheDir, finished)
	if ok, err := chatComplete(t.Context(), addr, false); !ok {
		t.Fatalf("no answer after %d kills: %v", rounds, err)
	}
	if n := up.fake.PaidCalls(); n != 0 {
		t.Errorf("%d calls reached a paid model", n)
	}
}

// summaryFields are the fields of CALLS_YYYYMMDD.json: the first seven in
// the order the original proxy wrote them.
var summaryFields = []string{"date", "total", "success", "failed", "timeout", "retry", "last_updated", "models", "journal_bytes"}

// checkRestart asserts that a restarted Freelane counts at least the calls
// the clients saw finish, in /health and in a well-formed summary file, and
// answers from its cached catalog.
func checkRestart(t *testing.T, p *freelaneServe, cacheDir string, finished int) {
	t.Helper()
	crashPoll(t, "/health to count the finished calls", func() bool {
		h, ok := p.health()
		return ok && h.CallsToday >= finished
	})
	var fields []string
	var total int
	crashPoll(t, "the call summary to cover the finished calls", func() bool {
		fields, total = readSummaryFields(t, cacheDir)
		return total >= finished
	})
	if !slices.Equal(fields, summaryFields) {
		t.Errorf("summary fields %v, want %v", fields, summaryFields)
	}
	if ok, err := chatComplete(t.Context(), p.addr, true); !ok {
		t.Errorf("no streamed answer after the restart (catalog from cache): %v", err)
	}
}

// readSummaryFields returns the top-level field names of today's summary,
// in file order, and its total. A missing file reads as no fields.
func readSummaryFields(t *testing.T, cacheDir string) ([]string, int) {
	t.Helper()
	path := filepath.Join(cacheDir, "CALLS_"+time.Now().Format("20060102")+".json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, -1
	}
	if err != nil {
		t.Fatal(err)
	}
	var summary struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatalf("%s is not valid JSON: %v\n%s", filepath.Base(path), err, data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var fields []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		fields = append(fields, key.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return fields, summary.Total
}

func testDamagedFiles(t *testing.T, bin string) {
	today := time.Now().Format("20060102")
	damages := []struct {
		name   string
		file   string // under the home folder
		damage func(old []byte) []byte
		// modelsDown makes the upstream catalog fail on the restart.
		modelsDown bool
		// reported is what the restart's warning must say.
		reported string
	}{
		{name: "stats_summary_garbage", file: "cache/CALLS_" + today + ".json",
			damage: func([]byte) []byte { return []byte(`{"date": "20`) }, reported: "unreadable call summary"},
		{name: "stats_summary_binary", file: "cache/CALLS_" + today + ".json",
			damage: func([]byte) []byte { return []byte{0x00, 0xff, 0xfe, '{'} }, reported: "unreadable call summary"},
		{name: "stats_journal_torn_line", file: "cache/CALLS_" + today + ".journal",
			damage: func(old []byte) []byte { return append(old, `{"time":"2026-01-01T10:00:00Z","mod`...) }, reported: "torn last line"},
		{name: "stats_journal_garbage_line", file: "cache/CALLS_" + today + ".journal",
			damage: func(old []byte) []byte { return append(old, "\x00\x00garbage\n"...) }, reported: "unreadable lines"},
		{name: "catalog_cache_half_written", file: "cache/models.json", modelsDown: true, reported: "catalog cache",
			damage: func(old []byte) []byte { return old[:len(old)/2] }},
		{name: "catalog_cache_garbage_upstream_up", file: "cache/models.json", reported: "catalog cache",
			damage: func([]byte) []byte { return []byte("not json at all") }},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			up := newFlakyUpstream(t)
			home := t.TempDir()
			addr := freeLoopbackAddr(t)

			// A clean run leaves real files behind.
			first := startServe(t, bin, home, addr, up.base)
			first.waitHealthy(t)
			crashPoll(t, "the free catalog", func() bool { h, ok := first.health(); return ok && h.Catalog.Models > 0 })
			const calls = 3
			for range calls {
				if ok, err := chatComplete(t.Context(), addr, false); !ok {
					t.Fatalf("call on the clean run: %v", err)
				}
			}
			crashPoll(t, "the catalog cache", func() bool {
				_, err := os.Stat(filepath.Join(home, "cache", "models.json"))
				return err == nil
			})
			if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code := first.exitCode(t); code != 0 {
				t.Fatalf("clean stop exited %d\n%s", code, first.out)
			}

			path := filepath.Join(home, d.file)
			old, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, d.damage(old), 0o600); err != nil {
				t.Fatal(err)
			}
			up.modelsDown.Store(d.modelsDown)

			second := startServe(t, bin, home, addr, up.base)
			h := second.waitHealthy(t)
			if strings.HasPrefix(d.name, "stats_journal") && h.CallsToday != calls {
				t.Errorf("calls today after a damaged journal = %d, want the %d intact ones", h.CallsToday, calls)
			}
			if d.modelsDown {
				// No usable cache and no upstream list: the proxy still runs
				// and says so with a clear 503 (the list is retried later).
				status, _, err := chatStatus(t.Context(), addr, false)
				if err != nil || status != http.StatusServiceUnavailable || h.Catalog.Models != 0 {
					t.Fatalf("without any catalog: status %d (%v), catalog %+v", status, err, h.Catalog)
				}
			} else if ok, err := chatComplete(t.Context(), addr, true); !ok {
				t.Fatalf("no answer after restarting on a damaged %s: %v\n%s", d.file, err, second.out)
			}
			crashPoll(t, "the new call to be counted", func() bool {
				h, ok := second.health()
				return ok && h.CallsToday >= 1
			})
			if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code := second.exitCode(t); code != 0 {
				t.Errorf("stop after recovery exited %d", code)
			}
			if fields, _ := readSummaryFields(t, filepath.Join(home, "cache")); !slices.Equal(fields, summaryFields) {
				t.Errorf("summary after recovery has fields %v", fields)
			}
			if log := second.out.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, d.reported) {
				t.Errorf("the damage was not reported (want a warning with %q):\n%s", d.reported, log)
			}
			if strings.Contains(second.out.String(), "panic") {
				t.Errorf("the restart panicked:\n%s", second.out)
			}
		})
	}

	for _, bad := range []struct{ name, env, want string }{
		{"invalid_value", "MAX_CONCURRENT_REQUESTS=lots\n", "MAX_CONCURRENT_REQUESTS"},
		{"unterminated_quote", "OPENROUTER_API_KEY=\"sk-or-v1-half-written\nLOG_LEVEL=info\n", ".env"},
		{"binary_garbage", "\x00\xff\xfe=\x01\n", ".env"},
	} {
		t.Run("env_"+bad.name, func(t *testing.T) {
			up := newFlakyUpstream(t)
			home := t.TempDir()
			if err := os.WriteFile(filepath.Join(home, ".env"), []byte(bad.env), 0o600); err != nil {
				t.Fatal(err)
			}
			p := startServe(t, bin, home, freeLoopbackAddr(t), up.base)
			if code := p.exitCode(t); code == 0 {
				t.Fatalf("started on a broken .env\n%s", p.out)
			}
			out := p.out.String()
			if !strings.Contains(out, bad.want) || strings.Contains(out, "panic") {
				t.Errorf("the refusal does not say what is wrong (want %q):\n%s", bad.want, out)
			}
			if strings.Contains(out, "sk-or-v1-half-written") {
				t.Errorf("the refusal prints the key:\n%s", out)
			}
		})
	}
}

func testOpenListenNeedsToken(t *testing.T, bin string) {
	up := newFlakyUpstream(t)
	_, port, err := net.SplitHostPort(freeLoopbackAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	open := "0.0.0.0:" + port
	p := startServe(t, bin, t.TempDir(), open, up.base)
	if code := p.exitCode(t); code == 0 {
		t.Fatalf("freelane started on %s without FREELANE_TOKEN\n%s", open, p.out)
	}
	if out := p.out.String(); !strings.Contains(out, "FREELANE_TOKEN") {
		t.Errorf("the refusal does not say FREELANE_TOKEN is needed:\n%s", out)
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second); err == nil {
		conn.Close()
		t.Error("something listens on the port after the refusal")
	}

	// With a token it starts, and the token is required.
	const token = "a-long-enough-test-token-1234"
	p = startServe(t, bin, t.TempDir(), open, up.base, "FREELANE_TOKEN="+token)
	local := &freelaneServe{addr: "127.0.0.1:" + port, exited: p.exited, out: p.out}
	crashPoll(t, "freelane on "+open, func() bool {
		select {
		case <-p.exited:
			t.Fatalf("freelane exited with a token set (%v)\n%s", p.err, p.out)
		default:
		}
		resp, err := http.Get("http://" + local.addr + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusUnauthorized
	})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+local.addr+"/health", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/health with the token: %d", resp.StatusCode)
	}
}

// crashPoll polls cond every 20ms until it holds, failing after crashWait.
func crashPoll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	pollUntil(t, crashWait, what, cond)
}
