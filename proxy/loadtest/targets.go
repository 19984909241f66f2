package loadtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy"
	"github.com/freelane/freelane/proxy/config"
)

// Target is one way to reach the upstream's chat endpoint.
type Target struct {
	Name string
	// ChatURL is the chat completions endpoint as a client calls it.
	ChatURL string
	// pids are the processes whose CPU time the target costs; empty when
	// it cannot be told apart from the harness (direct, in-process).
	pids []int
	stop func() error
}

// Close stops whatever the target started.
func (t *Target) Close() error {
	if t.stop == nil {
		return nil
	}
	return t.stop()
}

// Direct is the upstream itself: the baseline every other target is
// compared with.
func Direct(u *Upstream) *Target {
	return &Target{Name: "direct", ChatURL: u.URL() + ChatPath}
}

// freelaneEnv is the .env of a benchmarked Freelane: the concurrency cap is
// raised to its maximum so the limiter never queues; everything else is the
// default a user gets, including info-level logging of each call.
func freelaneEnv(u *Upstream, listen string) string {
	return strings.Join([]string{
		"OPENROUTER_API_KEY=sk-or-v1-bench-0000000000000000000000000000000000000000000000000000000000000000",
		"OPENROUTER_BASE_URL=" + u.BaseURL(),
		"LISTEN_ADDR=" + listen,
		"MAX_CONCURRENT_REQUESTS=1000",
		"PREFERRED_MODELS=" + BenchModel,
		"",
	}, "\n")
}

// FreelaneProcess is the real binary at bin, run headless (serve) with a
// fresh home in dir. Its standard error goes to a log file, as under the
// background service.
func FreelaneProcess(ctx context.Context, bin, dir string, u *Upstream) (*Target, error) {
	f, err := startFreelane(ctx, bin, dir, u, []string{"serve"}, nil)
	if err != nil {
		return nil, err
	}
	if _, err := waitReady(ctx, f.child, "http://"+f.addr+"/v1/models", servesBenchModel); err != nil {
		_ = f.stop()
		return nil, err
	}
	return &Target{Name: "freelane", ChatURL: "http://" + f.addr + "/v1/chat/completions", pids: []int{f.pid()}, stop: f.stop}, nil
}

// runningFreelane is a started Freelane binary.
type runningFreelane struct {
	*child
	addr    string
	started time.Time
	ready   time.Time
}

// startFreelane starts bin with args in home dir and waits for its first
// 200 from /health. extraEnv is added to a minimal environment.
func startFreelane(ctx context.Context, bin, dir string, u *Upstream, args, extraEnv []string) (*runningFreelane, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(freelaneEnv(u, addr)), 0o600); err != nil {
		return nil, fmt.Errorf("writing the benchmark .env: %w", err)
	}
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "FREELANE_HOME=" + dir}, extraEnv...)
	started := time.Now()
	c, err := startChild(dir, bin, args, env)
	if err != nil {
		return nil, err
	}
	ready, err := waitReady(ctx, c, "http://"+addr+"/health", statusOK)
	if err != nil {
		_ = c.stop()
		return nil, err
	}
	return &runningFreelane{child: c, addr: addr, started: started, ready: ready}, nil
}

// FreelaneInProcess runs Freelane inside the harness (no binary to build);
// its CPU time cannot be told apart from the harness's in /proc, but its
// goroutines carry the profiler label side=freelane.
func FreelaneInProcess(ctx context.Context, dir string, u *Upstream) (*Target, error) {
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(freelaneEnv(u, "127.0.0.1:0")), 0o600); err != nil {
		return nil, fmt.Errorf("writing the benchmark .env: %w", err)
	}
	noEnv := func(string) (string, bool) { return "", false }
	cfg, err := config.LoadWith(dir, noEnv)
	if err != nil {
		return nil, fmt.Errorf("loading the benchmark configuration: %w", err)
	}
	srv, err := proxy.New(cfg, proxy.Options{Version: "bench", Logger: slog.New(slog.DiscardHandler), Env: noEnv})
	if err != nil {
		return nil, fmt.Errorf("starting Freelane in process: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("listening for Freelane in process: %w", err)
	}
	// Served here rather than by srv.Listen so that the connection
	// goroutines (and the upstream ones they start) inherit the label.
	front := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	pprof.Do(runCtx, pprof.Labels("side", "freelane"), func(runCtx context.Context) {
		go func() { _ = front.Serve(ln) }()
		go func() { done <- srv.Run(runCtx) }()
	})
	addr := ln.Addr().String()
	t := &Target{Name: "freelane", ChatURL: "http://" + addr + "/v1/chat/completions", stop: func() error {
		_ = front.Close()
		cancel()
		return <-done
	}}
	if _, err := waitReady(ctx, nil, "http://"+addr+"/v1/models", servesBenchModel); err != nil {
		_ = t.Close()
		return nil, err
	}
	return t, nil
}

