package stats

import (
	"log/slog"
	"strconv"
	"testing"
	"time"
)

func openBenchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(b.TempDir(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

var benchCall = Call{
	Model:    "qwen/qwen3-coder:free",
	Outcome:  OutcomeSuccess,
	Duration: 1500 * time.Millisecond,
	Attempts: 2,
	Stream:   true,
	Status:   200,
}

// BenchmarkRecord measures the request hot path: one journal write plus the
// in-memory counts.
func BenchmarkRecord(b *testing.B) {
	s := openBenchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Record(benchCall); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	s := openBenchStore(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Record(benchCall); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkToday measures what the retry gate pays per request, with a busy
// day's worth of models whose percentiles just changed.
func BenchmarkToday(b *testing.B) {
	s := openBenchStore(b)
	for i := range 20 {
		c := benchCall
		c.Model = "model-" + strconv.Itoa(i)
		for range maxLatencySamples {
			if err := s.Record(c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if s.Today().Total == 0 {
			b.Fatal("no calls")
		}
	}
}

func BenchmarkRecent(b *testing.B) {
	s := openBenchStore(b)
	for range 100 {
		if err := s.Record(benchCall); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(s.Recent(3)) != 3 {
			b.Fatal("want 3 calls")
		}
	}
}
