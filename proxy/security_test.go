package proxy

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// The security suite: Freelane listens on loopback unless told otherwise,
// refuses to listen elsewhere without a token, and guards every endpoint
// (proxied and dashboard) against other hosts, other sites and, with a
// token, anyone without it.

const securityToken = "a-long-enough-test-token-1234"

// endpoint is one route of the HTTP surface, with a body that it accepts.
type endpoint struct{ method, path, body string }

// everyEndpoint lists the whole surface: the proxied API under both prefixes,
// /health, the dashboard page, its JSON views and its writes, and a path that
// does not exist.
func everyEndpoint() []endpoint {
	return []endpoint{
		{http.MethodPost, "/v1/chat/completions", helloBody},
		{http.MethodPost, "/chat/completions", helloBody},
		{http.MethodGet, "/v1/models", ""},
		{http.MethodGet, "/models", ""},
		{http.MethodGet, "/v1/models/" + gemma, ""},
		{http.MethodGet, "/health", ""},
		{http.MethodGet, "/", ""},
		{http.MethodGet, "/debug", ""},
		{http.MethodGet, "/debug/stats", ""},
		{http.MethodGet, "/debug/status", ""},
		{http.MethodGet, "/debug/concurrency", ""},
		{http.MethodGet, "/debug/models", ""},
		{http.MethodGet, "/debug/requests", ""},
		{http.MethodGet, "/debug/mode", ""},
		{http.MethodGet, "/debug/events", ""},
		{http.MethodPut, "/debug/mode", `{"debug":true}`},
		{http.MethodPut, "/debug/models/preferred", `{"models":[]}`},
		{http.MethodGet, "/no/such/path", ""},
	}
}

// statusOf sends one request and returns its status and headers without
// waiting for the body (the event stream never ends on its own).
func statusOf(t *testing.T, p *testProxy, e endpoint, edit func(*http.Request)) (int, http.Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), clientDeadline)
	defer cancel()
	var body io.Reader
	if e.body != "" {
		body = strings.NewReader(e.body)
	}
	req, err := http.NewRequestWithContext(ctx, e.method, p.front.URL+e.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if e.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if edit != nil {
		edit(req)
	}
	resp, err := p.front.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", e.method, e.path, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func TestSecurity_LoopbackByDefault(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	cfg, err := config.LoadWith(t.TempDir(), none)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Loopback() || !strings.HasPrefix(cfg.ListenAddr, "127.0.0.1:") {
		t.Errorf("default LISTEN_ADDR = %q, want loopback", cfg.ListenAddr)
	}

	for _, addr := range []string{"0.0.0.0:5000", "[::]:5000", ":5000", "192.168.1.10:5000"} {
		env := func(k string) (string, bool) {
			if k == "LISTEN_ADDR" {
				return addr, true
			}
			return "", false
		}
		_, err := config.LoadWith(t.TempDir(), env)
		if err == nil || !strings.Contains(err.Error(), "FREELANE_TOKEN") {
			t.Errorf("LISTEN_ADDR=%s without a token: err = %v, want a refusal naming FREELANE_TOKEN", addr, err)
		}
		withToken := func(k string) (string, bool) {
			if k == "FREELANE_TOKEN" {
				return securityToken, true
			}
			return env(k)
		}
		if _, err := config.LoadWith(t.TempDir(), withToken); err != nil {
			t.Errorf("LISTEN_ADDR=%s with a token: %v", addr, err)
		}
	}
}

func TestSecurity_TokenGuardsEveryEndpoint(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"FREELANE_TOKEN": securityToken})
	for _, e := range everyEndpoint() {
		t.Run(e.method+e.path, func(t *testing.T) {
			refusals := map[string]func(*http.Request){
				"no_token":    nil,
				"wrong_token": func(r *http.Request) { r.Header.Set("Authorization", "Bearer not-the-token-at-all-000") },
				"token_as_basic_auth": func(r *http.Request) {
					r.SetBasicAuth("freelane", securityToken)
				},
				"wrong_cookie": func(r *http.Request) { r.AddCookie(&http.Cookie{Name: tokenCookie, Value: "nope"}) },
				"token_in_query_off_dashboard": func(r *http.Request) {
					if !strings.HasPrefix(r.URL.Path, "/debug") || r.Method != http.MethodGet {
						q := r.URL.Query()
						q.Set("token", securityToken)
						r.URL.RawQuery = q.Encode()
					}
				},
			}
			for name, edit := range refusals {
				status, h := statusOf(t, p, e, edit)
				if status != http.StatusUnauthorized || !strings.Contains(h.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: status %d (WWW-Authenticate %q), want 401", name, status, h.Get("WWW-Authenticate"))
				}
			}
			accepted := map[string]func(*http.Request){
				"bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+securityToken) },
				// The auth scheme is case-insensitive (RFC 9110).
				"bearer_lower_case": func(r *http.Request) { r.Header.Set("Authorization", "bearer "+securityToken) },
				"cookie_from_the_dashboard": func(r *http.Request) {
					r.AddCookie(&http.Cookie{Name: tokenCookie, Value: securityToken})
					r.Header.Set("Origin", p.front.URL)
				},
			}
			for name, edit := range accepted {
				if status, _ := statusOf(t, p, e, edit); status == http.StatusUnauthorized || status == http.StatusForbidden {
					t.Errorf("%s: status %d with the right token", name, status)
				}
			}
		})
	}
	// Refused calls never reached upstream: only the accepted chat calls did.
	if n := len(p.fake.Requests()); n != 6 {
		t.Errorf("%d upstream calls, want 6 (two chat routes, two bearer spellings and the cookie)", n)
	}
}

