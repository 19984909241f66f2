package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/freelane/freelane/proxy/internal/days"

	"github.com/freelane/freelane/proxy/internal/broadcast"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Now returns the current time. Its local calendar day decides which day a
	// call counts in. Default time.Now.
	Now func() time.Time
	// Logger receives reports about damaged or unwritable files. Default slog.Default().
	Logger *slog.Logger
	// FlushDelay is the longest a summary lags behind the journal while calls
	// arrive, and so also the shortest time between two rewrites. Default 250 ms.
	FlushDelay time.Duration
	// RecentSize is how many calls Recent can return. Default 100.
	RecentSize int
}

const (
	defaultFlushDelay = 250 * time.Millisecond
	defaultRecentSize = 100
)

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("stats store closed")

// Store counts calls per local day. All methods are safe for concurrent use.
type Store struct {
	dir        string
	now        func() time.Time
	log        *slog.Logger
	flushDelay time.Duration

	mu      sync.Mutex
	day     *dayState     // today
	journal *os.File      // today's journal; opened by the day's first Record
	line    bytes.Buffer  // Record's encoding buffer
	lineEnc *json.Encoder // encodes into line, newline included
	scratch []int64       // percentile sorting buffer
	retired []retiredDay  // ended days whose final summary is not written yet
	recent  recentRing
	changes broadcast.Notifier // Subscribe's channels
	closed  bool
	// journalErr and summaryErr are the last failures to save calls (a
	// full disk, a read-only folder), cleared by the next save that works.
	journalErr, summaryErr error

	pastMu sync.Mutex
	past   map[string]Day // past days by date, as History last read them

	flushRequests chan struct{} // capacity 1: coalesces Record's "please flush"
	// flushQueued is set, under mu, from a flush request until the flush
	// that serves it reads the day: the calls recorded meanwhile ride along
	// without waking the background loop once each.
	flushQueued bool
	done        chan struct{} // closed by Close to stop the background loop
	stopped     chan struct{} // closed when the background loop has returned

	closeOnce sync.Once
	closeErr  error
}

// Open loads the statistics kept in dir, creating dir if needed. It rebuilds
// any summary that is behind its journal, replaces corrupt ones, restores
// today's counts and recent calls from today's journal, and starts the
// background flush. Damaged files are reported through the logger and never
// make Open fail; only a directory or a today's journal that cannot be read
// or written does.
func Open(dir string, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.FlushDelay <= 0 {
		o.FlushDelay = defaultFlushDelay
	}
	if o.RecentSize <= 0 {
		o.RecentSize = defaultRecentSize
	}
	if err := os.MkdirAll(dir, dirPermission); err != nil {
		return nil, fmt.Errorf("creating stats directory: %w", err)
	}
	s := &Store{
		dir:           dir,
		now:           o.Now,
		log:           o.Logger,
		flushDelay:    o.FlushDelay,
		recent:        newRecentRing(o.RecentSize),
		past:          make(map[string]Day),
		flushRequests: make(chan struct{}, 1),
		done:          make(chan struct{}),
		stopped:       make(chan struct{}),
	}
	s.lineEnc = json.NewEncoder(&s.line)
	s.lineEnc.SetEscapeHTML(false)
	today := days.LocalDay(s.now())
	if err := s.repairPastDays(today); err != nil {
		return nil, err
	}
	day, err := s.loadDay(today)
	if err != nil {
		return nil, err
	}
	s.day = day
	if day.dirty {
		s.requestFlush()
	}
	go s.run()
	return s, nil
}

// Record counts a finished call. The call is in the journal, in the page cache
// of the kernel, when Record returns; the summary follows within FlushDelay.
// The call is counted in memory even when the journal write fails, so the
// returned error is for logging, not for retrying.
func (s *Store) Record(c Call) error {
	if !c.Outcome.valid() {
		return fmt.Errorf("recording call: unknown outcome %q", c.Outcome)
	}
	c.Error = truncateError(c.Error)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	// Reading the clock under the lock keeps the days of concurrent calls in
	// order: a call read just before midnight cannot switch the store back
	// after another one has already rolled it over.
	now := s.now()
	if c.Time.IsZero() {
		c.Time = now
	}
	s.rollTo(now)
	err := s.appendToJournal(c)
	s.journalErr = err
	s.day.add(c, now)
	s.recent.push(c)
	s.requestFlush()
	s.notify()
	return err
}

