package upstream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const testKey = "sk-or-v1-test-secret-key"

// recordedRequest is what fakeUpstream saw.
type recordedRequest struct {
	method, path string
	header       http.Header
	body         string
}

// fakeUpstream records requests and answers with handler.
type fakeUpstream struct {
	mu       sync.Mutex
	requests []recordedRequest
}

func (f *fakeUpstream) record(r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, recordedRequest{r.Method, r.URL.Path, r.Header.Clone(), string(body)})
}

func (f *fakeUpstream) seen() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.requests...)
}

func newTestClient(t *testing.T, base string, mutate func(*Options)) *Client {
	t.Helper()
	o := Options{BaseURL: base, APIKey: testKey}
	if mutate != nil {
		mutate(&o)
	}
	c := New(o)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestNew_TransportTuning(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, "https://openrouter.ai/api/v1", nil)
	if c.http.Timeout != 0 {
		t.Errorf("client Timeout = %v; an overall timeout would cut long streams", c.http.Timeout)
	}
	if c.transport == http.DefaultTransport.(*http.Transport) {
		t.Error("uses http.DefaultTransport")
	}
	tr := c.transport
	if tr.MaxIdleConnsPerHost < 100 || !tr.ForceAttemptHTTP2 || tr.ResponseHeaderTimeout != DefaultResponseHeaderTimeout || tr.DisableKeepAlives {
		t.Errorf("transport = MaxIdleConnsPerHost %d, HTTP2 %v, ResponseHeaderTimeout %v, DisableKeepAlives %v",
			tr.MaxIdleConnsPerHost, tr.ForceAttemptHTTP2, tr.ResponseHeaderTimeout, tr.DisableKeepAlives)
	}
}

func TestChatCompletions_SendsHeadersAndBody(t *testing.T) {
	t.Parallel()
	var fake fakeUpstream
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.record(r)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"choices":[]}`)
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL+"/api/v1", func(o *Options) { o.UserAgent = "Freelane/test" })

	body := `{"model":"m:free","messages":[{"role":"user","content":"hi"}]}`
	ctx := t.Context()
	// Twice: every request starts from the same header, untouched by the
	// requests before it.
	const calls = 2
	for range calls {
		resp, err := c.ChatCompletions(ctx, []byte(body))
		if err != nil {
			t.Fatalf("ChatCompletions: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status = %d", resp.StatusCode)
		}
	}
	reqs := fake.seen()
	if len(reqs) != calls {
		t.Fatalf("upstream saw %d requests, want %d", len(reqs), calls)
	}
	wantHeaders := map[string]string{
		"Authorization":      "Bearer " + testKey,
		"Content-Type":       "application/json",
		"Accept":             "application/json, text/event-stream",
		"Http-Referer":       "https://github.com/freelane/freelane",
		"X-Openrouter-Title": "Freelane",
		"X-Title":            "Freelane",
		"User-Agent":         "Freelane/test",
	}
	for i, got := range reqs {
		if got.method != http.MethodPost || got.path != "/api/v1/chat/completions" || got.body != body {
			t.Errorf("request %d = %s %s %q", i, got.method, got.path, got.body)
		}
		for name, want := range wantHeaders {
			if v := got.header.Values(name); len(v) != 1 || v[0] != want {
				t.Errorf("request %d: header %s = %q, want %q", i, name, v, want)
			}
		}
		if got.header.Get("Cookie") != "" {
			t.Errorf("request %d: unexpected Cookie header", i)
		}
	}
}

func BenchmarkChatCompletions_Request(b *testing.B) {
	c := New(Options{BaseURL: "https://openrouter.ai/api/v1", APIKey: testKey})
	body := []byte(`{"model":"m:free","messages":[{"role":"user","content":"hi"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.newRequest(b.Context(), http.MethodPost, "/chat/completions", body, c.chatHeader); err != nil {
			b.Fatal(err)
		}
	}
}

func TestChatCompletions_ReturnsErrorStatusAsIs(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, providerLimitBody)
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL, nil)
	resp, err := c.ChatCompletions(t.Context(), []byte(`{}`))
	if err != nil {
		t.Fatalf("ChatCompletions: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("status = %d, want 429", resp.StatusCode)
	}
}

func TestChatCompletions_NoKeyNeverCallsUpstream(t *testing.T) {
	t.Parallel()
	var fake fakeUpstream
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fake.record(r) }))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL, func(o *Options) { o.APIKey = "" })
	_, err := c.ChatCompletions(t.Context(), []byte(`{}`))
	var ue *Error
	if !errors.As(err, &ue) || ue.Kind != KindAuth {
		t.Errorf("error = %v, want KindAuth", err)
	}
	if n := len(fake.seen()); n != 0 {
		t.Errorf("upstream saw %d requests", n)
	}
}

func TestChatCompletions_HeaderTimeoutIsKindTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Never answers; the client gives up first. Reading the body lets
		// the server notice the closed connection and cancel r.Context().
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL, func(o *Options) { o.ResponseHeaderTimeout = 50 * time.Millisecond })
	_, err := c.ChatCompletions(t.Context(), []byte(`{}`))
	assertKind(t, err, KindTimeout)
}