// Browsers send the token cookie to every port of 127.0.0.1: a page served
// by another local server must not spend the quota with it.
func TestSecurity_TokenCookieIsNotAnAPIKeyForOtherPages(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"FREELANE_TOKEN": securityToken})
	cookie := &http.Cookie{Name: tokenCookie, Value: securityToken}
	for _, e := range everyEndpoint() {
		if !isAPIPath(e.path) {
			continue
		}
		t.Run(e.method+e.path, func(t *testing.T) {
			for name, edit := range map[string]func(*http.Request){
				"page_on_another_port": func(r *http.Request) {
					r.AddCookie(cookie)
					r.Header.Set("Origin", "http://127.0.0.1:3000")
				},
				"no_origin": func(r *http.Request) { r.AddCookie(cookie) },
			} {
				if status, _ := statusOf(t, p, e, edit); status != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", name, status)
				}
			}
		})
	}
	if n := len(p.fake.Requests()); n != 0 {
		t.Errorf("%d upstream calls, want none", n)
	}
}

func TestSecurity_HostAndOriginGuardEveryEndpoint(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"ALLOWED_ORIGINS": "https://app.example"})
	refusals := map[string]func(*http.Request){
		"dns_rebinding_host":     func(r *http.Request) { r.Host = "evil.example:5000" },
		"rebinding_host_no_port": func(r *http.Request) { r.Host = "evil.example" },
		"cross_site_origin":      func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
		"lookalike_origin":       func(r *http.Request) { r.Header.Set("Origin", "https://app.example.evil.example") },
		"null_origin":            func(r *http.Request) { r.Header.Set("Origin", "null") },
		"cross_site_fetch":       func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
	}
	for _, e := range everyEndpoint() {
		t.Run(e.method+e.path, func(t *testing.T) {
			for name, edit := range refusals {
				if status, _ := statusOf(t, p, e, edit); status != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", name, status)
				}
			}
			for name, edit := range map[string]func(*http.Request){
				"plain":       nil,
				"localhost":   func(r *http.Request) { r.Host = "localhost:5000" },
				"same_origin": func(r *http.Request) { r.Header.Set("Origin", p.front.URL) },
			} {
				if status, _ := statusOf(t, p, e, edit); status == http.StatusForbidden || status == http.StatusUnauthorized {
					t.Errorf("%s: refused with %d", name, status)
				}
			}
			// ALLOWED_ORIGINS opens the API only: the dashboard (and
			// anything else) still refuses the listed site.
			status, _ := statusOf(t, p, e, func(r *http.Request) { r.Header.Set("Origin", "https://app.example") })
			if refused := status == http.StatusForbidden; refused == isAPIPath(e.path) {
				t.Errorf("allowed_origin: status %d on %s", status, e.path)
			}
		})
	}
}

func TestSecurity_CrossSiteCannotSwitchDebugMode(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	on := endpoint{http.MethodPut, "/debug/mode", `{"debug":true}`}
	for name, edit := range map[string]func(*http.Request){
		"foreign_origin":   func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
		"cross_site_fetch": func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
		"cross_site_navigate": func(r *http.Request) {
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			r.Header.Set("Sec-Fetch-Mode", "navigate")
		},
		"rebinding_host": func(r *http.Request) { r.Host = "evil.example" },
	} {
		if status, _ := statusOf(t, p, on, edit); status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, status)
		}
	}
	if p.srv.Debug() {
		t.Fatal("a cross-site request switched debug mode on")
	}
	if _, err := os.Stat(filepath.Join(p.home, config.DebugFileName)); err == nil {
		t.Fatal("a cross-site request created DEBUG_MODE.txt")
	}
	// The same request from the dashboard itself works, so the refusals
	// above were the guard's doing.
	if status, _ := statusOf(t, p, on, func(r *http.Request) { r.Header.Set("Origin", p.front.URL) }); status != http.StatusOK {
		t.Fatalf("same-origin switch: status %d", status)
	}
	if !p.srv.Debug() {
		t.Error("the same-origin switch did not take")
	}
}

