package stats

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/internal/testclock"
	"github.com/freelane/freelane/proxy/internal/testpoll"
)

type fakeClock = testclock.Clock

func newFakeClock(t time.Time) *fakeClock { return testclock.New(t) }

// at returns a local time on 2026-11-<day>.
func at(day, hour, minute, second int) time.Time {
	return time.Date(2026, time.November, day, hour, minute, second, 0, time.Local)
}

// recordingHandler keeps log records so tests can assert on warnings.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// warnings returns the messages logged at warning level or above.
func (h *recordingHandler) warnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var msgs []string
	for _, r := range h.records {
		if r.Level >= slog.LevelWarn {
			msgs = append(msgs, r.Message)
		}
	}
	return msgs
}

func (h *recordingHandler) hasWarning(substr string) bool {
	return slices.ContainsFunc(h.warnings(), func(m string) bool { return strings.Contains(m, substr) })
}

// openTestStore opens a store in dir with the given clock and closes it at
// the end of the test.
func openTestStore(t testing.TB, dir string, clock *fakeClock) (*Store, *recordingHandler) {
	t.Helper()
	logs := &recordingHandler{}
	s, err := Open(dir, Options{Now: clock.Now, Logger: slog.New(logs), FlushDelay: time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, logs
}

func mustRecord(t testing.TB, s *Store, c Call) {
	t.Helper()
	if err := s.Record(c); err != nil {
		t.Fatalf("Record(%+v): %v", c, err)
	}
}

// wantFields is the summary's top-level key order: the Python proxy's fields
// first, then Freelane's.
var wantFields = []string{"date", "total", "success", "failed", "timeout", "retry", "last_updated", "models", "journal_bytes"}

// readSummaryFile reads CALLS_<key>.json, checks that it is valid JSON with
// the expected keys in order, and decodes it.
func readSummaryFile(t testing.TB, dir, fileKey string) summaryFile {
	t.Helper()
	data, err := os.ReadFile(summaryPath(dir, fileKey))
	if err != nil {
		t.Fatalf("reading summary: %v", err)
	}
	keys := topLevelKeys(t, data)
	if len(keys) == len(wantFields)+1 && keys[len(keys)-1] == "carried" {
		keys = keys[:len(keys)-1] // only present for a day with carried counts
	}
	if !slices.Equal(keys, wantFields) {
		t.Fatalf("summary keys = %v, want %v\n%s", keys, wantFields, data)
	}
	var sum summaryFile
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatalf("decoding summary: %v", err)
	}
	if sum.LastUpdated != "" {
		if _, err := time.ParseInLocation(lastUpdatedLayout, sum.LastUpdated, time.Local); err != nil {
			t.Errorf("last_updated %q is not the original proxy's local time format: %v", sum.LastUpdated, err)
		}
	}
	return sum
}

func topLevelKeys(t testing.TB, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("summary is not a JSON object: %v %v\n%s", tok, err, data)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("summary is not valid JSON: %v\n%s", err, data)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("summary is not valid JSON: %v\n%s", err, data)
		}
	}
	if _, err := dec.Token(); err != nil {
		t.Fatalf("summary is not valid JSON: %v\n%s", err, data)
	}
	if dec.More() {
		t.Fatalf("trailing data after the summary object\n%s", data)
	}
	return keys
}

// countJournalLines counts the calls in a journal, failing on any bad line.
func countJournalLines(t testing.TB, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading journal: %v", err)
	}
	n := 0
	for line := range bytes.Lines(data) {
		var c Call
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("journal line %d %q: %v", n+1, line, err)
		}
		n++
	}
	return n
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testpoll.Until(t, 10*time.Second, what, cond)
}

func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func slogFor(h slog.Handler) *slog.Logger { return slog.New(h) }
