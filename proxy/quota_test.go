package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/freelane/freelane/proxy/internal/bubble"
	"github.com/freelane/freelane/proxy/internal/days"
	"github.com/freelane/freelane/proxy/internal/testclock"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/upstream"
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

// quotaLoop is a quota tracker whose loop runs alone, in a synctest bubble
// on the bubble's clock, against a key endpoint that counts its reads.
type quotaLoop struct {
	tracker quotaTracker
	reads   atomic.Int64 // of the key endpoint
	changes atomic.Int64 // announcements to the tray and the dashboard
}

// startQuotaLoop starts the loop at start (after the bubble's own epoch)
// and lets it make its start-up read. Call it inside synctest.Test.
func startQuotaLoop(t *testing.T, start time.Time) *quotaLoop {
	t.Helper()
	time.Sleep(time.Until(start))
	l := new(quotaLoop)
	l.tracker.init(quotaDeps{
		now: time.Now,
		log: slog.New(slog.DiscardHandler),
		key: func(context.Context) (upstream.KeyInfo, bool, error) {
			l.reads.Add(1)
			return upstream.KeyInfo{FreeDaily: &upstream.FreeDaily{Limit: 50, Remaining: 50}}, true, nil
		},
		recentCalls: func() []stats.Call { return nil },
		lastCall:    func() time.Time { return time.Time{} },
		changed:     func() { l.changes.Add(1) },
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.tracker.run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	if n := l.readsWhenIdle(); n != 1 {
		t.Fatalf("%d reads at start, want 1", n)
	}
	return l
}

// expectReadAfter checks that the loop's next read comes d from now, not a
// moment sooner.
func (l *quotaLoop) expectReadAfter(t *testing.T, d time.Duration, what string) {
	t.Helper()
	bubble.ExpectNextAfter(t, d, l.reads.Load, what)
}

// readsWhenIdle is the count of reads once the loop waits again.
func (l *quotaLoop) readsWhenIdle() int64 {
	synctest.Wait()
	return l.reads.Load()
}

// A dashboard poll asks the tracker for a read of the quota.
func TestQuota_DashboardPollAsksForARead(t *testing.T) {
	p := newTestProxy(t, nil, nil) // the loop is not running: its kicks stay put
	if status, _, body := p.get("/debug/stats"); status != http.StatusOK {
		t.Fatalf("/debug/stats: %d %s", status, body)
	}
	select {
	case <-p.srv.quota.kick:
	default:
		t.Error("a dashboard poll did not ask for a read of the quota")
	}
}

func TestQuota_DashboardPollsReadOpenRouterAtMostEveryGap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := startQuotaLoop(t, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
		for range 20 {
			l.tracker.refreshSoon() // what each dashboard poll does
		}
		// The first poll woke the loop, which waits out the gap; the
		// others are covered by that read.
		l.expectReadAfter(t, quotaRefreshGap, "20 polls right after the start-up read")
		l.tracker.refreshSoon() // a poll right after the read waits a gap again
		l.expectReadAfter(t, quotaRefreshGap, "a poll right after a read")
	})
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

}

// Calls made after a read ask for the next one, a gap after the last.
func TestQuota_CallsReadOncePerGap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := startQuotaLoop(t, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
		for round := range 2 {
			for range 3 {
				l.tracker.spent(1) // what each finished call does
			}
			l.expectReadAfter(t, quotaRefreshGap, fmt.Sprintf("round %d: 3 calls", round))
		}
	})
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
	synctest.Test(t, func(t *testing.T) {
		l := startQuotaLoop(t, time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC))
		l.tracker.exhausted(time.Time{})
		if q := l.tracker.get(); !q.Exhausted(time.Now()) {
			t.Fatalf("quota %+v not exhausted after a daily-cap answer", q)
		}
		changes := l.changes.Load()

		midnight := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
		l.expectReadAfter(t, time.Until(midnight), "the read at the daily reset")
		if l.changes.Load() == changes {
			t.Error("no change notification at the daily reset")
		}
		q := l.tracker.get()
		if q.Limit <= 0 || q.Remaining != q.Limit || q.Exhausted(time.Now()) {
			t.Errorf("quota after the reset = %+v, want all of the limit left", q)
		}
	})
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
