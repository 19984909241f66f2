package proxy

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHardening_AllowedOriginsNeverOpenTheDashboard checks that an origin in
// ALLOWED_ORIGINS (alone or among others) gets CORS on the API and nothing on the
// dashboard, whose JSON views hold saved prompts.
func TestHardening_AllowedOriginsNeverOpenTheDashboard(t *testing.T) {
	const app = "https://app.example"
	for _, allowed := range []string{app, "http://localhost:3000," + app} {
		t.Run(allowed, func(t *testing.T) {
			p := newTestProxy(t, nil, map[string]string{"ALLOWED_ORIGINS": allowed})
			fromApp := func(more func(*http.Request)) func(*http.Request) {
				return func(r *http.Request) {
					r.Header.Set("Origin", app)
					r.Header.Set("Sec-Fetch-Site", "cross-site")
					r.Header.Set("Sec-Fetch-Mode", "cors")
					if more != nil {
						more(r)
					}
				}
			}
			preflight := func(method string) func(*http.Request) {
				return fromApp(func(r *http.Request) {
					r.Header.Set("Access-Control-Request-Method", method)
					r.Header.Set("Access-Control-Request-Headers", "content-type")
				})
			}
			for _, tc := range []struct {
				name string
				e    endpoint
				edit func(*http.Request)
				want int // 0: CORS granted and not refused
			}{
				{"api_preflight", endpoint{http.MethodOptions, "/v1/chat/completions", ""}, preflight("POST"), http.StatusNoContent},
				{"api_read", endpoint{http.MethodGet, "/v1/models", ""}, fromApp(nil), http.StatusOK},
				{"root_api_read", endpoint{http.MethodGet, "/models", ""}, fromApp(nil), http.StatusOK},
				{"health_read", endpoint{http.MethodGet, "/health", ""}, fromApp(nil), http.StatusOK},
				{"debug_mode_preflight", endpoint{http.MethodOptions, "/debug/mode", ""}, preflight("PUT"), http.StatusForbidden},
				{"debug_mode_switch", endpoint{http.MethodPut, "/debug/mode", `{"debug":true}`}, fromApp(nil), http.StatusForbidden},
				{"saved_prompts_read", endpoint{http.MethodGet, "/debug/requests", ""}, fromApp(nil), http.StatusForbidden},
				{"dashboard_page", endpoint{http.MethodGet, "/debug", ""}, fromApp(nil), http.StatusForbidden},
			} {
				status, h := statusOf(t, p, tc.e, tc.edit)
				if status != tc.want {
					t.Errorf("%s: status %d, want %d", tc.name, status, tc.want)
				}
				acao := h.Get("Access-Control-Allow-Origin")
				if granted := tc.want != http.StatusForbidden; granted != (acao == app) {
					t.Errorf("%s: Access-Control-Allow-Origin %q (CORS expected: %v)", tc.name, acao, granted)
				}
			}
			if p.srv.Debug() {
				t.Error("an allowed API origin switched debug mode on")
			}
			// The dashboard's own page still works.
			if status, _ := statusOf(t, p, endpoint{http.MethodGet, "/debug/requests", ""}, func(r *http.Request) {
				r.Header.Set("Origin", p.front.URL)
				r.Header.Set("Sec-Fetch-Site", "same-origin")
			}); status != http.StatusOK {
				t.Errorf("the dashboard's own page: status %d", status)
			}
		})
	}
}

// TestHardening_DashboardOnlyForThisMachine checks that with Freelane
// listening on the network, the API answers other machines that have the
// token while the dashboard answers only this one.
func TestHardening_DashboardOnlyForThisMachine(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"LISTEN_ADDR": "0.0.0.0:0", "FREELANE_TOKEN": securityToken})
	const lanPeer = "192.0.2.7:40123" // TEST-NET-1: never this machine
	send := func(method, path, body, remote string) (int, string) {
		t.Helper()
		var req *http.Request
		if body != "" {
			req = httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		req.Host = "127.0.0.1:5000"
		req.RemoteAddr = remote
		req.Header.Set("Authorization", "Bearer "+securityToken)
		rec := httptest.NewRecorder()
		p.srv.Handler().ServeHTTP(rec, req)
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &env)
		return rec.Code, env.Error.Code
	}

	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/debug", ""},
		{http.MethodGet, "/debug/requests", ""},
		{http.MethodGet, "/debug/status?token=" + securityToken, ""},
		{http.MethodPut, "/debug/mode", `{"debug":true}`},
	} {
		if status, code := send(tc.method, tc.path, tc.body, lanPeer); status != http.StatusForbidden || code != "dashboard_local_only" {
			t.Errorf("%s %s from the LAN: status %d code %q, want 403 dashboard_local_only", tc.method, tc.path, status, code)
		}
	}
	if p.srv.Debug() {
		t.Fatal("a request from another machine switched debug mode on")
	}
	if status, _ := send(http.MethodGet, "/v1/models", "", lanPeer); status != http.StatusOK {
		t.Errorf("API from the LAN with the token: status %d, want 200", status)
	}

	local := []string{"127.0.0.1:40000", "[::1]:40000", "127.1.2.3:40000"}
	if own := ownNonLoopbackAddr(); own != "" {
		local = append(local, net.JoinHostPort(own, "40000"))
	}
	for _, remote := range local {
		if status, code := send(http.MethodGet, "/debug/status", "", remote); status != http.StatusOK {
			t.Errorf("dashboard from %s: status %d (%s), want 200", remote, status, code)
		}
	}
	for _, remote := range []string{"", "not-an-address", "192.0.2.7"} {
		if status, _ := send(http.MethodGet, "/debug/status", "", remote); status != http.StatusForbidden {
			t.Errorf("dashboard from unparsable peer %q: status %d, want 403", remote, status)
		}
	}
}

// ownNonLoopbackAddr is one of this machine's own non-loopback addresses, or
// "" when it has none.
func ownNonLoopbackAddr() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
	}
	return ""
}
