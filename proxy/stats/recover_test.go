package stats

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// journalLine returns one encoded journal line for a successful call to model.
func journalLine(model string) string {
	data, err := json.Marshal(Call{Time: at(24, 10, 0, 0), Model: model, Outcome: OutcomeSuccess, Attempts: 1})
	if err != nil {
		panic(err)
	}
	return string(data) + "\n"
}

func TestOpen_RebuildsTodayFromAJournalThatIsAhead(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock(at(25, 12, 0, 0))
	s, _ := openTestStore(t, dir, clock)
	mustRecord(t, s, Call{Model: "a", Outcome: OutcomeSuccess})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Calls that reached the journal after the last summary rewrite, as after kill -9.
	appendToFile(t, journalPath(dir, "20261125"), journalLine("b")+journalLine("b"))

	reopened, _ := openTestStore(t, dir, clock)
	day := reopened.Today()
	if day.Total != 3 || day.Models["b"].Calls != 2 {
		t.Errorf("Today after reopen = %+v, want 3 calls, 2 of them b", day)
	}
	waitFor(t, "the summary to catch up with the journal", func() bool {
		data, err := os.ReadFile(summaryPath(dir, "20261125"))
		return err == nil && strings.Contains(string(data), `"total": 3`)
	})
	readSummaryFile(t, dir, "20261125")
}

func TestOpen_RebuildsAPastDayWhoseSummaryIsBehind(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock(at(24, 12, 0, 0))
	s, _ := openTestStore(t, dir, clock)
	mustRecord(t, s, Call{Model: "a", Outcome: OutcomeSuccess})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	appendToFile(t, journalPath(dir, "20261124"), journalLine("b"))

	clock.Set(at(25, 12, 0, 0))
	reopened, logs := openTestStore(t, dir, clock)
	// Open rebuilt the summary on disk before returning.
	sum := readSummaryFile(t, dir, "20261124")
	if sum.Total != 2 || sum.Models["b"].Calls != 1 {
		t.Errorf("rebuilt summary = %+v, want 2 calls", sum)
	}
	if info, _ := os.Stat(journalPath(dir, "20261124")); sum.JournalBytes != info.Size() {
		t.Errorf("journal_bytes = %d, want the journal size %d", sum.JournalBytes, info.Size())
	}
	if got := reopened.History(2)[0].Total; got != 2 {
		t.Errorf("History total = %d, want 2", got)
	}
	if w := logs.warnings(); len(w) != 0 {
		t.Errorf("warnings for a routine rebuild: %v", w)
	}
}

func TestOpen_SkipsAndCutsATornLastLine(t *testing.T) {
	dir := t.TempDir()
	path := journalPath(dir, "20261125")
	good := journalLine("a") + journalLine("a") + journalLine("a")
	writeFile(t, dir, "CALLS_20261125.journal", good+`{"time":"2026-11-25T10:00:00Z","mod`)

	clock := newFakeClock(at(25, 12, 0, 0))
	s, logs := openTestStore(t, dir, clock)
	if got := s.Today().Total; got != 3 {
		t.Errorf("total = %d, want 3 (torn line skipped)", got)
	}
	if !logs.hasWarning("torn") {
		t.Errorf("no warning about the torn line; got %v", logs.warnings())
	}
	if info, _ := os.Stat(path); info.Size() != int64(len(good)) {
		t.Errorf("journal size = %d, want %d (torn tail cut off)", info.Size(), len(good))
	}

	mustRecord(t, s, Call{Model: "a", Outcome: OutcomeSuccess})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countJournalLines(t, path); n != 4 {
		t.Errorf("journal has %d valid lines, want 4", n)
	}
	reopened, logs := openTestStore(t, dir, clock)
	if got := reopened.Today().Total; got != 4 {
		t.Errorf("total after reopen = %d, want 4", got)
	}
	if w := logs.warnings(); len(w) != 0 {
		t.Errorf("warnings after the repair: %v", w)
	}
}