func TestChatCompletions_ContextDeadlineIsKindTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.ChatCompletions(ctx, []byte(`{}`))
	assertKind(t, err, KindTimeout)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
}

func TestChatCompletions_RefusedConnectionIsKindUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, "http://"+addr+"/api/v1", nil)
	_, err = c.ChatCompletions(t.Context(), []byte(`{}`))
	assertKind(t, err, KindUnreachable)
}

// A redirect from OpenRouter's address would re-send the prompt (and, to
// the same host, the key) elsewhere: it is an error, never followed.
func TestClient_DoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var elsewhere fakeUpstream
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.record(r)
		_, _ = io.WriteString(w, `{"data":[]}`)
	}))
	t.Cleanup(target.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+r.URL.Path, status)
		}))
		t.Cleanup(srv.Close)
		c := newTestClient(t, srv.URL, nil)
		resp, err := c.ChatCompletions(t.Context(), []byte(`{"messages":[{"role":"user","content":"secret prompt"}]}`))
		if err == nil {
			resp.Body.Close()
		}
		assertKind(t, err, KindNetwork)
		if err != nil && !strings.Contains(err.Error(), "redirect") {
			t.Errorf("%d: error %q does not say it was a redirect", status, err)
		}
		_, err = c.Models(t.Context())
		assertKind(t, err, KindNetwork)
	}
	if n := len(elsewhere.seen()); n != 0 {
		t.Errorf("the redirect target received %d requests, want none", n)
	}
}

func TestChatCompletions_LongStreamNotCut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "data: second\n\n")
	}))
	t.Cleanup(srv.Close)
	// A response header timeout far shorter than the stream must not matter
	// once headers have arrived.
	c := newTestClient(t, srv.URL, func(o *Options) { o.ResponseHeaderTimeout = 20 * time.Millisecond })
	resp, err := c.ChatCompletions(t.Context(), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := NewEventReader(resp.Body, 1024)
	if ev, err := events.Next(); err != nil || string(ev.Data) != "first" {
		t.Fatalf("first event = %q, %v", ev.Data, err)
	}
	// Wait well past the header timeout before letting the stream go on.
	<-time.After(100 * time.Millisecond)
	close(release)
	if ev, err := events.Next(); err != nil || string(ev.Data) != "second" {
		t.Fatalf("second event = %q, %v", ev.Data, err)
	}
}

func TestTransportErrors_NeverContainKey(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newTestClient(t, "http://"+addr, nil)
	_, err1 := c.ChatCompletions(t.Context(), []byte(`{}`))
	_, err2 := c.Models(t.Context())
	_, err3 := c.Key(t.Context())
	for _, err := range []error{err1, err2, err3} {
		if err == nil {
			t.Fatal("expected an error")
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("error leaks the key: %v", err)
		}
	}
	// The redaction itself, for errors whose text would carry the key.
	e := c.transportError("POST chat/completions", errors.New("weird failure near "+testKey))
	if strings.Contains(e.Error(), testKey) || !strings.Contains(e.Error(), "[redacted]") {
		t.Errorf("transportError = %q", e.Error())
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	const catalog = `{"data":[{"id":"a:free","pricing":{"prompt":"0","completion":"0"}}]}`
	var fake fakeUpstream
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.record(r)
		if r.URL.Path != "/api/v1/models" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, catalog)
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL+"/api/v1", nil)
	got, err := c.Models(t.Context())
	if err != nil {
		t.Fatalf("Models: %v", err)
	}
	if string(got) != catalog {
		t.Errorf("Models = %s", got)
	}
	if reqs := fake.seen(); len(reqs) != 1 || reqs[0].method != http.MethodGet || reqs[0].header.Get("X-Title") != "Freelane" {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestGet_NonOKAndOversize(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, _ = io.WriteString(w, strings.Repeat("x", 100))
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, authBody)
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL, nil)
	_, err := c.Models(t.Context())
	assertKind(t, err, KindAuth)
	if _, err := c.get(t.Context(), "/big", 10); err == nil || !strings.Contains(err.Error(), "more than 10 bytes") {
		t.Errorf("oversize error = %v", err)
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want KeyInfo
	}{
		{"with_free_daily", `{"data":{"label":"sk-or-v1-au7...890","is_free_tier":true,"usage":0,"free_model_daily_requests":{"limit":50,"remaining":38,"used":12}}}`,
			KeyInfo{Label: "sk-or-v1-au7...890", IsFreeTier: true, FreeDaily: &FreeDaily{Used: 12, Limit: 50, Remaining: 38}}},
		{"without_free_daily", `{"data":{"label":"sk-or-v1-abc...def","is_free_tier":false,"limit":null,"rate_limit":{"requests":-1,"interval":"10s"}}}`,
			KeyInfo{Label: "sk-or-v1-abc...def"}},
		{"float_counts", `{"data":{"label":"l","free_model_daily_requests":{"limit":1000.0,"remaining":999,"used":1}}}`,
			KeyInfo{Label: "l", FreeDaily: &FreeDaily{Used: 1, Limit: 1000, Remaining: 999}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/v1/key" || r.Header.Get("Authorization") != "Bearer "+testKey {
					t.Errorf("request %s with Authorization %q", r.URL.Path, r.Header.Get("Authorization"))
				}
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			got, err := newTestClient(t, srv.URL+"/api/v1", nil).Key(t.Context())
			if err != nil {
				t.Fatalf("Key: %v", err)
			}
			if got.Label != tt.want.Label || got.IsFreeTier != tt.want.IsFreeTier || (got.FreeDaily == nil) != (tt.want.FreeDaily == nil) ||
				(got.FreeDaily != nil && *got.FreeDaily != *tt.want.FreeDaily) {
				t.Errorf("Key = %+v (free %+v), want %+v (free %+v)", got, got.FreeDaily, tt.want, tt.want.FreeDaily)
			}
		})
	}
}

