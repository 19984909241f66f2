package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/stats"
)

// How a chat call takes its request body in and gets its answer out: bounded
// memory, bounded time, and a count that matches what the client received.

// countingWriter is a ResponseWriter that notes, at each body write, how
// many calls the statistics hold, and can fail the first body write as a
// client that left does.
type countingWriter struct {
	header    http.Header
	status    int
	body      []byte
	countedAt []int // stats total at each Write
	failFirst bool
	total     func() int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(status int) {
	w.status = status
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.countedAt = append(w.countedAt, w.total())
	if w.failFirst && len(w.countedAt) == 1 {
		return 0, errors.New("broken pipe")
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

func TestPolicy_NonStreamAnswerIsCountedBeforeItsEnd(t *testing.T) {
	long := strings.Repeat("a long answer ", 1000) // well over net/http's 4 KB buffer
	for _, tc := range []struct {
		name        string
		failFirst   bool
		wantOutcome stats.Outcome
		wantStatus  int
	}{
		{name: "client_receives_it", wantOutcome: stats.OutcomeSuccess, wantStatus: http.StatusOK},
		{name: "client_gone", failFirst: true, wantOutcome: stats.OutcomeFailed, wantStatus: statusClientGone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			p.fake.Script(gemma, fakeopenrouter.Answer(long))
			w := &countingWriter{header: http.Header{}, failFirst: tc.failFirst, total: func() int { return p.srv.stats.Today().Total }}
			r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/v1/chat/completions", strings.NewReader(helloBody))
			p.srv.handleChat(w, r)

			if w.status != http.StatusOK {
				t.Fatalf("status %d", w.status)
			}
			// The bulk goes out uncounted (it may fail), the last byte counted.
			wantCounts := []int{0, 1}
			if tc.failFirst {
				wantCounts = []int{0}
			}
			if !slices.Equal(w.countedAt, wantCounts) {
				t.Errorf("calls counted at each write = %v, want %v", w.countedAt, wantCounts)
			}
			if !tc.failFirst && !strings.Contains(string(w.body), long) {
				t.Errorf("the client did not get the whole answer (%d bytes)", len(w.body))
			}
			recent := p.srv.stats.Recent(2)
			if len(recent) != 1 {
				t.Fatalf("%d calls counted, want 1", len(recent))
			}
			if got := recent[0]; got.Outcome != tc.wantOutcome || got.Status != tc.wantStatus {
				t.Errorf("counted as %s %d, want %s %d", got.Outcome, got.Status, tc.wantOutcome, tc.wantStatus)
			}
		})
	}
}

// holdAnnouncedBodies opens n connections that each announce a body of
// length bytes and send none of it, and returns once Freelane is reading
// every one of them: a client that sends "Expect: 100-continue" gets its
// "100 Continue" when the handler starts to read the body.
func holdAnnouncedBodies(t *testing.T, addr string, n int, length int64) {
	t.Helper()
	for range n {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		head := "POST /v1/chat/completions HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n" +
			"Expect: 100-continue\r\nContent-Length: " + strconv.FormatInt(length, 10) + "\r\n\r\n"
		if _, err := io.WriteString(conn, head); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || !strings.Contains(line, "100") {
			t.Fatalf("no 100 Continue: %q, %v", line, err)
		}
		if _, err := io.WriteString(conn, `{"messages":`); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPolicy_AnnouncedBodySizeIsNotReservedUpFront(t *testing.T) {
	const conns = 60
	p := newTestProxy(t, nil, nil)
	limit := p.srv.config().MaxBodyBytes
	before := heapInUse()
	holdAnnouncedBodies(t, p.front.Listener.Addr().String(), conns, limit)
	// Reserving each announced body would take conns x 32 MB (1.9 GB).
	if growth := int64(heapInUse()) - int64(before); growth > 128<<20 {
		t.Errorf("heap grew by %d MiB while %d clients announced %d MiB each and sent a few bytes",
			growth>>20, conns, limit>>20)
	}
}

func TestPolicy_LargeBuffersAreNotPooled(t *testing.T) {
	big := getBuffer()
	big.Grow(4 * maxPooledBuffer)
	putBuffer(big)
	small := getBuffer()
	small.WriteString("body")
	putBuffer(small)
	// The pool may drop anything at any time; what matters is that it never
	// hands out the huge one.
	for range 100 {
		b := getBuffer()
		if b.Cap() > maxPooledBuffer {
			t.Fatalf("the pool handed out a buffer of %d bytes", b.Cap())
		}
		if b.Len() != 0 {
			t.Fatalf("the pool handed out a buffer holding %q", b.String())
		}
		defer putBuffer(b)
	}
}

func TestPolicy_FailedBodyReadIsNotDrained(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.srv.opts.BodyReadTimeout = 300 * time.Millisecond
	conn, err := net.Dial("tcp", p.front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A body that stops short of its announced length: net/http reads what
	// is left after the handler (up to 256 KB), and this client never sends it.
	head := "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"messages\":"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d, want 408: %s", resp.StatusCode, body)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the connection stayed open after the 408: net/http is waiting for the rest of the body")
		}
		t.Errorf("after the 408: %v, want the connection closed", err)
	}
}