// appendToJournal writes c as one line with one write(2). s.mu must be held.
func (s *Store) appendToJournal(c Call) error {
	if s.journal == nil {
		f, err := openJournal(journalPath(s.dir, s.day.date))
		if err != nil {
			return err
		}
		s.journal = f
	}
	s.line.Reset()
	if err := s.lineEnc.Encode(c.line()); err != nil {
		return fmt.Errorf("encoding call: %w", err)
	}
	n, err := s.journal.Write(s.line.Bytes())
	if err == nil {
		s.day.journalBytes += int64(n)
		return nil
	}
	// A short write (a full disk) leaves half a line that the next line
	// would be glued to; cut it off so the journal stays line-aligned.
	if n > 0 {
		if terr := s.journal.Truncate(s.day.journalBytes); terr != nil {
			s.day.journalBytes += int64(n)
		}
	}
	return fmt.Errorf("appending to call journal: %w", err)
}

// SaveError is the last failure to save calls to disk, nil once saving
// works again. Calls are still counted in memory meanwhile, but a restart
// would lose them: the user needs to know.
func (s *Store) SaveError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.journalErr != nil {
		return s.journalErr
	}
	return s.summaryErr
}

// Today returns today's counts. It never touches the disk except to switch
// to a new day at midnight.
func (s *Store) Today() Day {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollTo(s.now())
	return s.day.snapshot(&s.scratch)
}

// Recent returns up to n of the latest calls, newest first. After Open it
// holds today's calls from the journal.
func (s *Store) Recent(n int) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recent.newest(n)
}

// History returns the last days days, oldest first and today last. Days
// without a summary on disk are returned with zero counts.
func (s *Store) History(days int) []Day {
	if days <= 0 {
		return nil
	}
	s.mu.Lock()
	s.rollTo(s.now())
	today := s.day.snapshot(&s.scratch)
	y, m, d := s.day.start.Date()
	s.mu.Unlock()

	history := make([]Day, days)
	history[days-1] = today
	for i := range days - 1 {
		start := time.Date(y, m, d-(days-1-i), 0, 0, 0, 0, time.Local)
		history[i] = s.pastDay(newDayState(start))
	}
	return history
}

// pastDay returns an ended day from the cache, or else from its summary.
func (s *Store) pastDay(d *dayState) Day {
	s.pastMu.Lock()
	defer s.pastMu.Unlock()
	if day, ok := s.past[d.date]; ok {
		return cloneDay(day)
	}
	sum, err := readSummary(s.dir, d)
	switch {
	case err == nil:
		s.past[d.date] = sum.Day
		return cloneDay(sum.Day)
	case errors.Is(err, os.ErrNotExist):
		// A day without calls; ended days do not change, so remember it.
		day := d.snapshot(nil)
		s.past[d.date] = day
		return cloneDay(day)
	default:
		s.log.Warn("stats: cannot read a past day, showing it empty", "date", d.date, "err", err)
		return d.snapshot(nil)
	}
}

// cloneDay gives callers a Models map they may change.
func cloneDay(d Day) Day {
	models := make(map[string]ModelDay, len(d.Models))
	for name, m := range d.Models {
		models[name] = m
	}
	d.Models = models
	return d
}

// Close writes the final summary, syncs and closes the journal, and stops the
// background flush. It is idempotent; later calls return the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		<-s.stopped

		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.changes.Close()

		errs := s.flush()
		s.mu.Lock()
		if s.journal != nil {
			if err := s.journal.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing call journal: %w", err))
			}
			s.journal = nil
		}
		s.mu.Unlock()
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}
