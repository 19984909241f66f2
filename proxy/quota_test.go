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
	"github.com/freelane/freelane/proxy/internal/days"
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

// manualTimer stands in for the quota loop's timer. Each time the loop arms
// it, the duration is reported on armed, which the loop does only once it
// has finished with everything before (so a receive means "idle again");
// it fires only when the test sends on fire.
type manualTimer struct {
	armed chan time.Duration
	fire  chan time.Time
}

// startQuotaLoop starts a proxy whose free-quota loop runs on clock (set to
// start) with a hand-fired timer, against a fake that counts its quota reads.
func startQuotaLoop(t *testing.T, start time.Time) (*testProxy, *testclock.Clock, *manualTimer, *atomic.Int64) {
	t.Helper()
	fake := fakeopenrouter.New(t)
	base, reads := keyCounter(t, fake)
	p := newTestProxy(t, fake, map[string]string{"OPENROUTER_BASE_URL": base})
	clock := testclock.New(start)
	timer := stubQuotaTimer(p.srv)
	runQuota(t, p.srv, clock)
	return p, clock, timer, reads
}

// stubQuotaTimer installs a manualTimer; call it before runQuota.
func stubQuotaTimer(s *Server) *manualTimer {
	m := &manualTimer{armed: make(chan time.Duration, 64), fire: make(chan time.Time)}
	s.quota.after = func(d time.Duration) (<-chan time.Time, func() bool) {
		m.armed <- d
		return m.fire, func() bool { return true }
	}
	return m
}

// next waits for the loop to arm its timer and returns for how long.
func (m *manualTimer) next(t *testing.T, what string) time.Duration {
	t.Helper()
	select {
	case d := <-m.armed:
		return d
	case <-time.After(10 * time.Second):
		t.Fatalf("the quota loop did not go idle: %s", what)
		return 0
	}
}

// noneArmed fails when the loop armed its timer again: something woke it.
func (m *manualTimer) noneArmed(t *testing.T, what string) {
	t.Helper()
	select {
	case d := <-m.armed:
		t.Errorf("the quota loop woke up (re-armed for %s): %s", d, what)
	default:
	}
}

// startUpRead lets the loop make its start-up read and waits until it is
// idle again.
func (m *manualTimer) startUpRead(t *testing.T, clock *testclock.Clock) {
	t.Helper()
	if d := m.next(t, "start"); d != 0 {
		t.Fatalf("the start-up read waits %s, want none", d)
	}
	m.fire <- clock.Now()
	m.next(t, "after the start-up read")
}

func TestQuota_DashboardPollsReadOpenRouterAtMostEveryGap(t *testing.T) {
	p, clock, timer, reads := startQuotaLoop(t, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	timer.startUpRead(t, clock)
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d reads at start, want 1", n)
	}

	for range 20 {
		if status, _, body := p.get("/debug/stats"); status != http.StatusOK {
			t.Fatalf("/debug/stats: %d %s", status, body)
		}
	}
	// The first poll woke the loop, which waits out the gap; the others
	// are covered by that read and wake nothing.
	if d := timer.next(t, "after the polls"); d != quotaRefreshGap {
		t.Errorf("after a poll the loop waits %s, want the gap %s", d, quotaRefreshGap)
	}
	timer.noneArmed(t, "19 more polls before the read they wait for")
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads of GET /key within the gap, want 1", n)
	}

	clock.Advance(quotaRefreshGap)
	timer.fire <- clock.Now()
	timer.next(t, "after the read at the end of the gap")
	p.get("/debug/stats")
	timer.next(t, "after a poll right after the read")
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads of GET /key for 22 dashboard polls over %v, want 2", n, quotaRefreshGap)
	}
}

// Finished calls ask for a read of the quota, but only the first since the
// last read wakes the quota loop: the others are covered by it.
func TestQuota_OnlyTheFirstCallSinceAReadWakesTheLoop(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	q := &p.srv.quota // the loop is not running: its kicks stay put
	for i := range 5 {
		q.spent(1)
		woke := false
		select {
		case <-q.kick:
			woke = true
		default:
		}
		if woke != (i == 0) {
			t.Fatalf("call %d woke the loop: %v, want %v", i+1, woke, i == 0)
		}
	}

	// Once the loop has read the quota, the next call asks again.
	p, clock, timer, reads := startQuotaLoop(t, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	timer.startUpRead(t, clock)
	for round := range 2 {
		for range 3 {
			if status, _, body := p.post("/v1/chat/completions", helloBody); status != http.StatusOK {
				t.Fatalf("round %d: status %d: %s", round, status, body)
			}
		}
		if d := timer.next(t, "after the calls"); d != quotaRefreshGap {
			t.Errorf("round %d: after calls the loop waits %s, want the gap %s", round, d, quotaRefreshGap)
		}
		clock.Advance(quotaRefreshGap)
		timer.fire <- clock.Now()
		timer.next(t, "after the read")
		if n, want := reads.Load(), int64(round+2); n != want {
			t.Errorf("round %d: %d reads, want %d: one per gap with calls", round, n, want)
		}
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
	p, clock, timer, reads := startQuotaLoop(t, time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC))
	// The start-up read first, so that nothing is pending at the reset but
	// the reset itself.
	timer.startUpRead(t, clock)
	p.srv.quota.exhausted(time.Time{})
	if st := p.srv.Status(); st.Problem != ProblemQuotaExhausted {
		t.Fatalf("problem = %q after a daily-cap answer", st.Problem)
	}
	changes, unsubscribe := p.srv.Subscribe()
	defer unsubscribe()

	clock.Set(time.Date(2026, 11, 26, 0, 0, 1, 0, time.UTC))
	timer.fire <- clock.Now()
	timer.next(t, "after the daily reset")
	select {
	case <-changes:
	default:
		t.Fatal("no change notification at the daily reset")
	}
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads of GET /key, want 2: at start and at the reset", n)
	}
	q := p.srv.quota.get()
	if q.Limit <= 0 || q.Remaining != q.Limit {
		t.Errorf("quota after the reset = %+v, want all of the limit left", q)
	}
	if st := p.srv.Status(); st.Problem == ProblemQuotaExhausted {
		t.Errorf("still %q after the reset", st.Problem)
	}
}

func TestQuota_OwnCountCoversTheUTCDay(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"OPENROUTER_API_KEY": ""})
	now := time.Now()
	midnightUTC := days.QuotaDay(now)
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
