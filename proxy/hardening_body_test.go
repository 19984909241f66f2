package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// TestHardening_TrickledBodyIsCutOffEverywhere sends a request that
// announces a large body and then trickles it, one byte per tick, to
// endpoints that never read a body or refuse before reading it. The
// connection must be answered and closed within a bound instead of being held
// open while net/http drains the body after the handler returns.
func TestHardening_TrickledBodyIsCutOffEverywhere(t *testing.T) {
	const bodyTimeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name       string
		env        map[string]string
		head       string
		wantStatus int
	}{
		{"health_ignores_the_body", nil, "GET /health HTTP/1.1\r\n", http.StatusOK},
		{"debug_mode_reads_the_body", nil, "PUT /debug/mode HTTP/1.1\r\nContent-Type: application/json\r\n", http.StatusBadRequest},
		{"refused_without_the_token", map[string]string{"FREELANE_TOKEN": securityToken}, "POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json\r\n", http.StatusUnauthorized},
		{"refused_foreign_origin", nil, "POST /v1/chat/completions HTTP/1.1\r\nOrigin: https://evil.example\r\n", http.StatusForbidden},
		{"unknown_path", nil, "POST /no/such/path HTTP/1.1\r\n", http.StatusNotFound},
		{"wrong_method", nil, "DELETE /v1/models HTTP/1.1\r\n", http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProxy(t, nil, tc.env)
			p.srv.opts.BodyReadTimeout = bodyTimeout
			leaks := goroutineBaseline(t, p)
			head := tc.head + "Host: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{"
			status, elapsed := trickleUntilClosed(t, p.front.Listener.Addr().String(), head)
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d", status, tc.wantStatus)
			}
			if elapsed > 3*time.Second {
				t.Errorf("connection closed after %s; the body timeout is %s", elapsed, bodyTimeout)
			}
			leaks()
		})
	}
}

// trickleUntilClosed writes head, then one body byte per tick until the
// server closes the connection. It returns the answer's status and how long
// the connection stayed open; it fails the test if the server keeps the
// connection open past a generous deadline.
func trickleUntilClosed(t *testing.T, addr, head string) (int, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	started := time.Now()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	trickled := make(chan struct{})
	go func() {
		defer close(trickled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := io.WriteString(conn, " "); err != nil {
					return // the server closed the connection
				}
			}
		}
	}()
	defer func() { close(stop); <-trickled }()

	// The client-side deadline only bounds a failing test.
	_ = conn.SetReadDeadline(time.Now().Add(8 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer after %s: %v", time.Since(started), err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		checkErrorEnvelope(t, body)
	}
	// After the answer the server must close: a trickling client gets no
	// second request on this connection.
	_, err = io.Copy(io.Discard, br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection was still open %s after the request began", time.Since(started))
	}
	return resp.StatusCode, time.Since(started)
}

// TestHardening_StreamOutlivesTheBodyTimeout checks that the body deadline
// ends with the body: a stream that lasts many times the body timeout after
// its request was read in full is never cut.
func TestHardening_StreamOutlivesTheBodyTimeout(t *testing.T) {
	const bodyTimeout = 50 * time.Millisecond
	p := newTestProxy(t, nil, ordered)
	p.srv.opts.BodyReadTimeout = bodyTimeout
	text := strings.Repeat("x", 30) // 30 chunks, 20ms apart: 12 body timeouts
	p.fake.Script(gemma, fakeopenrouter.Drip(20*time.Millisecond, text))

	status, _, body := postWithin(t, p, `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`, clientDeadline)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	if got := strings.Count(string(body), `"content":"x"`); got != len(text) {
		t.Errorf("%d content chunks arrived, want %d: the stream was cut", got, len(text))
	}
	if !strings.Contains(string(body), "data: [DONE]") {
		t.Error("the stream did not finish with [DONE]")
	}
}

// deadlineRecorder is a response recorder whose connection accepts read
// deadlines, as net/http's own ResponseWriter does.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

// TestBodyDeadline_LiftedAtEndOfBodyOnly pins the deadline's life: set for
// a request with a body, cleared when the body reaches its end, kept when the
// handler leaves the body unread, and never touched without a body.
func TestBodyDeadline_LiftedAtEndOfBodyOnly(t *testing.T) {
	s := &Server{opts: Options{BodyReadTimeout: time.Minute}}
	for _, tc := range []struct {
		name      string
		body      string
		read      bool
		wantCalls int  // SetReadDeadline calls
		wantLast  bool // whether the last call set a deadline (not zero)
	}{
		{"no_body", "", true, 0, false},
		{"body_read_to_end", `{"x":1}`, true, 2, false},
		{"body_left_unread", `{"x":1}`, false, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bodyDuringHandler io.ReadCloser
			h := s.bodyDeadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				bodyDuringHandler = r.Body
				if tc.read {
					if _, err := io.ReadAll(r.Body); err != nil {
						t.Errorf("reading the body: %v", err)
					}
				}
			}))
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", body)
			original := req.Body
			rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
			h.ServeHTTP(rec, req)
			if len(rec.deadlines) != tc.wantCalls {
				t.Fatalf("%d read deadline calls %v, want %d", len(rec.deadlines), rec.deadlines, tc.wantCalls)
			}
			if tc.wantCalls > 0 {
				if last := rec.deadlines[len(rec.deadlines)-1]; last.IsZero() == tc.wantLast {
					t.Errorf("last read deadline %v; want a deadline left in place: %v", last, tc.wantLast)
				}
				if !rec.deadlines[0].After(time.Now()) {
					t.Errorf("first deadline %v is not in the future", rec.deadlines[0])
				}
			}
			if req.Body != original {
				t.Error("the server's own request had its Body replaced; net/http drains that one")
			}
			if tc.body != "" && bodyDuringHandler == original {
				t.Error("the handler got the unwrapped body")
			}
		})
	}
}

func BenchmarkBodyDeadline(b *testing.B) {
	b.ReportAllocs()
	s := &Server{opts: Options{BodyReadTimeout: time.Minute}}
	h := s.bodyDeadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	body := strings.NewReader(helloBody)
	req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", io.NopCloser(body))
	for b.Loop() {
		body.Reset(helloBody)
		rec.deadlines = rec.deadlines[:0]
		h.ServeHTTP(rec, req)
	}
}
