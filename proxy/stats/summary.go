package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/freelane/freelane/proxy/internal/atomicfile"
	"github.com/freelane/freelane/proxy/regularfile"
)

const (
	filePrefix     = "CALLS_"
	summarySuffix  = ".json"
	journalSuffix  = ".journal"
	corruptSuffix  = ".corrupt"
	tempInfix      = ".tmp"
	filePermission = 0o600
	dirPermission  = 0o700
)

func summaryPath(dir, fileKey string) string {
	return filepath.Join(dir, filePrefix+fileKey+summarySuffix)
}

func journalPath(dir, fileKey string) string {
	return filepath.Join(dir, filePrefix+fileKey+journalSuffix)
}

// summaryFile is the on-disk summary: the Day, then how many journal bytes
// it was derived from, so that Open can tell a stale summary from a current one.
type summaryFile struct {
	Day
	JournalBytes int64   `json:"journal_bytes"`
	Carried      *Counts `json:"carried,omitempty"` // see dayState.carried
}

// errCorruptSummary marks a summary file that exists but cannot be trusted.
var errCorruptSummary = errors.New("corrupt call summary")

// readSummary reads the summary of the day with the given date. A missing
// file is reported with an error wrapping fs.ErrNotExist, an unreadable one
// with an error wrapping errCorruptSummary.
func readSummary(dir string, d *dayState) (summaryFile, error) {
	path := summaryPath(dir, d.date)
	data, err := regularfile.ReadFile(path)
	if err != nil {
		return summaryFile{}, fmt.Errorf("reading call summary: %w", err)
	}
	var sum summaryFile
	if err := json.Unmarshal(data, &sum); err != nil {
		return summaryFile{}, fmt.Errorf("%w %s: %w", errCorruptSummary, filepath.Base(path), err)
	}
	// The date may be spelled as the original proxy and Freelane write it
	// (20261125) or as earlier Freelane versions did (2026-11-25); a date
	// of another day means the counts are not this day's.
	if sum.Date != d.date && sum.Date != d.start.Format(isoDateLayout) {
		return summaryFile{}, fmt.Errorf("%w %s: date %q, want %q", errCorruptSummary, filepath.Base(path), sum.Date, d.date)
	}
	sum.Date = d.date
	if sum.Counts.negative() || sum.JournalBytes < 0 || (sum.Carried != nil && sum.Carried.negative()) {
		return summaryFile{}, fmt.Errorf("%w %s: negative count", errCorruptSummary, filepath.Base(path))
	}
	if sum.Models == nil {
		sum.Models = map[string]ModelDay{}
	}
	return sum, nil
}

// writeSummary replaces the day's summary atomically: a reader, or the next
// Open after a crash, sees either the old file or the new one, never a mix.
func writeSummary(dir, fileKey string, sum summaryFile) error {
	data, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding call summary: %w", err)
	}
	data = append(data, '\n')
	final := summaryPath(dir, fileKey)
	// The temporary name carries tempInfix so Open can clean up after a crash.
	err = atomicfile.Write(final, data, atomicfile.Options{TempPattern: filepath.Base(final) + tempInfix + "*", Durable: true})
	if err != nil {
		return fmt.Errorf("replacing call summary: %w", err)
	}
	return nil
}
