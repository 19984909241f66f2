package loadtest

import (
	"testing"
)

// BenchmarkThroughFreelane drives 50 clients through an in-process Freelane
// against the instant upstream, for profiling the hot path:
//
//	go test -run '^$' -bench ThroughFreelane -cpuprofile cpu.out ./proxy/loadtest
//	go tool pprof -tagfocus side=freelane cpu.out
//
// Allocations and req/s include the clients and the upstream.
func BenchmarkThroughFreelane(b *testing.B) {
	for _, load := range []Load{{Clients: 50}, {Clients: 50, Stream: true}} {
		b.Run(load.String(), func(b *testing.B) {
			up, err := StartUpstream()
			if err != nil {
				b.Fatal(err)
			}
			defer up.Close()
			fl, err := FreelaneInProcess(b.Context(), b.TempDir(), up)
			if err != nil {
				b.Fatal(err)
			}
			defer fl.Close()
			client := newClient(load.Clients)
			defer client.CloseIdleConnections()
			connsBefore := up.Connections()
			b.ReportAllocs()
			b.ResetTimer()
			load.Requests = b.N
			s, err := run(b.Context(), client, fl, load)
			b.StopTimer()
			if err != nil || s.errors > 0 {
				b.Fatalf("run: %v; %d errors (%v)", err, s.errors, s.firstErr)
			}
			b.ReportMetric(float64(s.requests)/s.elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(up.Connections()-connsBefore)/float64(b.N), "upstream-conns/op")
		})
	}
}
