package service

import "time"

// restartLimiter allows at most max restarts within any window-long span of
// time: a server that keeps crashing is given up on instead of spinning.
type restartLimiter struct {
	max    int
	window time.Duration
	times  []time.Time // restarts within the last window, oldest first
}

// allow records a restart at now and reports whether it is within the limit.
func (l *restartLimiter) allow(now time.Time) bool {
	cutoff := now.Add(-l.window)
	kept := l.times[:0]
	for _, t := range l.times {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	l.times = kept
	if len(l.times) >= l.max {
		return false
	}
	l.times = append(l.times, now)
	return true
}
