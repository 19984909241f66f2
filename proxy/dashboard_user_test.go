package proxy

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/dashboardlink"
	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/localuser"
)

// Where the OS does not tell who opened a connection (or fails to), the
// dashboard answers only a browser that presents the dashboard key, which
// only the user running Freelane can read; the API stays open.
func TestDashboard_KeyProvesTheUserWhereTheOSCannot(t *testing.T) {
	for name, answer := range map[string]error{
		"unsupported_os":  localuser.ErrUnsupported,
		"unreadable_proc": errors.New("reading /proc/net/tcp: permission denied"),
	} {
		t.Run(name, func(t *testing.T) {
			fake := fakeopenrouter.New(t)
			home := t.TempDir()
			writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nOPENROUTER_API_KEY="+testKey+"\nLISTEN_ADDR=127.0.0.1:0\n")
			srv := runServer(t, home, Options{sameUser: func(netip.AddrPort, netip.AddrPort) (bool, error) { return false, answer }})
			if err := srv.Listen(); err != nil {
				t.Fatal(err)
			}
			key, err := dashboardlink.Key(srv.config().CacheDir)
			if err != nil {
				t.Fatal(err)
			}
			base := "http://" + srv.Addr()
			get := func(path string, cookie *http.Cookie) *http.Response {
				t.Helper()
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
				if cookie != nil {
					req.AddCookie(cookie)
				}
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp
			}
			if resp := get("/debug/status", nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("without the key: status %d, want 403", resp.StatusCode)
			}
			if resp := get("/debug/status?key=not-the-key", nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("with a wrong key: status %d, want 403", resp.StatusCode)
			}
			resp := get("/debug?key="+key, nil)
			var cookie *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == dashboardKeyCookie {
					cookie = c
				}
			}
			if resp.StatusCode != http.StatusOK || cookie == nil || !cookie.HttpOnly {
				t.Fatalf("with ?key=: status %d, cookie %v; want 200 and an HttpOnly cookie", resp.StatusCode, cookie)
			}
			if resp := get("/debug/requests", &http.Cookie{Name: cookie.Name, Value: cookie.Value}); resp.StatusCode != http.StatusOK {
				t.Errorf("with the cookie: status %d, want 200", resp.StatusCode)
			}
			if resp := get("/v1/models", nil); resp.StatusCode != http.StatusOK {
				t.Errorf("the API without the key: status %d, want 200", resp.StatusCode)
			}
		})
	}
}

// The tray and the commands open the dashboard; a secret in the link would
// be on the browser's command line, readable by every local user. With a
// token the link is a private page that forwards to the dashboard.
func TestDashboardLink_KeepsSecretsOffTheCommandLine(t *testing.T) {
	cache := t.TempDir()
	cfg := config.Config{CacheDir: cache, Token: securityToken}
	link := DashboardLink("127.0.0.1:5000", cfg)
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "file" || strings.Contains(link, securityToken) {
		t.Fatalf("link %q: want a file:// page without the token", link)
	}
	page := filepath.Join(cache, dashboardlink.PageFileName)
	info, err := os.Stat(page)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("the page is %v, want 0600", perm)
	}
	data, _ := os.ReadFile(page)
	if !strings.Contains(string(data), "http://127.0.0.1:5000/debug?token="+securityToken) {
		t.Errorf("the page does not forward to the dashboard with the token:\n%s", data)
	}
	// Without a secret to pass, the link is the dashboard itself.
	if !localuser.Supported {
		t.Skip("this OS needs the dashboard key in every link")
	}
	if link := DashboardLink("127.0.0.1:5000", config.Config{CacheDir: cache}); link != "http://127.0.0.1:5000/debug" {
		t.Errorf("link without a token = %q", link)
	}
}