func TestProxy_HTTPSThroughConnect(t *testing.T) {
	t.Parallel()
	type connect struct{ method, host, auth string }
	seen := make(chan connect, 1)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- connect{r.Method, r.Host, r.Header.Get("Authorization")}
		http.Error(w, "no tunnels here", http.StatusForbidden)
	}))
	t.Cleanup(proxy.Close)
	c := newTestClient(t, "https://openrouter.example/api/v1", func(o *Options) { o.HTTPSProxy = proxy.URL })
	_, err := c.ChatCompletions(t.Context(), []byte(`{}`))
	assertKind(t, err, KindNetwork)
	select {
	case got := <-seen:
		if got.method != http.MethodConnect || got.host != "openrouter.example:443" {
			t.Errorf("proxy saw %s %s", got.method, got.host)
		}
		if got.auth != "" {
			t.Errorf("the API key was sent to the proxy")
		}
	default:
		t.Fatal("the request did not go through the proxy")
	}
}

func TestProxy_Selection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      Options
		target    string
		wantProxy string
	}{
		{"https_proxy", Options{HTTPSProxy: "http://proxy.lan:3128"}, "https://openrouter.ai/api/v1/models", "http://proxy.lan:3128"},
		{"http_proxy_not_used_for_https", Options{HTTPProxy: "http://proxy.lan:3128"}, "https://openrouter.ai/api/v1/models", ""},
		{"no_proxy_domain", Options{HTTPSProxy: "http://proxy.lan:3128", NoProxy: "openrouter.ai"}, "https://openrouter.ai/api/v1/models", ""},
		{"no_proxy_other_domain", Options{HTTPSProxy: "http://proxy.lan:3128", NoProxy: "example.com"}, "https://openrouter.ai/api/v1/models", "http://proxy.lan:3128"},
		{"none", Options{}, "https://openrouter.ai/api/v1/models", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := tt.opts
			o.BaseURL = "https://openrouter.ai/api/v1"
			c := New(o)
			u, _ := url.Parse(tt.target)
			got, err := c.transport.Proxy(&http.Request{URL: u})
			if err != nil {
				t.Fatal(err)
			}
			gotStr := ""
			if got != nil {
				gotStr = got.String()
			}
			if gotStr != tt.wantProxy {
				t.Errorf("proxy = %q, want %q", gotStr, tt.wantProxy)
			}
		})
	}
}

func assertKind(t *testing.T, err error, want Kind) {
	t.Helper()
	var ue *Error
	if !errors.As(err, &ue) {
		t.Fatalf("error = %v (%T), want *Error of kind %v", err, err, want)
	}
	if ue.Kind != want {
		t.Errorf("Kind = %v, want %v (%v)", ue.Kind, want, err)
	}
	if strings.Contains(ue.Error(), testKey) {
		t.Errorf("error leaks the key: %v", ue)
	}
}

// TestTransportError_Unreachable classifies the errors net/http returns for
// a call that never reached OpenRouter, and for calls that did. The dial
// timeout is built by hand: no address times out deterministically.
func TestTransportError_Unreachable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"connection_refused", refused, KindUnreachable},
		{"dial_timeout", dialTimeout, KindUnreachable},
		{"proxy_refused", &net.OpError{Op: "proxyconnect", Net: "tcp", Err: refused}, KindUnreachable},
		{"proxy_dial_timeout", &net.OpError{Op: "proxyconnect", Net: "tcp", Err: dialTimeout}, KindUnreachable},
		{"name_not_resolved", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "openrouter.ai", IsNotFound: true}}, KindUnreachable},
		{"reset_while_reading", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, KindNetwork},
		{"read_timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, KindTimeout},
		{"request_timeout", context.DeadlineExceeded, KindTimeout},
	}
	c := newTestClient(t, "https://openrouter.ai/api/v1", nil)
	for _, tt := range tests {
		// As a failed Do returns it: *url.Error around the cause.
		err := &url.Error{Op: "Post", URL: "https://openrouter.ai/api/v1/chat/completions", Err: tt.err}
		if got := c.transportError("POST chat/completions", err).Kind; got != tt.want {
			t.Errorf("%s: kind %v, want %v", tt.name, got, tt.want)
		}
	}
}
