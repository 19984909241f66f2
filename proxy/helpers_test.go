package proxy

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/internal/testpoll"
)

const testKey = "sk-or-v1-test-key"

// testProxy is a Freelane server in front of a fake OpenRouter, served on a
// loopback httptest server.
type testProxy struct {
	t     *testing.T
	srv   *Server
	front *httptest.Server
	fake  *fakeopenrouter.Server
	home  string
	logs  *syncBuffer
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newTestProxy starts Freelane against fake with env as the process
// environment (OPENROUTER_API_KEY and OPENROUTER_BASE_URL preset).
// Each of with adjusts the server's Options before it starts serving.
func newTestProxy(t *testing.T, fake *fakeopenrouter.Server, env map[string]string, with ...func(*Options)) *testProxy {
	t.Helper()
	if fake == nil {
		fake = fakeopenrouter.New(t)
	}
	vars := map[string]string{"OPENROUTER_BASE_URL": fake.BaseURL()}
	for k, v := range env {
		vars[k] = v
	}
	p := newTestProxyAt(t, t.TempDir(), vars, true, with...)
	p.fake = fake
	return p
}

// newTestProxyAt starts Freelane in home with env as the process
// environment (OPENROUTER_API_KEY preset) in front of env's
// OPENROUTER_BASE_URL, loading the catalog first when refresh is set.
func newTestProxyAt(t *testing.T, home string, env map[string]string, refresh bool, with ...func(*Options)) *testProxy {
	t.Helper()
	vars := map[string]string{
		"OPENROUTER_API_KEY": testKey,
		"LISTEN_ADDR":        "127.0.0.1:0",
	}
	for k, v := range env {
		vars[k] = v
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok && v != "" }
	cfg, err := config.LoadWith(home, lookup)
	if err != nil {
		t.Fatalf("loading config: %v", err)
	}
	logs := &syncBuffer{}
	opts := Options{
		Version: "test",
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Env:     lookup,
	}
	for _, f := range with {
		f(&opts)
	}
	srv, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if refresh {
		if err := srv.catalog.Refresh(t.Context()); err != nil {
			t.Fatalf("loading the free catalog from the fake: %v", err)
		}
	}
	front := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		front.Close()
		_ = srv.Close()
	})
	return &testProxy{t: t, srv: srv, front: front, home: home, logs: logs}
}

// post sends a raw request body to path and returns status, headers and body.
func (p *testProxy) post(path, body string, header ...string) (int, http.Header, []byte) {
	p.t.Helper()
	req, err := http.NewRequestWithContext(p.t.Context(), http.MethodPost, p.front.URL+path, strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return p.do(req)
}

func (p *testProxy) get(path string, header ...string) (int, http.Header, []byte) {
	p.t.Helper()
	req, err := http.NewRequestWithContext(p.t.Context(), http.MethodGet, p.front.URL+path, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return p.do(req)
}

func (p *testProxy) do(req *http.Request) (int, http.Header, []byte) {
	p.t.Helper()
	resp, err := p.front.Client().Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatalf("reading %s: %v", req.URL.Path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testpoll.Until(t, 10*time.Second, what, cond)
}

const helloBody = `{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}`

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// runProxyFromHome runs a Freelane configured only by <home>/.env (no
// process environment) the way main does: Run in the background, listening,
// with its catalog loaded. It stops when the test ends.
func runProxyFromHome(t *testing.T, home string) *Server {
	t.Helper()
	lookup := func(string) (string, bool) { return "", false }
	cfg, err := config.LoadWith(home, lookup)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler), Env: lookup})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	runDone := make(chan error, 1)
	go func() { runDone <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-runDone })
	select { // edits the test saves from now on are seen
	case <-srv.watching:
	case err := <-runDone:
		t.Fatalf("Run ended before watching the home folder: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not start watching the home folder within 10 s")
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the catalog", func() bool { return len(srv.catalog.Models()) > 0 })
	return srv
}

// skipOrFailInCI skips where a tool is missing on a developer's machine, but
// fails in CI, which must install it (.ci/run).
func skipOrFailInCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (required when CI is set)", why)
	}
	t.Skip(why)
}
