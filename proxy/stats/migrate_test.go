package stats

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// pythonSummary is a CALLS file as the original Python proxy writes it:
// json.dump(indent=2) of its counters, the date as the file name's digits and
// last_updated as datetime.now().isoformat(), local time without a zone.
func pythonSummary(date string, total, success, failed, timeout, retry int, lastUpdated string) string {
	return fmt.Sprintf(`{
  "date": %q,
  "total": %d,
  "success": %d,
  "failed": %d,
  "timeout": %d,
  "retry": %d,
  "last_updated": %q
}`, date, total, success, failed, timeout, retry, lastUpdated)
}

// A folder left by the original proxy: its counts continue, its history
// shows, and none of its files is set aside as corrupt.
func TestOpen_ContinuesTheOriginalProxysFiles(t *testing.T) {
	dir := t.TempDir()
	yesterday := pythonSummary("20261124", 7, 6, 1, 0, 2, "2026-11-24T23:10:05.250000")
	writeFile(t, dir, "CALLS_20261124.json", yesterday)
	writeFile(t, dir, "CALLS_20261125.json", pythonSummary("20261125", 10, 8, 1, 1, 3, "2026-11-25T09:30:45.123456"))

	clock := newFakeClock(at(25, 12, 0, 0))
	s, logs := openTestStore(t, dir, clock)
	if w := logs.warnings(); len(w) != 0 {
		t.Errorf("warnings on the original proxy's files: %v", w)
	}
	today := s.Today()
	if want := (Counts{Total: 10, Success: 8, Failed: 1, Timeout: 1, Retry: 3}); today.Counts != want {
		t.Fatalf("Today = %+v, want the original's %+v", today.Counts, want)
	}
	if today.LastUpdated != "2026-11-25T09:30:45.123456" {
		t.Errorf("Today's last_updated = %q, want the original's", today.LastUpdated)
	}
	history := s.History(2)
	if history[0].Date != "20261124" || history[0].Total != 7 || history[0].Retry != 2 {
		t.Errorf("History[0] = %+v, want yesterday's 7 calls", history[0])
	}

	mustRecord(t, s, Call{Model: "m:free", Outcome: OutcomeSuccess, Attempts: 2})
	if got := s.Today().Total; got != 11 {
		t.Fatalf("Today total after one call = %d, want 11", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	sum := readSummaryFile(t, dir, "20261125")
	if sum.Date != "20261125" || sum.Total != 11 || sum.Success != 9 || sum.Retry != 4 {
		t.Errorf("today's summary = %+v, want 11 calls in the original's date format", sum)
	}

	// The carried counts survive a restart: the journal alone holds one call.
	s2, logs := openTestStore(t, dir, clock)
	if got := s2.Today().Total; got != 11 {
		t.Errorf("Today total after a restart = %d, want 11", got)
	}
	if w := logs.warnings(); len(w) != 0 {
		t.Errorf("warnings after a restart: %v", w)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "CALLS_20261124.json")); err != nil || string(data) != yesterday {
		t.Errorf("yesterday's file changed or went: %q, %v", data, err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*"+corruptSuffix))
	if len(matches) != 0 {
		t.Errorf("files set aside as corrupt: %v", matches)
	}
}

// Summaries of earlier Freelane versions (ISO date, RFC 3339 time, with a
// journal) and of the original proxy followed by a crash (its summary, plus a
// journal of Freelane's calls that no summary covers yet) both add up.
func TestOpen_ReadsEveryDateSpelling(t *testing.T) {
	tests := []struct {
		name      string
		summary   string
		journal   string
		wantTotal int
	}{
		{
			name:      "earlier_freelane_with_journal",
			summary:   `{"date":"2026-11-25","total":2,"success":2,"failed":0,"timeout":0,"retry":0,"last_updated":"2026-11-25T10:00:00+01:00","models":{},"journal_bytes":JB}`,
			journal:   journalLine("a") + journalLine("b"),
			wantTotal: 2,
		},
		{
			name:      "earlier_freelane_journal_lost",
			summary:   `{"date":"2026-11-25","total":4,"success":4,"failed":0,"timeout":0,"retry":0,"last_updated":"2026-11-25T10:00:00Z","models":{},"journal_bytes":300}`,
			wantTotal: 4,
		},
		{
			name:      "original_then_crash_before_the_summary",
			summary:   pythonSummary("20261125", 10, 10, 0, 0, 0, "2026-11-25T09:00:00"),
			journal:   journalLine("a"),
			wantTotal: 11,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			summary := strings.ReplaceAll(tt.summary, "JB", strconv.Itoa(len(tt.journal)))
			writeFile(t, dir, "CALLS_20261125.json", summary)
			if tt.journal != "" {
				writeFile(t, dir, "CALLS_20261125.journal", tt.journal)
			}
			s, logs := openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
			if got := s.Today().Total; got != tt.wantTotal {
				t.Errorf("Today total = %d, want %d", got, tt.wantTotal)
			}
			mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess, Attempts: 1})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if sum := readSummaryFile(t, dir, "20261125"); sum.Total != tt.wantTotal+1 || sum.Date != "20261125" {
				t.Errorf("summary = %+v, want %d calls dated 20261125", sum.Day, tt.wantTotal+1)
			}
			if w := logs.warnings(); len(w) != 0 {
				t.Errorf("warnings: %v", w)
			}
		})
	}
}
