package proxy

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/capture"
)

const streamBody = `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`

// Role-only and empty chunks before the first content are held within a
// byte budget: the client gets at most that many of them, not all.
func TestStreamBounds_EmptyChunksBeforeContentAreBounded(t *testing.T) {
	const empties = 20000
	chat := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		sseEvent(w, `{"id":"g","choices":[{"index":0,"delta":{"role":"assistant"}}]}`)
		for range empties {
			if !sseEvent(w, `{"id":"g","choices":[{"index":0,"delta":{}}]}`) {
				return
			}
		}
		sseEvent(w, `{"id":"g","choices":[{"index":0,"delta":{"content":"hello"},"finish_reason":"stop"}]}`)
		sseEvent(w, `[DONE]`)
	}
	p := newHostileProxy(t, chat, nil)
	status, _, body := postWithin(t, p, streamBody, 60*time.Second)
	if status != http.StatusOK || !strings.Contains(string(body), "hello") {
		t.Fatalf("status %d: %.300s", status, body)
	}
	got := strings.Count(string(body), `"delta":{}`)
	if limit := maxHeldBytes / len(`data: {"id":"g","choices":[{"index":0,"delta":{}}]}`); got > limit {
		t.Errorf("the client got %d empty chunks held before the content; at most %d fit the budget", got, limit)
	}
}

// "choices":[] chunks sent for ever after the reasoning neither restart the
// idle wait nor pile up: the call ends with a timeout error event.
func TestStreamBounds_EndlessEmptyChoicesAfterReasoningEnd(t *testing.T) {
	var sent atomic.Int64
	chat := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		sseEvent(w, `{"id":"g","choices":[{"index":0,"delta":{"reasoning":"thinking"}}]}`)
		for sseEvent(w, `{"id":"g","choices":[]}`) {
			sent.Add(1)
		}
	}
	p := newHostileProxy(t, chat, map[string]string{"STREAM_IDLE_TIMEOUT": "1"})
	status, _, body := postWithin(t, p, streamBody, 60*time.Second)
	if status != http.StatusOK || !strings.Contains(string(body), "upstream_timeout") {
		t.Fatalf("status %d, want a stream ended by a timeout event: %.300s", status, body)
	}
	got := strings.Count(string(body), `"choices":[]`)
	if limit := maxHeldBytes / len(`data: {"id":"g","choices":[]}`); got > limit {
		t.Errorf("%d empty chunks held back and sent; at most %d fit the budget (upstream sent %d)", got, limit, sent.Load())
	}
	eventually(t, "the call to be counted", func() bool { return p.srv.stats.Today().Total == 1 })
}

// In debug mode a long stream's capture keeps at most capture.MaxStreamBytes
// and says it was cut.
func TestStreamBounds_DebugCaptureOfALongStreamIsCut(t *testing.T) {
	text := strings.Repeat("y", 1000)
	chunks := capture.MaxStreamBytes/len(text) + 500
	chat := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for range chunks {
			if !sseEvent(w, `{"id":"g","choices":[{"index":0,"delta":{"content":"`+text+`"}}]}`) {
				return
			}
		}
		sseEvent(w, `{"id":"g","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`)
		sseEvent(w, `[DONE]`)
	}
	p := newHostileProxy(t, chat, nil)
	if err := p.srv.SetDebug(true); err != nil {
		t.Fatal(err)
	}
	status, _, body := postWithin(t, p, streamBody, 60*time.Second)
	if status != http.StatusOK || strings.Count(string(body), text) != chunks {
		t.Fatalf("status %d, %d chunks of %d reached the client", status, strings.Count(string(body), text), chunks)
	}
	var dumps []string
	eventually(t, "the capture", func() bool {
		dumps, _ = filepath.Glob(filepath.Join(p.srv.config().CacheDir, "debug", "*", "*.json"))
		return len(dumps) == 1
	})
	data, err := os.ReadFile(dumps[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec capture.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if len(data) > 3*capture.MaxStreamBytes {
		t.Errorf("the capture holds %d bytes; the stream part is capped at %d", len(data), capture.MaxStreamBytes)
	}
	if !strings.Contains(rec.Response.Cut, "not kept") || len(rec.Response.Events) >= chunks {
		t.Errorf("the capture does not say it was cut (%q), %d events of %d kept", rec.Response.Cut, len(rec.Response.Events), chunks)
	}
}

// Empty chunks sent for ever before any content count against the
// first-token deadline: the attempt ends instead of waiting for ever.
func TestStreamBounds_EndlessEmptyChunksHitTheFirstTokenDeadline(t *testing.T) {
	chat := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for sseEvent(w, `{"id":"g","choices":[{"index":0,"delta":{"role":"assistant"}}]}`) {
		}
	}
	p := newHostileProxy(t, chat, map[string]string{"FIRST_TOKEN_TIMEOUT": "1", "MAX_MODEL_ATTEMPTS": "1"})
	status, _, body := postWithin(t, p, streamBody, 60*time.Second)
	if status != http.StatusGatewayTimeout || !strings.Contains(string(body), "upstream_timeout") {
		t.Fatalf("status %d, want 504 upstream_timeout: %.300s", status, body)
	}
}
