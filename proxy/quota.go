package proxy

import (
	"context"
	"sync"
	"time"
)

// quotaRefreshEvery is how often the free quota is re-read while calls are
// being made; OpenRouter's key endpoint costs no quota.
const quotaRefreshEvery = 30 * time.Second

// Quota is today's free-model allowance.
type Quota struct {
	Used, Limit, Remaining int
	ResetAt                time.Time // next 00:00 UTC
	// Estimated is true when OpenRouter did not report the counter and the
	// numbers come from Freelane's own count.
	Estimated bool
	FetchedAt time.Time
	// exhaustedUntil is set by a daily-cap answer from upstream.
	exhaustedUntil time.Time
}

// Exhausted reports whether no free request is left at now.
func (q Quota) Exhausted(now time.Time) bool {
	return now.Before(q.exhaustedUntil) || (q.Limit > 0 && q.Remaining <= 0 && now.Before(q.ResetAt))
}

// quotaTracker keeps the free quota fresh: at start, after calls (at most
// every quotaRefreshEvery), after a key change, and from a daily-cap answer.
type quotaTracker struct {
	s       *Server
	mu      sync.Mutex
	q       Quota
	kick    chan struct{}
	fetched time.Time
}

func (t *quotaTracker) init(s *Server) {
	t.s = s
	t.kick = make(chan struct{}, 1)
	t.refreshSoon()
}

func (t *quotaTracker) refreshSoon() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

func (t *quotaTracker) get() Quota {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := t.q
	now := t.s.now()
	if !q.ResetAt.IsZero() && !now.Before(q.ResetAt) {
		// A new UTC day: the counter upstream has been reset.
		q = Quota{Limit: q.Limit, Remaining: q.Limit, ResetAt: nextUTCMidnight(now), Estimated: true}
		t.q = q
	}
	return q
}

// spent counts attempts made since the last read, so the number left stays
// current between reads of the key endpoint (failed attempts count too).
func (t *quotaTracker) spent(attempts int) {
	if attempts <= 0 {
		return
	}
	t.mu.Lock()
	if t.q.Limit > 0 {
		t.q.Used += attempts
		t.q.Remaining = max(t.q.Remaining-attempts, 0)
	}
	t.mu.Unlock()
}

// exhausted records a daily-cap answer: nothing is left until reset.
func (t *quotaTracker) exhausted(reset time.Time) {
	now := t.s.now()
	if reset.IsZero() || reset.Before(now) {
		reset = nextUTCMidnight(now)
	}
	t.mu.Lock()
	t.q.exhaustedUntil = reset
	t.q.ResetAt = reset
	t.q.Used = max(t.q.Used, t.q.Limit)
	t.q.Remaining = 0
	t.mu.Unlock()
	t.s.changes.notify()
}

func (t *quotaTracker) run(ctx context.Context) {
	ticker := time.NewTicker(quotaRefreshEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.kick:
		case <-ticker.C:
			// Only when calls were made since the last read.
			if t.s.lastCall.Load() < t.fetched.UnixNano() {
				continue
			}
		}
		t.refresh(ctx)
	}
}

// refresh reads the key endpoint; without a free counter there, it
// estimates from the account tier and Freelane's own count of today.
func (t *quotaTracker) refresh(ctx context.Context) {
	if t.s.config().APIKey == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	info, err := t.s.runtime().client.Key(ctx)
	now := t.s.now()
	t.fetched = now
	if err != nil {
		t.s.log.Debug("free quota not read", "err", err)
		return
	}
	q := Quota{ResetAt: nextUTCMidnight(now), FetchedAt: now}
	if info.FreeDaily != nil {
		q.Used, q.Limit, q.Remaining = info.FreeDaily.Used, info.FreeDaily.Limit, info.FreeDaily.Remaining
	} else {
		q.Estimated = true
		q.Limit = 1000
		if info.IsFreeTier {
			q.Limit = 50
		}
		q.Used = t.s.stats.Today().Total
		q.Remaining = max(q.Limit-q.Used, 0)
	}
	t.mu.Lock()
	if now.Before(t.q.exhaustedUntil) {
		q.exhaustedUntil = t.q.exhaustedUntil
	}
	changed := t.q.Remaining != q.Remaining || t.q.Limit != q.Limit
	t.q = q
	t.mu.Unlock()
	if changed {
		t.s.changes.notify()
	}
}
