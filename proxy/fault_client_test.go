package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/stats"
)

// The client fault suite: clients that leave, dawdle, send too much or come
// in thousands never wedge a slot, leak a goroutine or go uncounted.

func TestClientFault_DisconnectWhileQueued(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"MAX_CONCURRENT_REQUESTS": "1", "QUEUE_TIMEOUT": "1m", "PREFERRED_MODELS": gemma})
	leaks := goroutineBaseline(t, p)
	p.fake.Script(gemma, fakeopenrouter.Hang())

	holder, releaseHolder := context.WithCancel(t.Context())
	holderDone := sendInBackground(p, holder, helloBody)
	if err := p.fake.WaitCalls(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	queued, leave := context.WithCancel(t.Context())
	queuedDone := sendInBackground(p, queued, helloBody)
	eventually(t, "the second call to queue", func() bool { _, _, q := p.srv.limiter.Snapshot(); return q == 1 })

	leave()
	<-queuedDone
	eventually(t, "the departed caller to leave the queue", func() bool { _, _, q := p.srv.limiter.Snapshot(); return q == 0 })
	if n := len(p.fake.Requests()); n != 1 {
		t.Errorf("%d upstream calls; the departed caller must make none", n)
	}

	releaseHolder()
	<-holderDone
	eventually(t, "the slot to be freed", func() bool { _, inFlight, _ := p.srv.limiter.Snapshot(); return inFlight == 0 })
	eventually(t, "the held call to be counted", func() bool { return p.srv.stats.Today().Total == 1 })
	if last := p.srv.stats.Recent(1)[0]; last.Status != 499 || last.Outcome != stats.OutcomeFailed {
		t.Errorf("the abandoned call was counted as %+v, want 499 failed", last)
	}
	// The freed slot serves the next caller at once.
	if status, _, body := p.post("/v1/chat/completions", helloBody); status != http.StatusOK {
		t.Fatalf("after the disconnects: %d %s", status, body)
	}
	leaks()
}

func TestClientFault_DisconnectBeforeFirstToken(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "stream"}[stream], func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			leaks := goroutineBaseline(t, p)
			p.fake.Script(gemma, fakeopenrouter.Hang())
			body := helloBody
			if stream {
				body = streamHello
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := sendInBackground(p, ctx, body)
			if err := p.fake.WaitCalls(t.Context(), 1); err != nil {
				t.Fatal(err)
			}
			cancel()
			waitCancelled(t, p.fake)
			<-done
			checkAbandonedCall(t, p)
			leaks()
		})
	}
}

func TestClientFault_DisconnectMidStream(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	leaks := goroutineBaseline(t, p)
	hold := make(chan struct{})
	defer close(hold)
	p.fake.Script(gemma, fakeopenrouter.Gate(hold, fakeopenrouter.Answer("the first words, then nothing for a while")))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.front.URL+"/v1/chat/completions", strings.NewReader(streamHello))
	resp, err := p.front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), `"content"`) {
	}
	if sc.Err() != nil {
		t.Fatalf("no content before the disconnect: %v", sc.Err())
	}
	cancel()
	resp.Body.Close()
	waitCancelled(t, p.fake)
	checkAbandonedCall(t, p)
	leaks()
}

// checkAbandonedCall asserts that the one call whose client left is counted
// as a failure with 499, is not blamed on the model, and freed its slot.
func checkAbandonedCall(t *testing.T, p *testProxy) {
	t.Helper()
	eventually(t, "the abandoned call to be counted", func() bool { return p.srv.stats.Today().Total == 1 })
	if last := p.srv.stats.Recent(1)[0]; last.Status != 499 || last.Outcome != stats.OutcomeFailed {
		t.Errorf("counted as %+v, want 499 failed", last)
	}
	eventually(t, "the slot to be freed", func() bool { _, inFlight, _ := p.srv.limiter.Snapshot(); return inFlight == 0 })
	if p.srv.health.CoolingDown(gemma) {
		t.Error("a client disconnect was blamed on the model")
	}
}

func waitCancelled(t *testing.T, fake *fakeopenrouter.Server) {
	t.Helper()
	select {
	case <-fake.Cancelled():
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream call was not cancelled after the client left")
	}
}

// sendInBackground posts body with ctx and closes the returned channel once
// the call is over, however it ended.
func sendInBackground(p *testProxy, ctx context.Context, body string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.front.URL+"/v1/chat/completions", strings.NewReader(body))
		if err != nil {
			return
		}
		if resp, err := p.front.Client().Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	return done
}

