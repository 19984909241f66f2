package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRecord_ConcurrentCallsAreCountedExactly(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock(at(25, 12, 0, 0))
	s, _ := openTestStore(t, dir, clock)

	const goroutines, perGoroutine = 16, 300
	outcomes := []Outcome{OutcomeSuccess, OutcomeFailed, OutcomeTimeout}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				c := Call{
					Model:    fmt.Sprintf("model-%d", g%4),
					Outcome:  outcomes[i%3],
					Duration: time.Duration(i) * time.Millisecond,
					Attempts: 1 + i%3, // 1, 2, 3 -> retry 0, 1, 2
				}
				if err := s.Record(c); err != nil {
					t.Errorf("Record: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()

	const total = goroutines * perGoroutine
	want := Day{Counts: Counts{Total: total, Success: total / 3, Failed: total / 3, Timeout: total / 3, Retry: total}}
	assertCounts(t, "Today", s.Today(), want)
	for m := range 4 {
		got := s.Today().Models[fmt.Sprintf("model-%d", m)]
		if got.Calls != total/4 || got.Success+got.Failed+got.Timeout != total/4 {
			t.Errorf("model-%d = %+v, want %d calls", m, got, total/4)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := countJournalLines(t, journalPath(dir, "20261125")); n != total {
		t.Errorf("journal has %d lines, want %d", n, total)
	}
	assertCounts(t, "summary", readSummaryFile(t, dir, "20261125").Day, want)

	reopened, _ := openTestStore(t, dir, clock)
	assertCounts(t, "after reopen", reopened.Today(), want)
}

func assertCounts(t *testing.T, what string, got, want Day) {
	t.Helper()
	if got.Total != want.Total || got.Success != want.Success || got.Failed != want.Failed ||
		got.Timeout != want.Timeout || got.Retry != want.Retry {
		t.Errorf("%s counts = total %d success %d failed %d timeout %d retry %d, want total %d success %d failed %d timeout %d retry %d",
			what, got.Total, got.Success, got.Failed, got.Timeout, got.Retry,
			want.Total, want.Success, want.Failed, want.Timeout, want.Retry)
	}
}

func TestRecord_RejectsUnknownOutcome(t *testing.T) {
	s, _ := openTestStore(t, t.TempDir(), newFakeClock(at(25, 12, 0, 0)))
	if err := s.Record(Call{Model: "m", Outcome: "maybe"}); err == nil {
		t.Fatal("Record accepted an unknown outcome")
	}
	if got := s.Today().Total; got != 0 {
		t.Errorf("total = %d after a rejected call, want 0", got)
	}
}

func TestRecord_CallWithoutModelCountsOnlyForTheDay(t *testing.T) {
	s, _ := openTestStore(t, t.TempDir(), newFakeClock(at(25, 12, 0, 0)))
	mustRecord(t, s, Call{Outcome: OutcomeFailed, Status: 503})
	day := s.Today()
	if day.Total != 1 || day.Failed != 1 || len(day.Models) != 0 {
		t.Errorf("Today = %+v, want one failed call and no model", day)
	}
}

func TestRecord_AfterCloseFails(t *testing.T) {
	s, _ := openTestStore(t, t.TempDir(), newFakeClock(at(25, 12, 0, 0)))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(Call{Model: "m", Outcome: OutcomeSuccess}); !errors.Is(err, ErrClosed) {
		t.Errorf("Record after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func TestToday_PercentilesPerModelFromSuccesses(t *testing.T) {
	s, _ := openTestStore(t, t.TempDir(), newFakeClock(at(25, 12, 0, 0)))
	for ms := 1; ms <= 100; ms++ {
		mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess, Duration: time.Duration(ms) * time.Millisecond, Attempts: 1})
	}
	// Fast refusals must not drag the percentiles down.
	for range 50 {
		mustRecord(t, s, Call{Model: "m", Outcome: OutcomeFailed, Attempts: 1})
	}
	got := s.Today().Models["m"]
	want := ModelDay{Calls: 150, Success: 100, Failed: 50, P50Ms: 50, P95Ms: 95}
	if got != want {
		t.Errorf("Models[m] = %+v, want %+v", got, want)
	}
}

func TestToday_LatencySampleIsBounded(t *testing.T) {
	s, _ := openTestStore(t, t.TempDir(), newFakeClock(at(25, 12, 0, 0)))
	// 1000 slow calls, then 1000 fast ones: only the fast ones remain sampled.
	for _, d := range []time.Duration{time.Second, time.Millisecond} {
		for range maxLatencySamples {
			mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess, Duration: d, Attempts: 1})
		}
	}
	got := s.Today().Models["m"]
	if got.P95Ms != 1 {
		t.Errorf("p95 = %d ms, want 1 (older samples evicted)", got.P95Ms)
	}
	s.mu.Lock()
	n := len(s.day.models["m"].latencies)
	s.mu.Unlock()
	if n != maxLatencySamples {
		t.Errorf("kept %d samples, want %d", n, maxLatencySamples)
	}
}

func TestToday_RollsOverAtLocalMidnightWithoutCalls(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock(at(25, 23, 59, 0))
	s, _ := openTestStore(t, dir, clock)
	mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess, Attempts: 2})
	changes, unsubscribe := s.Subscribe()
	defer unsubscribe()

	clock.Set(at(26, 0, 0, 1))
	day := s.Today()
	if day.Date != "20261126" || day.Total != 0 || len(day.Models) != 0 {
		t.Errorf("Today after midnight = %+v, want an empty 20261126", day)
	}
	select {
	case <-changes:
	default:
		t.Error("no notification for the midnight rollover")
	}

	history := s.History(2)
	if history[0].Date != "20261125" || history[0].Total != 1 || history[0].Retry != 1 {
		t.Errorf("History[0] = %+v, want yesterday with one call", history[0])
	}
	mustRecord(t, s, Call{Model: "m", Outcome: OutcomeFailed, Attempts: 1})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readSummaryFile(t, dir, "20261125"); got.Total != 1 || got.Date != "20261125" {
		t.Errorf("yesterday's summary = %+v", got)
	}
	if got := readSummaryFile(t, dir, "20261126"); got.Total != 1 || got.Failed != 1 {
		t.Errorf("today's summary = %+v", got)
	}
}

