package catalog

import (
	"context"
	"math/rand/v2"
	"time"
)

const (
	// minTriggerInterval bounds early refreshes: a burst of "no endpoints"
	// answers must not turn into a burst of /models downloads.
	minTriggerInterval = 30 * time.Second
	// firstRetryDelay is the wait after the first failed refresh; it doubles
	// with each further failure up to the regular interval.
	firstRetryDelay = 30 * time.Second
	// minRefreshInterval keeps a misconfigured interval from hammering upstream.
	minRefreshInterval = time.Minute
)

// Run keeps the catalog fresh until ctx is done. It refreshes at once when
// the catalog is empty or older than every, then every `every` plus a little
// jitter, and soon after Trigger. A failed refresh is retried after 30s,
// doubling up to every.
func (c *Catalog) Run(ctx context.Context, every time.Duration) {
	every = max(every, minRefreshInterval)
	delay := c.firstDelay(every)
	failures := 0
	for {
		if delay > 0 && !c.wait(ctx, delay) {
			return
		}
		if ctx.Err() != nil {
			return
		}
		c.drainTrigger() // this refresh answers any request that is pending
		if err := c.Refresh(ctx); err != nil {
			failures++
			delay = retryDelay(failures, every)
			continue
		}
		failures = 0
		delay = every + c.jitter(every/10)
	}
}

// firstDelay is how long the current list may still be used before the
// first refresh.
func (c *Catalog) firstDelay(every time.Duration) time.Duration {
	s := c.current.Load()
	if len(s.models) == 0 {
		return 0
	}
	return max(every-c.now().Sub(s.fetchedAt), 0)
}

// wait blocks for d or until Trigger asks for an early refresh. It reports
// false when ctx is done.
func (c *Catalog) wait(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	case <-c.triggered:
		return true
	}
}

// retryDelay doubles from firstRetryDelay with each consecutive failure and
// never exceeds the regular interval.
func retryDelay(failures int, every time.Duration) time.Duration {
	delay := min(firstRetryDelay, every)
	for i := 1; i < failures && delay < every; i++ {
		delay *= 2
	}
	return min(delay, every)
}

// Trigger asks Run for an early refresh, e.g. after upstream answered "no
// endpoints" for a model the catalog still lists. Requests are coalesced and
// honoured at most once per 30 seconds.
func (c *Catalog) Trigger() {
	c.requestRefresh()
}

// requestRefresh reports whether the request was accepted (not rate limited).
func (c *Catalog) requestRefresh() bool {
	now := c.now()
	c.statusMu.Lock()
	if !c.lastTrigger.IsZero() && now.Sub(c.lastTrigger) < minTriggerInterval {
		c.statusMu.Unlock()
		return false
	}
	c.lastTrigger = now
	c.statusMu.Unlock()

	select {
	case c.triggered <- struct{}{}:
	default: // one request is already pending; it covers this one too
	}
	return true
}

func (c *Catalog) drainTrigger() {
	select {
	case <-c.triggered:
	default:
	}
}

func randomJitter(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	return rand.N(n)
}
