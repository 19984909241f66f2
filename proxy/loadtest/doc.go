// Package loadtest measures what Freelane adds between a client and
// OpenRouter. It runs one load, alternating in a single run, against an
// instant upstream reached directly, through Freelane, through a bare
// httputil.ReverseProxy and through nginx (when nginx is installed), and
// reports throughput, added latency percentiles, CPU time per request, the
// streamed first-byte delta, memory per open stream, idle memory and
// start-up time of the real binary.
//
// The upstream is purpose-built (Upstream) rather than the test fake: the
// fake decodes every request, looks models up and marshals each chunk, and
// needs a testing.TB; under a 2-core load that work would be charged to
// every target and blur the difference being measured.
//
// The command is go run ./proxy/loadtest/cmd/freelane-bench; the package's
// test runs the same harness with tiny counts as a smoke test.
package loadtest
