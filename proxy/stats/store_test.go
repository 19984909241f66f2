package stats

import (
	"errors"
	"fmt"
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
	want := Day{Total: total, Success: total / 3, Failed: total / 3, Timeout: total / 3, Retry: total}
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
	if day.Date != "2026-11-26" || day.Total != 0 || len(day.Models) != 0 {
		t.Errorf("Today after midnight = %+v, want an empty 2026-11-26", day)
	}
	select {
	case <-changes:
	default:
		t.Error("no notification for the midnight rollover")
	}

	history := s.History(2)
	if history[0].Date != "2026-11-25" || history[0].Total != 1 || history[0].Retry != 1 {
		t.Errorf("History[0] = %+v, want yesterday with one call", history[0])
	}
	mustRecord(t, s, Call{Model: "m", Outcome: OutcomeFailed, Attempts: 1})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readSummaryFile(t, dir, "20261125"); got.Total != 1 || got.Date != "2026-11-25" {
		t.Errorf("yesterday's summary = %+v", got)
	}
	if got := readSummaryFile(t, dir, "20261126"); got.Total != 1 || got.Failed != 1 {
		t.Errorf("today's summary = %+v", got)
	}
}
