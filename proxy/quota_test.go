package proxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/internal/testclock"
	"github.com/freelane/freelane/proxy/stats"
)

func TestQuota_FromKeyEndpointAndCountedBetweenReads(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.SetFreeQuota(10, 50)
	p.srv.quota.refresh(t.Context())
	if st := p.srv.Status(); st.FreeLeft != 40 || st.FreeLeftEstimated {
		t.Fatalf("free left = %d (estimated %v), want 40 from the key endpoint", st.FreeLeft, st.FreeLeftEstimated)
	}
	p.post("/v1/chat/completions", helloBody)
	if st := p.srv.Status(); st.FreeLeft != 39 {
		t.Errorf("free left after a call = %d, want 39 before the next read", st.FreeLeft)
	}
	v := dashboardSource{p.srv}.Stats(30)
	if v.Quota.Estimated || v.Quota.Limit != 50 || v.Quota.Remaining != 39 {
		t.Errorf("dashboard quota = %+v", v.Quota)
	}
}

func TestQuota_UnknownWithoutKey(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"OPENROUTER_API_KEY": ""})
	p.srv.quota.refresh(t.Context())
	if st := p.srv.Status(); st.FreeLeft != -1 {
		t.Errorf("free left without a key = %d, want -1 (unknown)", st.FreeLeft)
	}
	if v := (dashboardSource{p.srv}).Stats(1); !v.Quota.Estimated {
		t.Errorf("quota without a key must be marked estimated: %+v", v.Quota)
	}
}

// keyCounter sits in front of the fake and counts reads of GET /key.
func keyCounter(t *testing.T, fake *fakeopenrouter.Server) (baseURL string, reads *atomic.Int64) {
	t.Helper()
	target, err := url.Parse(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	reads = new(atomic.Int64)
	relay := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/key" {
			reads.Add(1)
		}
		relay.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL + "/api/v1", reads
}

// runQuota runs the quota loop on clock until the test ends.
func runQuota(t *testing.T, s *Server, clock *testclock.Clock) {
	t.Helper()
	// Set before the loop starts; only the loop and the test read it.
	s.now = clock.Now
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.quota.run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func TestQuota_DashboardPollsReadOpenRouterAtMostEveryGap(t *testing.T) {
	fake := fakeopenrouter.New(t)
	base, reads := keyCounter(t, fake)
	p := newTestProxy(t, fake, map[string]string{"OPENROUTER_BASE_URL": base})
	clock := testclock.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	runQuota(t, p.srv, clock)
	eventually(t, "the start-up read", func() bool { return reads.Load() == 1 })

	for range 20 {
		if status, _, body := p.get("/debug/stats"); status != http.StatusOK {
			t.Fatalf("/debug/stats: %d %s", status, body)
		}
	}
	clock.Advance(quotaRefreshGap)
	p.get("/debug/stats")
	eventually(t, "a read once the gap has passed", func() bool { return reads.Load() >= 2 })
	p.get("/debug/stats")
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads of GET /key for 22 dashboard polls over %v, want 2", n, quotaRefreshGap)
	}
}

// OpenRouter's counter lags about a minute: a read right after a call must
// not give back the request Freelane has already counted.
func TestQuota_ReadKeepsCallsOpenRouterHasNotCountedYet(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	clock := testclock.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	p.srv.now = clock.Now
	p.fake.SetFreeQuota(10, 50)
	p.srv.quota.refresh(t.Context())
	p.post("/v1/chat/completions", helloBody)
	p.fake.SetFreeQuota(10, 50) // the call is not in OpenRouter's counter yet

	p.srv.quota.refresh(t.Context())
	if st := p.srv.Status(); st.FreeLeft != 39 {
		t.Errorf("free left after a lagging read = %d, want 39 (Freelane's newer count)", st.FreeLeft)
	}
	clock.Advance(quotaCounterLag + time.Second)
	p.srv.quota.refresh(t.Context())
	if st := p.srv.Status(); st.FreeLeft != 40 {
		t.Errorf("free left from a read well after the call = %d, want OpenRouter's 40", st.FreeLeft)
	}
}

func TestQuota_DailyResetRedrawsAtMidnightUTC(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	clock := testclock.New(time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC))
	fire := make(chan time.Time)
	p.srv.quota.after = func(time.Duration) (<-chan time.Time, func() bool) { return fire, func() bool { return true } }
	runQuota(t, p.srv, clock)
	p.srv.quota.exhausted(time.Time{})
	if st := p.srv.Status(); st.Problem != ProblemQuotaExhausted {
		t.Fatalf("problem = %q after a daily-cap answer", st.Problem)
	}
	changes, unsubscribe := p.srv.Subscribe()
	defer unsubscribe()

	clock.Set(time.Date(2026, 11, 26, 0, 0, 1, 0, time.UTC))
	fire <- clock.Now()
	select {
	case <-changes:
	case <-time.After(10 * time.Second):
		t.Fatal("no change notification at the daily reset")
	}
	if st := p.srv.Status(); st.Problem == ProblemQuotaExhausted {
		t.Errorf("still %q after the reset", st.Problem)
	}
}

func TestQuota_OwnCountCoversTheUTCDay(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"OPENROUTER_API_KEY": ""})
	now := time.Now()
	midnightUTC := startOfUTCDay(now)
	for _, c := range []stats.Call{
		{Time: midnightUTC.Add(-time.Minute), Outcome: stats.OutcomeSuccess, Attempts: 2},
		{Time: now, Outcome: stats.OutcomeFailed, Attempts: 3},
	} {
		if err := p.srv.stats.Record(c); err != nil {
			t.Fatal(err)
		}
	}
	p.srv.quota.seedDayCount() // what New does on a restart
	if n := p.srv.quota.usedToday(); n != 3 {
		t.Errorf("attempts since 00:00 UTC = %d, want 3 (the call before midnight UTC is yesterday's)", n)
	}
	p.srv.quota.spent(2)
	v := dashboardSource{p.srv}.Stats(1)
	if !v.Quota.Estimated || v.Quota.Used != 5 {
		t.Errorf("dashboard quota = %+v, want an estimate of 5 used", v.Quota)
	}
}
