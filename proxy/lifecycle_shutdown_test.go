package proxy

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/stats"
)

// A stream that outlives the grace period is cancelled and counted, and the
// stop is a normal one (main exits 0).
func TestRun_StopCountsACallThatOutlivesTheGracePeriod(t *testing.T) {
	fake := fakeopenrouter.New(t)
	fake.SetDefault("*", fakeopenrouter.Hang())
	home := t.TempDir()
	writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nOPENROUTER_API_KEY="+testKey+
		"\nLISTEN_ADDR=127.0.0.1:0\nFIRST_TOKEN_TIMEOUT=600\n")
	const grace = 100 * time.Millisecond
	srv := runServer(t, home, Options{ShutdownGrace: grace})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the catalog", func() bool { return len(srv.catalog.Models()) > 0 })
	cacheDir := srv.config().CacheDir

	callDone := make(chan struct{})
	go func() {
		defer close(callDone)
		resp, err := http.Post("http://"+srv.Addr()+"/v1/chat/completions", "application/json",
			strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
		if err == nil {
			resp.Body.Close()
		}
	}()
	if err := fake.WaitCalls(t.Context(), 1); err != nil {
		t.Fatal(err)
	}

	srv.stop() // what SIGTERM does in main
	if err := srv.wait(t, grace+callDrainTimeout+10*time.Second); err != nil {
		t.Errorf("Run = %v, want nil: an expired grace period is a normal stop", err)
	}
	<-callDone

	// Read back what was flushed to disk, as the next start would.
	st, err := stats.Open(cacheDir, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if today := st.Today(); today.Total != 1 || today.Failed != 1 {
		t.Errorf("after the stop: %+v, want the cut call counted as failed", today)
	}
}

func TestActiveRequests_WaitReturnsWhenTheLastLeavesOrTheBoundPasses(t *testing.T) {
	var a activeRequests
	if n := a.wait(t.Context()); n != 0 {
		t.Fatalf("idle wait = %d", n)
	}
	a.enter()
	a.enter()
	expired, cancel := context.WithCancel(t.Context())
	cancel()
	if n := a.wait(expired); n != 2 {
		t.Errorf("wait past its bound = %d, want 2 still running", n)
	}
	done := make(chan int)
	go func() { done <- a.wait(t.Context()) }()
	a.leave()
	a.leave()
	if n := <-done; n != 0 {
		t.Errorf("wait after both left = %d", n)
	}
}
