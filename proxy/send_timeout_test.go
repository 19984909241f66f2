package proxy

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/internal/testpoll"
)

// A streaming client that stops reading (its receive buffer full) while the
// model keeps streaming gives its slot back after the send timeout, and is
// counted as gone; the next call gets the slot.
func TestSendTimeout_ClientThatStopsReadingFreesItsSlot(t *testing.T) {
	var chunks atomic.Int64
	chat := func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 4096)
		n, _ := r.Body.Read(body)
		if !strings.Contains(string(body[:n]), `"stream":true`) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"g","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"second"},"finish_reason":"stop"}]}`))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		text := strings.Repeat("x", 1000)
		// Streams until Freelane hangs up, as a long answer would.
		for sseEvent(w, `{"id":"g","choices":[{"index":0,"delta":{"content":"`+text+`"}}]}`) {
			chunks.Add(1)
		}
	}
	p := newHostileProxy(t, chat, map[string]string{"MAX_CONCURRENT_REQUESTS": "1", "QUEUE_TIMEOUT": "60s"})
	p.srv.opts.SendTimeout = 300 * time.Millisecond

	conn, err := net.Dial("tcp", p.front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(1024)
	body := `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`
	fmt.Fprintf(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	// The client reads nothing from now on.

	testpoll.Until(t, 60*time.Second, "the stalled stream to be counted as gone", func() bool {
		calls := p.srv.stats.Recent(1)
		return len(calls) == 1 && calls[0].Status == statusClientGone
	})
	if _, inFlight, _ := p.srv.limiter.Snapshot(); inFlight != 0 {
		t.Errorf("%d calls still in flight after the stalled client was dropped", inFlight)
	}
	if chunks.Load() < 100 {
		t.Errorf("only %d chunks streamed: the client's buffers were never full, so the test proves nothing", chunks.Load())
	}
	status, h, answer := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusOK || !strings.Contains(string(answer), "second") {
		t.Fatalf("the next call: %d %v %s", status, h, answer)
	}
}
