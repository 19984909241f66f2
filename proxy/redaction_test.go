package proxy

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// A realistic key: the redaction of its pieces needs more than a short test key.
const quotedKey = "sk-or-v1-5c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e0f3a9c81d2e74b6a9"

const quotedToken = "local-token-quoted-back-1234"

// quotingUpstream is an OpenRouter that quotes the request's Authorization
// header back, whole and without its first characters, in every error it
// gives: /models (until models is set), /key, and chat (an error answer, or
// an error event inside a 200 stream). Working /models calls go to fake.
func quotingUpstream(t *testing.T, fake *fakeopenrouter.Server, models *atomic.Bool) *httptest.Server {
	t.Helper()
	forward := forwardTo(t, fake)
	quote := func(r *http.Request) string {
		auth := r.Header.Get("Authorization")
		key := strings.TrimPrefix(auth, "Bearer ")
		return `header was ` + auth + `; key ends ` + key[len(key)/3:] + `; also ` + quotedToken
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/models") && models.Load():
			forward.ServeHTTP(w, r)
		case strings.HasSuffix(r.URL.Path, "/models"), strings.HasSuffix(r.URL.Path, "/key"):
			http.Error(w, `{"error":{"code":500,"message":"`+quote(r)+`"}}`, http.StatusInternalServerError)
		default:
			body := make([]byte, 1<<16)
			n, _ := r.Body.Read(body)
			if strings.Contains(string(body[:n]), `"stream":true`) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = w.Write([]byte(`data: {"id":"g","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"}}]}` + "\n\n"))
				_, _ = w.Write([]byte(`data: {"error":{"code":502,"message":"` + quote(r) + `"},"choices":[{"index":0,"delta":{},"finish_reason":"error"}]}` + "\n\n"))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"code":400,"message":"` + quote(r) + `","metadata":{"raw":"` + quote(r) + `"}}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Upstream error texts that quote the key (whole or cut) and the token reach
// no client answer, /health, /debug/status, log, statistics or capture.
func TestRedaction_UpstreamTextsQuotingTheKey(t *testing.T) {
	fake := fakeopenrouter.New(t, fakeopenrouter.WithAPIKey(quotedKey))
	var models atomic.Bool
	hostile := quotingUpstream(t, fake, &models)
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "DEBUG_MODE.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := newTestProxyAt(t, home, map[string]string{
		"OPENROUTER_API_KEY":  quotedKey,
		"OPENROUTER_BASE_URL": hostile.URL + "/api/v1",
		"FREELANE_TOKEN":      quotedToken,
	}, false)
	auth := []string{"Authorization", "Bearer " + quotedToken}

	var seen []string
	// /models fails: the catalog's last error, and the 503 every call gets.
	_ = p.srv.catalog.Refresh(t.Context())
	_, _, body := p.post("/v1/chat/completions", helloBody, auth...)
	seen = append(seen, string(body))
	_, _, body = p.get("/health", auth...)
	if !strings.Contains(string(body), "header was") {
		t.Fatalf("/health does not show the catalog error, so the test proves nothing: %s", body)
	}
	seen = append(seen, string(body))
	// /key fails.
	p.srv.quota.refresh(t.Context())
	// Chat fails, in an error answer and inside a stream.
	models.Store(true)
	if err := p.srv.catalog.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, h, body := p.post("/v1/chat/completions", helloBody, auth...)
	seen = append(seen, string(body), headerText(h))
	_, h, body = p.post("/v1/chat/completions", `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`, auth...)
	if !strings.Contains(string(body), "header was") {
		t.Fatalf("the stream did not relay the error event, so the test proves nothing: %s", body)
	}
	seen = append(seen, string(body), headerText(h))
	for _, path := range []string{"/health", "/debug/status", "/debug/requests", "/debug/stats"} {
		_, vh, vb := p.get(path, auth...)
		seen = append(seen, path+": "+string(vb), headerText(vh))
	}
	eventually(t, "the calls to be counted", func() bool { return p.srv.stats.Today().Total >= 3 })
	seen = append(seen, p.logs.String())
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		seen = append(seen, path+": "+string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimPrefix(quotedKey, "sk-or-v1-")
	for _, text := range seen {
		for i := 0; i+8 <= len(secret); i++ {
			if j := strings.Index(text, secret[i:i+8]); j >= 0 {
				t.Fatalf("a piece of the key leaked: %.300s", text[max(j-150, 0):])
			}
		}
		if j := strings.Index(text, quotedToken); j >= 0 {
			t.Fatalf("the token leaked: %.300s", text[max(j-150, 0):])
		}
	}
}