func TestClientFault_SlowHeadersAreCutOff(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.srv.opts.ReadHeaderTimeout = 300 * time.Millisecond
	if err := p.srv.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.srv.Unlisten(context.Background()) })
	addr := p.srv.Addr()

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	started := time.Now()
	trickling := make(chan struct{})
	go func() {
		defer close(trickling)
		if _, err := io.WriteString(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: "+addr+"\r\n"); err != nil {
			return
		}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < 200; i++ {
			<-tick.C
			if _, err := fmt.Fprintf(conn, "X-Slow-%d: x\r\n", i); err != nil {
				return // the server closed the connection
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	elapsed := time.Since(started)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection was still open after %s of trickled headers", elapsed)
	}
	if n != 0 {
		t.Errorf("the server answered %d bytes to headers it never got in full", n)
	}
	if elapsed > 3*time.Second {
		t.Errorf("the connection was closed after %s; ReadHeaderTimeout is 300ms", elapsed)
	}
	conn.Close()
	<-trickling
	resp, err := http.Get("http://" + addr + "/health")
	if err != nil {
		t.Fatalf("the server stopped answering after a slow client: %v", err)
	}
	resp.Body.Close()
}

func TestClientFault_SlowBodyGets408(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.srv.opts.BodyReadTimeout = 300 * time.Millisecond
	leaks := goroutineBaseline(t, p)

	head := "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"messages\":"
	status, elapsed := trickleUntilClosed(t, p.front.Listener.Addr().String(), head)
	if status != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408", status)
	}
	if elapsed > 3*time.Second {
		t.Errorf("answered and closed after %s; the body timeout is 300ms", elapsed)
	}
	if len(p.fake.Requests()) != 0 {
		t.Error("a half-sent request reached upstream")
	}
	leaks()
}

