package proxy

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/freelane/freelane/proxy/internal/days"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/upstream"
)

// OpenRouter's free-model daily limits: an account that never bought
// credits gets the low tier; one that bought at least 10 credits the high.
const (
	freeDailyLimitLowTier  = 50
	freeDailyLimitHighTier = 1000
)

// freeDailyLimit is the daily limit of an account's tier.
func freeDailyLimit(isFreeTier bool) int {
	if isFreeTier {
		return freeDailyLimitLowTier
	}
	return freeDailyLimitHighTier
}

const (
	// quotaRefreshGap is the shortest time between two reads of OpenRouter's
	// key endpoint: the dashboard asks on every poll and calls ask after
	// each answer, but the counter there lags about a minute anyway.
	quotaRefreshGap = 30 * time.Second
	// quotaCounterLag is how far OpenRouter's counter may trail the calls
	// made: a read this soon after a call may not include it yet.
	quotaCounterLag = 90 * time.Second
)

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

// quotaTracker keeps the free quota fresh: at start, after a key change, at
// most every quotaRefreshGap while calls are made or the dashboard looks,
// from a daily-cap answer, and at the daily reset.
type quotaTracker struct {
	deps quotaDeps
	// after arms a timer; tests replace it to fire the daily reset by hand.
	after func(time.Duration) (<-chan time.Time, func() bool)
	kick  chan struct{}
	// asked is set by the first request for a refresh since the last read,
	// which alone wakes run: a busy proxy finishes many calls per read, and
	// waking run for each would only stop and re-arm its timer.
	asked atomic.Bool
	// force makes the next refresh skip quotaRefreshGap: a new key may be
	// another account.
	force atomic.Bool

	mu sync.Mutex
	q  Quota
	// dayStart and dayUsed are Freelane's own count of the attempts sent
	// upstream since 00:00 UTC, the day OpenRouter's counter covers.
	dayStart time.Time
	dayUsed  int

	// Used only by run's goroutine.
	fetched time.Time // the last read of the key endpoint, failed or not
	pending bool      // a refresh was asked for and not done yet
}

// quotaDeps is what the quota tracker uses from the rest of Freelane.
type quotaDeps struct {
	now func() time.Time
	log *slog.Logger
	// key reads OpenRouter's key endpoint; configured is false when there
	// is no API key to read it with.
	key func(ctx context.Context) (info upstream.KeyInfo, configured bool, err error)
	// recentCalls are the calls the statistics hold, newest first.
	recentCalls func() []stats.Call
	// lastCall is when a call was last counted.
	lastCall func() time.Time
	// changed announces a new figure to the tray and the dashboard.
	changed func()
}

func (t *quotaTracker) init(deps quotaDeps) {
	t.deps = deps
	t.after = timerAfter
	t.kick = make(chan struct{}, 1)
	t.pending = true // read the quota as soon as Run starts
	t.seedDayCount()
}

// seedDayCount restores the attempts made since 00:00 UTC from the calls
// the statistics hold in memory (today's local day, newest first), so a
// restart does not reset the estimate. Where the UTC day began before the
// local one (west of Greenwich) the previous evening's calls are not among
// them; the figure is flagged as an estimate for that reason too.
func (t *quotaTracker) seedDayCount() {
	start := days.QuotaDay(t.deps.now())
	used := 0
	for _, c := range t.deps.recentCalls() {
		if c.Time.Before(start) {
			break
		}
		used += c.Attempts
	}
	t.mu.Lock()
	t.dayStart, t.dayUsed = start, used
	t.mu.Unlock()
}

// refreshSoon asks for a refresh; run honours it once the last read is
// quotaRefreshGap old, so asking often costs nothing upstream. Only the
// first request since the last read wakes run; the rest are already
// covered by the read it arms.
func (t *quotaTracker) refreshSoon() {
	if t.asked.Swap(true) {
		return
	}
	t.wake()
}

// refreshNow asks for a refresh that does not wait for quotaRefreshGap. It
// always wakes run, which may be waiting out the gap for an earlier request.
func (t *quotaTracker) refreshNow() {
	t.force.Store(true)
	t.asked.Store(true)
	t.wake()
}

func (t *quotaTracker) wake() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

func (t *quotaTracker) get() Quota {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rolloverLocked(t.deps.now())
	return t.q
}

// rolloverLocked starts a new quota day once ResetAt has passed: the
// counter upstream has been reset. It reports whether it did.
func (t *quotaTracker) rolloverLocked(now time.Time) bool {
	if t.q.ResetAt.IsZero() || now.Before(t.q.ResetAt) {
		return false
	}
	t.q = Quota{Limit: t.q.Limit, Remaining: t.q.Limit, ResetAt: days.NextQuotaDay(now), Estimated: true}
	return true
}