// Environment of the child that serves a bare reverse proxy (see RunChild).
const (
	childRoleEnv     = "FREELANE_BENCH_CHILD"
	childListenEnv   = "FREELANE_BENCH_LISTEN"
	childUpstreamEnv = "FREELANE_BENCH_UPSTREAM"
	roleReverseProxy = "reverseproxy"
)

// ReverseProxy is a bare httputil.ReverseProxy in front of the upstream, in
// its own process (this executable, re-run in the child role; see
// RunChild). Its transport keeps as many idle connections as the load has
// clients, as Freelane's does: with the default of two per host it would
// reconnect on most calls and be no fair baseline.
func ReverseProxy(ctx context.Context, dir string, u *Upstream) (*Target, error) {
	return startRole(ctx, dir, u, roleReverseProxy)
}

// RunChild serves the child role named in the environment, if any, and
// reports whether it did; the command and the test binary call it first
// thing. It returns only when the role could not start.
func RunChild() bool {
	var serve func(listen, upstream string) error
	switch role := os.Getenv(childRoleEnv); role {
	case roleReverseProxy:
		serve = serveReverseProxy
	case roleFloor:
		serve = serveFloor
	default:
		return false
	}
	if err := serve(os.Getenv(childListenEnv), os.Getenv(childUpstreamEnv)); err != nil {
		fmt.Fprintln(os.Stderr, os.Getenv(childRoleEnv)+":", err)
		os.Exit(1)
	}
	os.Exit(0)
	return true
}

func serveReverseProxy(listen, upstream string) error {
	target, err := url.Parse(upstream)
	if err != nil {
		return fmt.Errorf("parsing the upstream URL: %w", err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 1024
	transport.MaxIdleConnsPerHost = 1024
	rp := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport:     transport,
		FlushInterval: -1, // flush every write, as an SSE relay must
	}
	srv := &http.Server{Addr: listen, Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving the reverse proxy: %w", err)
	}
	return nil
}

// nginxConf proxies to the upstream with a keep-alive pool, no buffering
// (an SSE relay must not buffer) and no access log, one worker per core.
const nginxConf = `worker_processes auto;
daemon off;
master_process on;
user root;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	upstream instant {
		server %[2]s;
		keepalive 1024;
		keepalive_requests 1000000;
	}
	server {
		listen %[3]s;
		keepalive_requests 1000000;
		location / {
			proxy_pass http://instant;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_buffering off;
		}
	}
}
`

// NginxPath is the nginx binary on PATH, or "" when there is none.
func NginxPath() string {
	p, err := exec.LookPath("nginx")
	if err != nil {
		return ""
	}
	return p
}

// Nginx runs nginx at bin as a reverse proxy in front of the upstream.
func Nginx(ctx context.Context, bin, dir string, u *Upstream) (*Target, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dir = filepath.Join(dir, "nginx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the nginx folder: %w", err)
	}
	conf := fmt.Sprintf(nginxConf, dir, strings.TrimPrefix(u.URL(), "http://"), addr)
	if os.Geteuid() != 0 {
		conf = strings.Replace(conf, "user root;\n", "", 1)
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("writing nginx.conf: %w", err)
	}
	c, err := startChild(dir, bin, []string{"-p", dir, "-c", confPath, "-e", filepath.Join(dir, "error.log")},
		[]string{"PATH=" + os.Getenv("PATH")})
	if err != nil {
		return nil, err
	}
	if _, err := waitReady(ctx, c, "http://"+addr+"/api/v1/models", statusOK); err != nil {
		_ = c.stop()
		return nil, err
	}
	workers, err := childrenOf(c.pid())
	if err != nil {
		_ = c.stop()
		return nil, fmt.Errorf("finding the nginx workers: %w", err)
	}
	return &Target{Name: "nginx", ChatURL: "http://" + addr + ChatPath, pids: append([]int{c.pid()}, workers...), stop: c.stop}, nil
}
