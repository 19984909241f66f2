package stats

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// loadDay builds the state of the day that starts at start from its journal,
// pushing its calls into the recent ring. A torn last line is cut off, so
// that the lines Record appends start on a line boundary. The day comes back
// dirty when its summary needs rewriting. On error the returned day is empty
// but usable.
func (s *Store) loadDay(start time.Time) (*dayState, error) {
	d := newDayState(start)
	path := journalPath(s.dir, d.date)
	scan, err := replayJournal(path, func(c Call) {
		d.add(c, c.Time)
		s.recent.push(c)
	})
	hasJournal := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return newDayState(start), err
	}
	if hasJournal {
		s.reportScan(d, scan)
		if scan.tornBytes() > 0 {
			if err := os.Truncate(path, scan.validBytes); err != nil {
				return newDayState(start), fmt.Errorf("cutting the torn line off the call journal: %w", err)
			}
		}
		d.journalBytes = scan.validBytes
	}

	sum, err := readSummary(s.dir, d)
	switch {
	case err == nil:
		d.carry(sum, hasJournal)
		d.dirty = sum.JournalBytes != d.journalBytes
	case errors.Is(err, fs.ErrNotExist):
		// An empty journal (opened, then killed before a call) is a day
		// without calls, which has no summary.
		d.dirty = hasJournal && d.journalBytes > 0
	default:
		s.log.Warn("stats: replacing an unreadable call summary", "date", d.date, "err", err)
		s.setAside(d)
		if d.lastUpdated.IsZero() {
			d.lastUpdated = s.now()
		}
		d.dirty = true
	}
	return d, nil
}

// repairPastDays brings the summary of every day but today in line with its
// journal and replaces corrupt summaries, so that History can trust them.
// It also removes temporary files left by a crash during a summary rewrite.
func (s *Store) repairPastDays(today time.Time) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("reading stats directory: %w", err)
	}
	hasJournal := make(map[string]bool) // file key -> whether a journal exists
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, filePrefix) {
			continue
		}
		if strings.Contains(name, summarySuffix+tempInfix) {
			if err := os.Remove(filepath.Join(s.dir, name)); err != nil {
				s.log.Warn("stats: cannot remove a leftover temporary summary", "file", name, "err", err)
			}
			continue
		}
		key, isJournal := strings.CutSuffix(strings.TrimPrefix(name, filePrefix), journalSuffix)
		if !isJournal {
			var isSummary bool
			if key, isSummary = strings.CutSuffix(key, summarySuffix); !isSummary {
				continue
			}
		}
		if _, err := time.ParseInLocation(dateLayout, key, time.Local); err != nil {
			continue
		}
		hasJournal[key] = hasJournal[key] || isJournal
	}

	todayKey := today.Format(dateLayout)
	keys := make([]string, 0, len(hasJournal))
	for key := range hasJournal {
		if key != todayKey {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys) // deterministic log order
	for _, key := range keys {
		start, _ := time.ParseInLocation(dateLayout, key, time.Local)
		s.repairDay(newDayState(start), hasJournal[key])
	}
	return nil
}

// repairDay rewrites one past day's summary when it is behind its journal or
// corrupt. Failures are logged: a past day must not keep the proxy from starting.
func (s *Store) repairDay(d *dayState, hasJournal bool) {
	sum, sumErr := readSummary(s.dir, d)
	corrupt := sumErr != nil && !errors.Is(sumErr, fs.ErrNotExist)
	if !hasJournal {
		if !corrupt {
			return
		}
		s.log.Warn("stats: replacing a corrupt call summary that has no journal with an empty day", "date", d.date, "err", sumErr)
		s.setAside(d)
		d.lastUpdated = s.now()
		if err := writeSummary(s.dir, d.date, d.summary(nil)); err != nil {
			s.log.Warn("stats: writing call summary", "date", d.date, "err", err)
		}
		return
	}

	path := journalPath(s.dir, d.date)
	info, err := os.Stat(path)
	if err != nil {
		s.log.Warn("stats: cannot read a call journal", "date", d.date, "err", err)
		return
	}
	if sumErr == nil && sum.JournalBytes == info.Size() {
		return
	}
	scan, err := replayJournal(path, func(c Call) { d.add(c, c.Time) })
	if err != nil {
		s.log.Warn("stats: cannot read a call journal", "date", d.date, "err", err)
		return
	}
	s.reportScan(d, scan)
	if sumErr == nil {
		d.carry(sum, true)
	}
	// The summary covers the whole file, torn tail included, so that the
	// next Open sees it as current and does not report the tail again.
	d.journalBytes = scan.size
	if corrupt {
		s.log.Warn("stats: replacing a corrupt call summary from its journal", "date", d.date, "err", sumErr)
		s.setAside(d)
	} else {
		s.log.Info("stats: rebuilt a call summary from its journal", "date", d.date, "calls", scan.calls)
	}
	if err := writeSummary(s.dir, d.date, d.summary(nil)); err != nil {
		s.log.Warn("stats: writing call summary", "date", d.date, "err", err)
	}
}

// reportScan logs what replaying a journal had to skip.
func (s *Store) reportScan(d *dayState, scan journalScan) {
	if torn := scan.tornBytes(); torn > 0 {
		s.log.Warn("stats: skipped a torn last line in the call journal", "date", d.date, "bytes", torn)
	}
	if scan.badLines > 0 {
		s.log.Warn("stats: skipped unreadable lines in the call journal", "date", d.date, "lines", scan.badLines)
	}
}

// setAside keeps a corrupt summary as .corrupt for inspection before it is
// replaced.
func (s *Store) setAside(d *dayState) {
	path := summaryPath(s.dir, d.date)
	if err := os.Rename(path, path+corruptSuffix); err != nil {
		s.log.Warn("stats: cannot keep the corrupt call summary aside", "date", d.date, "err", err)
	}
}
