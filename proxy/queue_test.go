package proxy

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// Past MAX_QUEUED_REQUESTS a call is answered 503 with Retry-After at once,
// not after QUEUE_TIMEOUT, and is counted.
func TestQueue_FullQueueAnswersAtOnce(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{
		"MAX_CONCURRENT_REQUESTS": "1", "MAX_QUEUED_REQUESTS": "1", "QUEUE_TIMEOUT": "60s", "PREFERRED_MODELS": gemma,
	})
	p.fake.Script(gemma, fakeopenrouter.Hang())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	background := func() {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.front.URL+"/v1/chat/completions", strings.NewReader(helloBody))
			if resp, err := p.front.Client().Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	background()
	if err := p.fake.WaitCalls(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	background()
	eventually(t, "one call waiting", func() bool { _, _, q := p.srv.limiter.Snapshot(); return q == 1 })
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(string(body), `"queue_full"`) ||
		!strings.Contains(string(body), "MAX_QUEUED_REQUESTS=1") {
		t.Fatalf("call past the queue cap: %d %v %s", status, h, body)
	}
	if last := p.srv.stats.Recent(1); len(last) != 1 || last[0].Status != http.StatusServiceUnavailable {
		t.Errorf("the refused call was not counted: %+v", last)
	}
}
