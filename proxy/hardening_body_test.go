package proxy

import (
	"bufio"
	"bytes"
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

// TestBodyDeadline_ArmedForRequestsWithABody pins the middleware's part of
// the deadline's life: set for a request with a body, read or not, never
// touched without a body, and the request passed on as it came (net/http
// inspects the Body of its own Request after the handler to drain it).
func TestBodyDeadline_ArmedForRequestsWithABody(t *testing.T) {
	s := &Server{opts: Options{BodyReadTimeout: time.Minute}}
	for _, tc := range []struct {
		name      string
		body      string
		read      bool
		wantCalls int // SetReadDeadline calls
	}{
		{"no_body", "", true, 0},
		{"body_read_to_end", `{"x":1}`, true, 1},
		{"body_left_unread", `{"x":1}`, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen *http.Request
			var bodyDuringHandler io.ReadCloser
			h := s.bodyDeadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen, bodyDuringHandler = r, r.Body
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
			if tc.wantCalls > 0 && !rec.deadlines[0].After(time.Now()) {
				t.Errorf("deadline %v is not in the future", rec.deadlines[0])
			}
			if req.Body != original {
				t.Error("the server's own request had its Body replaced; net/http drains that one")
			}
			if seen != req || bodyDuringHandler != original {
				t.Error("the handler got a copy of the request or a wrapped body")
			}
		})
	}
}

// TestReadBody_LiftsTheDeadlineOnlyAfterTheWholeBody checks the handler's
// part: chat lifts the deadline bodyDeadline armed once its body is in (the
// stream that follows may last minutes), and after a failed read moves it to
// now so nothing more is read from that client. It arms none of its own.
func TestReadBody_LiftsTheDeadlineOnlyAfterTheWholeBody(t *testing.T) {
	for _, tc := range []struct {
		name       string
		body       string
		limit      int64
		wantStatus int
		wantLifted bool
	}{
		{"whole_body", helloBody, 1 << 20, 0, true},
		{"empty_body", "", 1 << 20, http.StatusBadRequest, false},
		{"too_large", helloBody, 8, http.StatusRequestEntityTooLarge, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(tc.body))
			rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
			var buf bytes.Buffer
			before := time.Now()
			status, _ := readBody(rec, req, &buf, tc.limit, time.Minute)
			if status != tc.wantStatus {
				t.Errorf("status %d, want %d", status, tc.wantStatus)
			}
			if len(rec.deadlines) != 1 {
				t.Fatalf("%d read deadline calls %v, want 1 (lift or end, no arming)", len(rec.deadlines), rec.deadlines)
			}
			last := rec.deadlines[0]
			if last.IsZero() != tc.wantLifted {
				t.Errorf("deadline afterwards %v; want lifted: %v", last, tc.wantLifted)
			}
			if !tc.wantLifted && (last.Before(before) || last.After(time.Now())) {
				t.Errorf("deadline after a failed read %v, want now", last)
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