// usedToday is Freelane's own count of attempts since 00:00 UTC.
func (t *quotaTracker) usedToday() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.countDayLocked(t.deps.now())
	return t.dayUsed
}

func (t *quotaTracker) countDayLocked(now time.Time) {
	if start := days.QuotaDay(now); !start.Equal(t.dayStart) {
		t.dayStart, t.dayUsed = start, 0
	}
}

// spent counts attempts made since the last read, so the number left stays
// current between reads of the key endpoint (failed attempts count too).
func (t *quotaTracker) spent(attempts int) {
	if attempts <= 0 {
		return
	}
	t.mu.Lock()
	t.countDayLocked(t.deps.now())
	t.dayUsed += attempts
	if t.q.Limit > 0 {
		t.q.Used += attempts
		t.q.Remaining = max(t.q.Remaining-attempts, 0)
	}
	t.mu.Unlock()
	t.refreshSoon()
}

// exhausted records a daily-cap answer: nothing is left until reset.
func (t *quotaTracker) exhausted(reset time.Time) {
	now := t.deps.now()
	if reset.IsZero() || reset.Before(now) {
		reset = days.NextQuotaDay(now)
	}
	t.mu.Lock()
	t.q.exhaustedUntil = reset
	t.q.ResetAt = reset
	t.q.Used = max(t.q.Used, t.q.Limit)
	t.q.Remaining = 0
	t.mu.Unlock()
	t.deps.changed()
}

// run refreshes on request, no more often than quotaRefreshGap, and wakes
// at the daily reset so the tray stops saying "used up" on time instead of
// at its next unrelated redraw.
func (t *quotaTracker) run(ctx context.Context) {
	for {
		now := t.deps.now()
		wait := t.nextReset(now).Sub(now)
		if t.pending && !t.force.Load() {
			wait = min(wait, t.fetched.Add(quotaRefreshGap).Sub(now))
		}
		fired, stop := t.after(max(wait, 0))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-t.kick:
			stop()
			t.pending = true
		case <-fired:
		}
		now = t.deps.now()
		t.mu.Lock()
		reset := t.rolloverLocked(now)
		t.mu.Unlock()
		if reset {
			t.deps.changed()
			t.pending = true
			t.force.Store(true)
		}
		if t.pending && (t.force.Load() || now.Sub(t.fetched) >= quotaRefreshGap) {
			t.pending = false
			t.force.Store(false)
			// Requests from now on are for calls this read may miss.
			t.asked.Store(false)
			t.refresh(ctx)
		}
	}
}

// nextReset is when the quota day in view ends.
func (t *quotaTracker) nextReset(now time.Time) time.Time {
	t.mu.Lock()
	reset := t.q.ResetAt
	t.mu.Unlock()
	if reset.After(now) {
		return reset
	}
	return days.NextQuotaDay(now)
}

// refresh reads the key endpoint; without a free counter there, it
// estimates from the account tier and Freelane's own count since 00:00 UTC.
func (t *quotaTracker) refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	info, configured, err := t.deps.key(ctx)
	if !configured {
		return
	}
	now := t.deps.now()
	t.fetched = now
	if err != nil {
		t.deps.log.Debug("free quota not read", "err", err)
		return
	}
	q := Quota{ResetAt: days.NextQuotaDay(now), FetchedAt: now}
	t.mu.Lock()
	t.rolloverLocked(now)
	t.countDayLocked(now)
	if info.FreeDaily != nil {
		q.Used, q.Limit, q.Remaining = info.FreeDaily.Used, info.FreeDaily.Limit, info.FreeDaily.Remaining
		if recent := t.deps.lastCall(); now.Sub(recent) < quotaCounterLag && t.q.ResetAt.Equal(q.ResetAt) {
			// Calls of the last minute may be missing upstream: never show
			// more left than Freelane's own count allows.
			q.Used = max(q.Used, t.q.Used)
			q.Remaining = min(q.Remaining, max(q.Limit-q.Used, 0))
		}
	} else {
		q.Estimated = true
		q.Limit = freeDailyLimit(info.IsFreeTier)
		q.Used = t.dayUsed
		q.Remaining = max(q.Limit-q.Used, 0)
	}
	if now.Before(t.q.exhaustedUntil) {
		q.exhaustedUntil = t.q.exhaustedUntil
	}
	changed := t.q.Remaining != q.Remaining || t.q.Limit != q.Limit
	t.q = q
	t.mu.Unlock()
	if changed {
		t.deps.changed()
	}
}

func timerAfter(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}