func TestSecurity_AllowedOriginGetsCORS(t *testing.T) {
	const app = "https://app.example"
	p := newTestProxy(t, nil, map[string]string{"ALLOWED_ORIGINS": app, "FREELANE_TOKEN": securityToken})
	chat := endpoint{http.MethodPost, "/v1/chat/completions", helloBody}
	preflight := endpoint{http.MethodOptions, "/v1/chat/completions", ""}
	asBrowser := func(origin string, more func(*http.Request)) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Origin", origin)
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			r.Header.Set("Sec-Fetch-Mode", "cors")
			if more != nil {
				more(r)
			}
		}
	}

	// Browsers send the preflight without credentials.
	status, h := statusOf(t, p, preflight, asBrowser(app, func(r *http.Request) {
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	}))
	if status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != app {
		t.Fatalf("preflight: %d, Allow-Origin %q", status, h.Get("Access-Control-Allow-Origin"))
	}
	if !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "content-type") {
		t.Errorf("preflight allows methods %q, headers %q", h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Allow-Headers"))
	}

	withToken := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+securityToken) }
	status, h = statusOf(t, p, chat, asBrowser(app, withToken))
	if status != http.StatusOK || h.Get("Access-Control-Allow-Origin") != app {
		t.Errorf("allowed origin with the token: %d, Allow-Origin %q", status, h.Get("Access-Control-Allow-Origin"))
	}
	if status, _ := statusOf(t, p, chat, asBrowser(app, nil)); status != http.StatusUnauthorized {
		t.Errorf("allowed origin without the token: %d, want 401", status)
	}

	// Any other site gets neither a preflight nor an answer.
	status, h = statusOf(t, p, preflight, asBrowser("https://evil.example", func(r *http.Request) {
		r.Header.Set("Access-Control-Request-Method", "POST")
	}))
	if status != http.StatusForbidden || h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign preflight: %d, Allow-Origin %q", status, h.Get("Access-Control-Allow-Origin"))
	}
	if status, _ := statusOf(t, p, chat, asBrowser("https://evil.example", withToken)); status != http.StatusForbidden {
		t.Errorf("foreign origin even with the token: %d, want 403", status)
	}
	if n := len(p.fake.Requests()); n != 1 {
		t.Errorf("%d upstream calls, want 1 (the allowed one)", n)
	}
}

// TestSecurity_KeyEchoedByUpstreamIsRedacted covers an upstream (or a proxy
// in between) that quotes the Authorization header back in an error: the
// key must still not reach the client, the log, the statistics or a dump.
func TestSecurity_KeyEchoedByUpstreamIsRedacted(t *testing.T) {
	fake := fakeopenrouter.New(t)
	errorStatus := frontedFake(t, fake, "", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", auth)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"code":400,"message":"Malformed header: `+auth+`"}}`)
	})
	errorEvent := frontedFake(t, fake, "", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, `data: {"id":"gen-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"partial"}}]}`+"\n\n")
		_, _ = io.WriteString(w, `data: {"id":"gen-1","object":"chat.completion.chunk","error":{"code":502,"message":"upstream said `+auth+`"},"choices":[{"index":0,"delta":{},"finish_reason":"error"}]}`+"\n\n")
	})

	for _, tc := range []struct {
		name, base, body string
		status           int
	}{
		{"error_status", errorStatus, helloBody, http.StatusBadRequest},
		{"error_status_stream", errorStatus, streamHello, http.StatusBadRequest},
		{"error_event_mid_stream", errorEvent, streamHello, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProxy(t, fake, map[string]string{"OPENROUTER_BASE_URL": tc.base})
			if err := p.srv.SetDebug(true); err != nil {
				t.Fatal(err)
			}
			status, h, answer := postWithin(t, p, tc.body, clientDeadline)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, answer)
			}
			eventually(t, "the call to be counted", func() bool { return p.srv.stats.Today().Total == 1 })
			var views []string
			for _, path := range []string{"/debug/requests", "/debug/stats", "/debug/status", "/health"} {
				_, vh, vb := p.get(path)
				views = append(views, string(vb), headerText(vh))
			}
			// Let the statistics and the dump reach the disk before looking.
			_ = p.srv.Close()
			assertKeyNowhere(t, p, append(views, string(answer), headerText(h))...)
		})
	}
}