func TestSubscribe_FiresAtMidnightWithoutCalls(t *testing.T) {
	// Half a second before midnight, the background loop arms its timer for
	// midnight; the fake clock then jumps past it before the timer fires.
	clock := newFakeClock(at(25, 23, 59, 59).Add(500 * time.Millisecond))
	s, _ := openTestStore(t, t.TempDir(), clock)
	changes, unsubscribe := s.Subscribe()
	defer unsubscribe()
	clock.Set(at(26, 0, 0, 0))

	select {
	case <-changes:
	case <-time.After(10 * time.Second):
		t.Fatal("no notification after midnight")
	}
	s.mu.Lock()
	date := s.day.date
	s.mu.Unlock()
	if date != "20261126" {
		t.Errorf("current day = %s after the midnight notification, want 20261126", date)
	}
}

func TestSubscribe_CoalescesAndCloses(t *testing.T) {
	s, _ := openTestStore(t, t.TempDir(), newFakeClock(at(25, 12, 0, 0)))
	first, unsubscribeFirst := s.Subscribe()
	second, _ := s.Subscribe()
	for range 5 {
		mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess})
	}
	if got := len(first); got != 1 {
		t.Errorf("pending notifications = %d after 5 calls, want 1 (coalesced)", got)
	}

	<-first
	unsubscribeFirst()
	unsubscribeFirst() // idempotent
	if _, ok := <-first; ok {
		t.Error("channel still open after unsubscribe")
	}
	mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess}) // must not send on the closed channel

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	<-second // the pending notification
	if _, ok := <-second; ok {
		t.Error("channel still open after Close")
	}
	late, _ := s.Subscribe()
	if _, ok := <-late; ok {
		t.Error("Subscribe after Close returned an open channel")
	}
}