func TestOpen_SkipsUnreadableJournalLines(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "CALLS_20261125.journal", journalLine("a")+"not json\n"+`{"outcome":"maybe"}`+"\n\n"+journalLine("a"))
	s, logs := openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
	if got := s.Today().Total; got != 2 {
		t.Errorf("total = %d, want 2", got)
	}
	if !logs.hasWarning("unreadable lines") {
		t.Errorf("no warning about bad lines; got %v", logs.warnings())
	}
}

func TestOpen_ReplacesCorruptSummaries(t *testing.T) {
	tests := []struct {
		name        string
		fileKey     string
		summary     string
		journal     string
		wantTotal   int
		wantWarning string
	}{
		{name: "past_day_without_journal", fileKey: "20261120", summary: "{not json", wantTotal: 0, wantWarning: "no journal"},
		{name: "past_day_wrong_date", fileKey: "20261120", summary: `{"date":"1999-01-01","total":5}`, wantTotal: 0, wantWarning: "no journal"},
		{name: "past_day_negative_count", fileKey: "20261120", summary: `{"date":"2026-11-20","total":-1}`, wantTotal: 0, wantWarning: "no journal"},
		{name: "past_day_with_journal", fileKey: "20261120", summary: "\x00\x00\x00", journal: journalLine("a") + journalLine("a"), wantTotal: 2, wantWarning: "from its journal"},
		{name: "today_without_journal", fileKey: "20261125", summary: "[]", wantTotal: 0, wantWarning: "unreadable call summary"},
		{name: "today_with_journal", fileKey: "20261125", summary: "", journal: journalLine("a"), wantTotal: 1, wantWarning: "unreadable call summary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "CALLS_"+tt.fileKey+".json", tt.summary)
			if tt.journal != "" {
				writeFile(t, dir, "CALLS_"+tt.fileKey+".journal", tt.journal)
			}
			s, logs := openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
			if !logs.hasWarning(tt.wantWarning) {
				t.Errorf("warnings = %v, want one containing %q", logs.warnings(), tt.wantWarning)
			}
			history := s.History(6)
			var day Day
			for _, d := range history {
				if d.Date == tt.fileKey {
					day = d
				}
			}
			if day.Total != tt.wantTotal {
				t.Errorf("History total for %s = %d, want %d", tt.fileKey, day.Total, tt.wantTotal)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if sum := readSummaryFile(t, dir, tt.fileKey); sum.Total != tt.wantTotal {
				t.Errorf("replacement summary total = %d, want %d", sum.Total, tt.wantTotal)
			}
			kept, err := os.ReadFile(summaryPath(dir, tt.fileKey) + corruptSuffix)
			if err != nil || string(kept) != tt.summary {
				t.Errorf("corrupt summary kept aside = %q, %v; want %q", kept, err, tt.summary)
			}
		})
	}
}

func TestOpen_RemovesLeftoverTemporarySummaries(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "CALLS_20261124.json.tmp123", `{"date":`)
	writeFile(t, dir, "unrelated.txt", "keep")
	openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
	if _, err := os.Stat(summaryPath(dir, "20261124") + ".tmp123"); !os.IsNotExist(err) {
		t.Errorf("leftover temporary summary still there: %v", err)
	}
	if _, err := os.Stat(dir + "/unrelated.txt"); err != nil {
		t.Errorf("unrelated file removed: %v", err)
	}
}

func TestOpen_FailsOnAnUnusableDirectory(t *testing.T) {
	file := t.TempDir() + "/file"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file, Options{}); err == nil {
		t.Fatal("Open on a regular file succeeded")
	} else if !strings.Contains(err.Error(), "stats directory") {
		t.Errorf("error %q does not say what failed", err)
	}
}

func appendToFile(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprint(f, content); err != nil {
		t.Fatal(err)
	}
}
