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

// A stop under the service ends in a kill after 10 s (service.Options'
// StopTimeout): the default grace and the wait to count cut calls must fit
// in it, or those calls are never counted.
func TestRun_DefaultShutdownFitsTheServiceStopTimeout(t *testing.T) {
	const serviceStopTimeout = 10 * time.Second
	p := newTestProxy(t, nil, nil)
	if p.srv.opts.ShutdownGrace != defaultShutdownGrace {
		t.Fatalf("ShutdownGrace = %s with zero Options, want the default %s", p.srv.opts.ShutdownGrace, defaultShutdownGrace)
	}
	if total := p.srv.opts.ShutdownGrace + callDrainTimeout; total >= serviceStopTimeout {
		t.Errorf("grace %s + drain %s = %s, want under the service's stop timeout %s",
			p.srv.opts.ShutdownGrace, callDrainTimeout, total, serviceStopTimeout)
	}
}

func TestActiveRequests_WaitsAgainAfterAnIdleSpell(t *testing.T) {
	var a activeRequests
	for round := range 2 {
		a.enter()
		done := make(chan int, 2)
		for range 2 { // two waiters share one idle channel
			go func() { done <- a.wait(t.Context()) }()
		}
		eventually(t, "the waiters", func() bool {
			a.mu.Lock()
			defer a.mu.Unlock()
			return a.idle != nil
		})
		a.leave()
		for range 2 {
			if n := <-done; n != 0 {
				t.Errorf("round %d: wait after the last left = %d", round, n)
			}
		}
	}
}

// One client calling at a time takes the count from 0 to 1 and back on
// every request: that must not allocate.
func TestActiveRequests_EnterLeaveDoesNotAllocate(t *testing.T) {
	var a activeRequests
	if allocs := testing.AllocsPerRun(100, func() { a.enter(); a.leave() }); allocs != 0 {
		t.Errorf("%.0f allocations per request, want 0", allocs)
	}
}

func BenchmarkActiveRequests_EnterLeave(b *testing.B) {
	var a activeRequests
	b.ReportAllocs()
	for b.Loop() {
		a.enter()
		a.leave()
	}
}