func TestRecent_NewestFirstAndRestoredOnOpen(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock(at(25, 12, 0, 0))
	logs := &recordingHandler{}
	s, err := Open(dir, Options{Now: clock.Now, Logger: slogFor(logs), RecentSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustRecord(t, s, Call{Model: fmt.Sprintf("m%d", i), Outcome: OutcomeSuccess, Status: 200})
	}
	assertModels := func(what string, calls []Call, want ...string) {
		t.Helper()
		var got []string
		for _, c := range calls {
			got = append(got, c.Model)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	assertModels("Recent(2)", s.Recent(2), "m4", "m3")
	assertModels("Recent(10)", s.Recent(10), "m4", "m3", "m2")
	assertModels("Recent(0)", s.Recent(0))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	reopened, err := Open(dir, Options{Now: clock.Now, Logger: slogFor(logs), RecentSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	recent := reopened.Recent(10)
	assertModels("Recent after reopen", recent, "m4", "m3", "m2")
	if recent[0].Status != 200 || recent[0].Outcome != OutcomeSuccess || !recent[0].Time.Equal(at(25, 12, 0, 0)) {
		t.Errorf("restored call = %+v", recent[0])
	}
}

func TestHistory_ZeroFillsMissingDays(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock(at(21, 10, 0, 0))
	s, _ := openTestStore(t, dir, clock)
	calls := map[int]int{21: 2, 23: 1, 25: 3} // day of November -> calls
	for day := 21; day <= 25; day++ {
		clock.Set(at(day, 10, 0, 0))
		for range calls[day] {
			mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess, Attempts: 1})
		}
	}

	check := func(what string, history []Day) {
		t.Helper()
		if len(history) != 7 {
			t.Fatalf("%s: %d days, want 7", what, len(history))
		}
		for i, day := range history {
			date := at(19+i, 0, 0, 0).Format(dateLayout)
			if day.Date != date || day.Total != calls[19+i] || day.Models == nil {
				t.Errorf("%s[%d] = %+v, want date %s with %d calls", what, i, day, date, calls[19+i])
			}
		}
	}
	check("History", s.History(7))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	reopened, _ := openTestStore(t, dir, clock)
	check("History from disk", reopened.History(7))
	if got := reopened.History(0); got != nil {
		t.Errorf("History(0) = %v, want nil", got)
	}
}

func TestHistory_CallerMayModifyModels(t *testing.T) {
	clock := newFakeClock(at(24, 10, 0, 0))
	s, _ := openTestStore(t, t.TempDir(), clock)
	mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess})
	clock.Set(at(25, 10, 0, 0))
	delete(s.History(2)[0].Models, "m")
	if _, ok := s.History(2)[0].Models["m"]; !ok {
		t.Error("deleting from a returned Models map changed the store")
	}
}

func TestFiles_ArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	s, _ := openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
	mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		dir:                          0o700,
		journalPath(dir, "20261125"): 0o600,
		summaryPath(dir, "20261125"): 0o600,
	} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", filepath.Base(path), got, want)
		}
	}
}

func TestRecord_SummaryFollowsWithinFlushDelay(t *testing.T) {
	dir := t.TempDir()
	s, _ := openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
	mustRecord(t, s, Call{Model: "m", Outcome: OutcomeTimeout, Attempts: 3})
	waitFor(t, "the summary to be written", func() bool {
		_, err := os.Stat(summaryPath(dir, "20261125"))
		return err == nil
	})
	sum := readSummaryFile(t, dir, "20261125")
	if sum.Total != 1 || sum.Timeout != 1 || sum.Retry != 2 || sum.Models["m"].Timeout != 1 {
		t.Errorf("summary = %+v", sum)
	}
}