func TestClientFault_OversizedBodyWithoutLength(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"MAX_REQUEST_BODY_MB": "1"})
	// A chunked body has no Content-Length to refuse up front: the limit
	// must hold while reading. A raw connection reads the answer as soon as
	// it arrives, whatever the writer is doing: an HTTP client may report its
	// own failed write (the server stops reading) instead of the answer.
	addr := p.front.Listener.Addr().String()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		head := "POST /v1/chat/completions HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		chunk := strings.Repeat("x", 64<<10)
		if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", 39, `{"messages":[{"role":"user","content":"`); err != nil {
			return
		}
		for range 40 { // 2.5 MB, past the 1 MB limit
			if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
				return // the server stopped reading
			}
		}
		_, _ = io.WriteString(conn, "4\r\n\"}]}\r\n0\r\n\r\n")
	}()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	conn.Close() // ends the writer if it still writes
	<-writing
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %.300s", resp.StatusCode, body)
	}
	if code := checkErrorEnvelope(t, body); code != "request_too_large" {
		t.Errorf("code %q", code)
	}
	if len(p.fake.Requests()) != 0 {
		t.Error("an oversized request reached upstream")
	}
}

func TestClientFault_ThousandsOfConcurrentCalls(t *testing.T) {
	const calls, limit = 2000, 5
	fake := fakeopenrouter.New(t, fakeopenrouter.WithInstant())
	fake.SetDefault("*", fakeopenrouter.Delay(10*time.Millisecond, fakeopenrouter.Answer("ok")))
	// Count the chat calls upstream really sees at once, independently of
	// the limiter's own bookkeeping.
	var active, peak atomic.Int64
	target, _ := url.Parse(fake.URL())
	relay := httputil.NewSingleHostReverseProxy(target)
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			n := active.Add(1)
			defer active.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
		}
		relay.ServeHTTP(w, r)
	}))
	t.Cleanup(counting.Close)

	p := newTestProxy(t, fake, map[string]string{
		"OPENROUTER_BASE_URL":     counting.URL + "/api/v1",
		"MAX_CONCURRENT_REQUESTS": strconv.Itoa(limit),
		"QUEUE_TIMEOUT":           "300ms",
	})
	addr := p.front.Listener.Addr().String()
	heapBefore := heapInUse()
	var heapPeak atomic.Uint64
	sampling, stopSampling := context.WithCancel(t.Context())
	var sampler sync.WaitGroup
	sampler.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sampling.Done():
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > heapPeak.Load() {
					heapPeak.Store(ms.HeapInuse)
				}
			}
		}
	})

	// One goroutine and one raw connection per call: an http.Client would
	// add two goroutines per connection, and the race detector caps the
	// number of live goroutines.
	var ok, busy, other atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range calls {
		wg.Go(func() {
			<-start
			status, retryAfter, err := rawChat(addr, helloBody)
			switch {
			case err != nil:
				other.Add(1)
				t.Errorf("call failed: %v", err)
			case status == http.StatusOK:
				ok.Add(1)
			case status == http.StatusServiceUnavailable && retryAfter != "":
				busy.Add(1)
			default:
				other.Add(1)
				t.Errorf("unexpected answer %d (Retry-After %q)", status, retryAfter)
			}
		})
	}
	close(start)
	wg.Wait()
	stopSampling()
	sampler.Wait()

	t.Logf("%d calls: %d answered, %d told to come back (503), %d other; upstream peak %d; heap in use %d MiB before, peak %d MiB",
		calls, ok.Load(), busy.Load(), other.Load(), peak.Load(), heapBefore>>20, heapPeak.Load()>>20)
	if ok.Load()+busy.Load() != calls {
		t.Errorf("%d of %d calls got neither 200 nor 503", calls-ok.Load()-busy.Load(), calls)
	}
	if ok.Load() < limit {
		t.Errorf("only %d calls answered", ok.Load())
	}
	if got := peak.Load(); got > limit {
		t.Errorf("upstream saw %d calls at once; MAX_CONCURRENT_REQUESTS is %d", got, limit)
	}
	if _, inFlight, queued := p.srv.limiter.Snapshot(); inFlight != 0 || queued != 0 {
		t.Errorf("after the burst: %d in flight, %d queued", inFlight, queued)
	}
	eventually(t, "every call counted", func() bool { return p.srv.stats.Today().Total == calls })
	if growth := int64(heapPeak.Load()) - int64(heapBefore); growth > 256<<20 {
		t.Errorf("heap in use grew by %d MiB during the burst", growth>>20)
	}
	if growth := int64(heapInUse()) - int64(heapBefore); growth > 32<<20 {
		t.Errorf("heap in use is %d MiB above where it started after the burst", growth>>20)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// rawChat sends one chat call on its own connection and returns the status
// and Retry-After header.
func rawChat(addr, body string) (int, string, error) {
	conn, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return 0, "", fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	req := "POST /v1/chat/completions HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := io.WriteString(conn, req); err != nil {
		return 0, "", fmt.Errorf("sending: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, "", fmt.Errorf("reading the answer: %w", err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, "", fmt.Errorf("reading the body: %w", err)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}

func TestReload_EnvEditsUnderLoadLoseNoRequests(t *testing.T) {
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	envFor := func(i int) string {
		preferred := gemma
		if i%2 == 1 {
			preferred = mistral + "," + llama
		}
		return "OPENROUTER_BASE_URL=" + fake.BaseURL() + "\nOPENROUTER_API_KEY=" + testKey +
			"\nLISTEN_ADDR=127.0.0.1:0\nMAX_CONCURRENT_REQUESTS=" + strconv.Itoa(2+i%5) +
			"\nPREFERRED_MODELS=" + preferred + "\n"
	}
	writeEnv(t, home, envFor(0))
	srv := runProxyFromHome(t, home)
	base := "http://" + srv.Addr()

	editing, editsDone := context.WithCancel(t.Context())
	var sent, answered atomic.Int64
	var wg sync.WaitGroup
	for c := range 6 {
		wg.Go(func() {
			client := &http.Client{Timeout: clientDeadline}
			for i := 0; editing.Err() == nil || i < 3; i++ {
				body := helloBody
				if (c+i)%2 == 0 {
					body = streamHello
				}
				sent.Add(1)
				resp, err := client.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(body))
				if err != nil {
					t.Errorf("call during a reload: %v", err)
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Errorf("call during a reload: %d %v %.300s", resp.StatusCode, err, b)
					continue
				}
				answered.Add(1)
			}
		})
	}
	const edits = 12
	for i := 1; i <= edits; i++ {
		writeEnv(t, home, envFor(i))
		want := 2 + i%5
		eventually(t, "edit "+strconv.Itoa(i)+" to apply", func() bool {
			limit, _, _ := srv.limiter.Snapshot()
			return limit == want && len(srv.config().PreferredModels) == 1+i%2
		})
	}
	editsDone()
	wg.Wait()
	t.Logf("%d edits applied under load; %d calls sent, %d answered", edits, sent.Load(), answered.Load())
	if lost := sent.Load() - answered.Load(); lost != 0 {
		t.Errorf("%d calls lost during reloads", lost)
	}
}
