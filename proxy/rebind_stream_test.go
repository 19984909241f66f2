package proxy

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// A new LISTEN_ADDR moves the listener, but a stream in flight on the old
// address runs to its end, however long past the shutdown grace period.
func TestRebind_StreamInFlightRunsToItsEnd(t *testing.T) {
	fake := fakeopenrouter.New(t)
	release := make(chan struct{})
	fake.SetDefault("*", fakeopenrouter.Gate(release, fakeopenrouter.Answer("all of it")))
	home := t.TempDir()
	env := "OPENROUTER_BASE_URL=" + fake.BaseURL() + "\nOPENROUTER_API_KEY=" + testKey + "\n"
	writeEnv(t, home, env+"LISTEN_ADDR=127.0.0.1:0\n")
	const grace = 50 * time.Millisecond
	srv := runServer(t, home, Options{ShutdownGrace: grace})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the catalog", func() bool { return len(srv.catalog.Models()) > 0 })
	old := srv.Addr()

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+old+"/v1/chat/completions",
		strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := bufio.NewReader(resp.Body)
	if line, err := body.ReadString('\n'); err != nil || !strings.HasPrefix(line, "data:") {
		t.Fatalf("first stream line %q, %v", line, err)
	}

	writeEnv(t, home, env+"LISTEN_ADDR=127.0.0.2:0\n")
	eventually(t, "the new listen address", func() bool { a := srv.Addr(); return a != old && a != "" })
	// Let the grace period pass several times over: it is what is tested,
	// not a wait for something to happen.
	time.Sleep(10 * grace)
	close(release)
	rest, err := io.ReadAll(body)
	if err != nil || !strings.Contains(string(rest), `"finish_reason":"stop"`) || !strings.Contains(string(rest), "[DONE]") {
		t.Errorf("the rest of the stream: %v\n%s", err, rest)
	}
}
