package stats

import (
	"fmt"
	"os"
	"time"

	"github.com/freelane/freelane/proxy/internal/days"
)

// maxRolloverWait caps how long the background loop sleeps before checking
// for midnight again. Timers follow the monotonic clock, which stops while a
// laptop sleeps and ignores wall clock changes; re-checking every minute keeps
// the rollover timely after either.
const maxRolloverWait = time.Minute

// retiredDay is an ended day waiting for its final summary and for its
// journal to be synced and closed by the background loop.
type retiredDay struct {
	fileKey string
	summary summaryFile
	write   bool     // the summary on disk is behind
	journal *os.File // nil when the day had no call in this process
}

// run is the background loop: it debounces summary rewrites and rolls the day
// over at midnight. It is the only writer of summaries until Close.
func (s *Store) run() {
	defer close(s.stopped)
	flushTimer := time.NewTimer(0)
	flushTimer.Stop()
	defer flushTimer.Stop()
	flushPending := false
	rolloverTimer := time.NewTimer(s.untilRollover())
	defer rolloverTimer.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-s.flushRequests:
			if !flushPending {
				flushPending = true
				flushTimer.Reset(s.flushDelay)
			}
		case <-flushTimer.C:
			flushPending = false
			for _, err := range s.flush() {
				s.log.Warn("stats: writing call statistics", "err", err)
			}
		case <-rolloverTimer.C:
			s.mu.Lock()
			if !s.closed {
				s.rollTo(s.now())
			}
			s.mu.Unlock()
			rolloverTimer.Reset(s.untilRollover())
		}
	}
}

// untilRollover returns how long to wait before checking for a new day.
func (s *Store) untilRollover() time.Duration {
	s.mu.Lock()
	end := s.day.end
	s.mu.Unlock()
	return min(max(end.Sub(s.now()), 0), maxRolloverWait)
}

// requestFlush asks the background loop for a summary rewrite; requests made
// while one is pending merge into it without a send, so a busy store wakes
// the loop once per flush rather than once per call. s.mu must be held.
func (s *Store) requestFlush() {
	if s.flushQueued {
		return
	}
	s.flushQueued = true
	select {
	case s.flushRequests <- struct{}{}:
	default:
	}
}

// flush writes the summaries that are behind: ended days first, then today.
// Each journal is synced before its summary, so a summary never claims more
// of the journal than the disk holds, even after a power cut.
func (s *Store) flush() []error {
	s.mu.Lock()
	s.flushQueued = false // what is recorded from here on needs a new flush
	retired := s.retired
	s.retired = nil
	today := retiredDay{fileKey: s.day.date, write: s.day.dirty, journal: s.journal}
	if today.write {
		today.summary = s.day.summary(&s.scratch)
		s.day.dirty = false
	}
	s.mu.Unlock()

	var errs []error
	for _, r := range retired {
		if r.journal != nil {
			if err := r.journal.Sync(); err != nil {
				errs = append(errs, fmt.Errorf("syncing call journal of %s: %w", r.fileKey, err))
			}
			if err := r.journal.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing call journal of %s: %w", r.fileKey, err))
			}
		}
		if r.write {
			// On failure the journal is still complete: the next Open rebuilds it.
			if err := writeSummary(s.dir, r.fileKey, r.summary); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if today.journal != nil {
		if err := today.journal.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("syncing call journal: %w", err))
		}
	}
	if today.write {
		err := writeSummary(s.dir, today.fileKey, today.summary)
		s.mu.Lock()
		s.summaryErr = err
		if err != nil && s.day.date == today.fileKey {
			s.day.dirty = true // retried with the next call
		}
		s.mu.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// rollTo switches to the day of now when it is not today any more: at
// midnight, or when the wall clock was moved. After Close the day is frozen.
// s.mu must be held.
func (s *Store) rollTo(now time.Time) {
	if s.closed || s.day.contains(now) {
		return
	}
	old := s.day
	ended := retiredDay{fileKey: old.date, write: old.dirty, journal: s.journal}
	ended.summary = old.summary(&s.scratch)
	old.dirty = false
	if ended.write || ended.journal != nil {
		s.retired = append(s.retired, ended)
	}
	s.journal = nil

	start := days.LocalDay(now)
	day, err := s.loadDay(start)
	if err != nil {
		s.log.Warn("stats: starting the day without its journal", "date", day.date, "err", err)
	}
	s.day = day

	s.pastMu.Lock()
	s.past[old.date] = ended.summary.Day
	delete(s.past, day.date)
	s.pastMu.Unlock()

	s.requestFlush()
	s.notify()
}
