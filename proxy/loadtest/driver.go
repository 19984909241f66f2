package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Request bodies: a short chat call, as an SDK sends it.
var (
	chatBody   = []byte(`{"model":"` + BenchModel + `","messages":[{"role":"user","content":"Say hello in one short sentence."}]}`)
	streamBody = []byte(`{"model":"` + BenchModel + `","stream":true,"messages":[{"role":"user","content":"Say hello in one short sentence."}]}`)
	dataPrefix = []byte("data: ")
	doneEvent  = []byte("data: [DONE]")
)

// Load is one load shape.
type Load struct {
	Clients int  // concurrent clients, each with its own keep-alive connection
	Stream  bool // stream: true requests
	// The load runs for Duration, or until Requests calls were made when
	// Requests is set.
	Duration time.Duration
	Requests int
}

func (l Load) String() string {
	mode := "non-stream"
	if l.Stream {
		mode = "stream"
	}
	return fmt.Sprintf("%d clients %s", l.Clients, mode)
}

// sample is what one run of a load against one target measured.
type sample struct {
	requests   int
	errors     int
	firstErr   error
	elapsed    time.Duration
	latencies  []time.Duration // whole call, request sent -> last byte read
	firstBytes []time.Duration // streams: request sent -> first data event
	cpu        time.Duration   // CPU time of the target's processes
}

// newClient is the load's HTTP client: one keep-alive connection per
// client, no compression, nothing between it and the target.
func newClient(clients int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        clients + 16,
		MaxIdleConnsPerHost: clients + 16,
		IdleConnTimeout:     5 * time.Minute,
		DisableCompression:  true,
	}}
}

// run drives load against t with client and measures it.
func run(ctx context.Context, client *http.Client, t *Target, load Load) (sample, error) {
	cpuBefore, err := processCPU(t.pids...)
	if err != nil {
		return sample{}, err
	}
	var (
		wg       sync.WaitGroup
		issued   atomic.Int64
		mu       sync.Mutex
		total    sample
		deadline = time.Now().Add(load.Duration)
	)
	start := time.Now()
	labels := pprof.WithLabels(ctx, pprof.Labels("side", "client"))
	for range load.Clients {
		wg.Go(func() {
			pprof.SetGoroutineLabels(labels)
			w := worker{client: client, url: t.ChatURL, stream: load.Stream}
			for ctx.Err() == nil {
				if load.Requests > 0 {
					if issued.Add(1) > int64(load.Requests) {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				w.call(ctx)
			}
			mu.Lock()
			total.merge(&w.sample)
			mu.Unlock()
		})
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	cpuAfter, err := processCPU(t.pids...)
	if err != nil {
		return sample{}, err
	}
	total.cpu = cpuAfter - cpuBefore
	return total, ctx.Err()
}

func (s *sample) merge(o *sample) {
	s.requests += o.requests
	s.errors += o.errors
	if s.firstErr == nil {
		s.firstErr = o.firstErr
	}
	s.latencies = append(s.latencies, o.latencies...)
	s.firstBytes = append(s.firstBytes, o.firstBytes...)
	s.cpu += o.cpu
}

// worker is one client of the load.
type worker struct {
	client *http.Client
	url    string
	stream bool
	reader *bufio.Reader
	sample
}

func (w *worker) call(ctx context.Context) {
	body := chatBody
	if w.stream {
		body = streamBody
	}
	sent := time.Now()
	firstByte, err := w.do(ctx, body, sent)
	w.requests++
	if err != nil {
		w.errors++
		if w.firstErr == nil && ctx.Err() == nil {
			w.firstErr = err
		}
		return
	}
	w.latencies = append(w.latencies, time.Since(sent))
	if w.stream {
		w.firstBytes = append(w.firstBytes, firstByte)
	}
}

func (w *worker) do(ctx context.Context, body []byte, sent time.Time) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("calling %s: %w", w.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		_ = resp.Body.Close()
		return 0, fmt.Errorf("%s answered %d: %s", w.url, resp.StatusCode, msg)
	}
	if !w.stream {
		return 0, drain(resp.Body)
	}
	defer resp.Body.Close()
	return w.readStream(resp.Body, sent)
}

// readStream reads a stream to its end and reports when its first data
// event arrived; a stream without [DONE] is an error.
func (w *worker) readStream(body io.Reader, sent time.Time) (time.Duration, error) {
	if w.reader == nil {
		w.reader = bufio.NewReaderSize(body, 8<<10)
	} else {
		w.reader.Reset(body)
	}
	var first time.Duration
	sawDone := false
	for {
		line, err := w.reader.ReadSlice('\n')
		if first == 0 && bytes.HasPrefix(line, dataPrefix) {
			first = time.Since(sent)
		}
		if bytes.HasPrefix(line, doneEvent) {
			sawDone = true
		}
		switch {
		case errors.Is(err, io.EOF):
			if !sawDone {
				return 0, errors.New("the stream ended without [DONE]")
			}
			return first, nil
		case err != nil && !errors.Is(err, bufio.ErrBufferFull):
			return 0, fmt.Errorf("reading the stream: %w", err)
		}
	}
}

// percentile is the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

// sortDurations sorts in place and returns its argument.
func sortDurations(d []time.Duration) []time.Duration {
	slices.Sort(d)
	return d
}