func TestRecord_CountsTheCallWhenTheJournalCannotBeWritten(t *testing.T) {
	dir := t.TempDir()
	s, _ := openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
	// A directory where the journal should be: opening it for writing fails,
	// even for root.
	if err := os.Mkdir(journalPath(dir, "20261125"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := s.Record(Call{Model: "m", Outcome: OutcomeSuccess})
	if err == nil || !strings.Contains(err.Error(), "call journal") {
		t.Errorf("Record = %v, want a call journal error", err)
	}
	if got := s.Today().Total; got != 1 {
		t.Errorf("total = %d, want 1: the call still counts for today", got)
	}
}

// A full or read-only CACHE_DIR must show (in /health, in the tray), not
// silently lose counts: SaveError reports it until saving works again.
func TestSaveError_ReportsUnsavedCallsUntilSavingWorks(t *testing.T) {
	for name, blocked := range map[string]string{"journal": journalPath("", "20261125"), "summary": summaryPath("", "20261125")} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
			// A folder in the way fails the write even for root.
			if err := os.Mkdir(filepath.Join(dir, blocked), 0o700); err != nil {
				t.Fatal(err)
			}
			_ = s.Record(Call{Model: "m", Outcome: OutcomeSuccess})
			waitFor(t, "the save error", func() bool { return s.SaveError() != nil })
			if err := os.Remove(filepath.Join(dir, blocked)); err != nil {
				t.Fatal(err)
			}
			mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess})
			waitFor(t, "saving to work again", func() bool { return s.SaveError() == nil })
		})
	}
}

func TestRecord_ConcurrentCallsAcrossMidnightAreCountedOnce(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock(at(25, 23, 59, 59))
	s, _ := openTestStore(t, dir, clock)

	const goroutines, perGoroutine = 8, 200
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				if err := s.Record(Call{Model: "m", Outcome: OutcomeSuccess, Attempts: 1}); err != nil {
					t.Errorf("Record: %v", err)
					return
				}
			}
		})
	}
	wg.Go(func() { clock.Set(at(26, 0, 0, 0)) })
	wg.Wait()

	history := s.History(2)
	if got := history[0].Total + history[1].Total; got != goroutines*perGoroutine {
		t.Errorf("yesterday %d + today %d = %d calls, want %d", history[0].Total, history[1].Total, got, goroutines*perGoroutine)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for i, key := range []string{"20261125", "20261126"} {
		if history[i].Total == 0 {
			continue
		}
		if n := countJournalLines(t, journalPath(dir, key)); n != history[i].Total {
			t.Errorf("journal %s has %d lines, History says %d", key, n, history[i].Total)
		}
		if sum := readSummaryFile(t, dir, key); sum.Total != history[i].Total {
			t.Errorf("summary %s total %d, History says %d", key, sum.Total, history[i].Total)
		}
	}
}

// TestRecord_CallsAfterAFlushAreFlushedToo checks that a flush request
// merged into a pending one is not lost: calls recorded after the summary
// was written wake the loop again, and calls recorded in a burst before it
// leave a single request queued.
func TestRecord_CallsAfterAFlushAreFlushedToo(t *testing.T) {
	dir := t.TempDir()
	s, _ := openTestStore(t, dir, newFakeClock(at(25, 12, 0, 0)))
	for round := 1; round <= 3; round++ {
		for range round {
			mustRecord(t, s, Call{Model: "m", Outcome: OutcomeSuccess, Attempts: 1})
		}
		s.mu.Lock()
		queued := len(s.flushRequests)
		s.mu.Unlock()
		if queued > 1 {
			t.Fatalf("round %d: %d flush requests queued, want at most one", round, queued)
		}
		want := round * (round + 1) / 2
		waitFor(t, fmt.Sprintf("the summary to count %d calls", want), func() bool {
			data, err := os.ReadFile(summaryPath(dir, "20261125"))
			var sum summaryFile
			return err == nil && json.Unmarshal(data, &sum) == nil && sum.Total == want
		})
	}
}
