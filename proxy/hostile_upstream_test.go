package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// forwardTo returns a handler that passes requests on to fake unchanged.
func forwardTo(t *testing.T, fake *fakeopenrouter.Server) http.Handler {
	t.Helper()
	target, err := url.Parse(fake.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	return httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
}

// newHostileProxy starts Freelane in front of an upstream that serves the
// fake's catalog and key but answers every chat call with chat.
func newHostileProxy(t *testing.T, chat http.HandlerFunc, env map[string]string) *testProxy {
	t.Helper()
	fake := fakeopenrouter.New(t, fakeopenrouter.WithAPIKey(testKey))
	forward := forwardTo(t, fake)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			chat(w, r)
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(upstream.Close)
	vars := map[string]string{"OPENROUTER_BASE_URL": upstream.URL + "/api/v1"}
	for k, v := range env {
		vars[k] = v
	}
	p := newTestProxyAt(t, t.TempDir(), vars, true)
	p.fake = fake
	return p
}

// sseEvent writes one data event and flushes it; false once the reader is gone.
func sseEvent(w http.ResponseWriter, data string) bool {
	if _, err := w.Write([]byte("data: " + data + "\n\n")); err != nil {
		return false
	}
	return http.NewResponseController(w).Flush() == nil
}
