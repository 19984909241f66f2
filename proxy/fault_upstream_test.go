package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
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

// The upstream fault suite: whatever OpenRouter (here, the fake) does, the
// client gets a well-formed answer or a well-formed error within the
// configured timeouts, the call is counted with the right outcome, the key
// stays secret and no goroutine is left behind.

const streamHello = `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`

// faultEnv keeps every timeout short so that faults resolve in about a
// second, yet long enough for a healthy model on a loaded CI machine, and
// pins the routing order: gemma first, then mistral.
var faultEnv = map[string]string{
	"PREFERRED_MODELS":    gemma + "," + mistral + "," + llama,
	"MAX_MODEL_ATTEMPTS":  "2",
	"FIRST_TOKEN_TIMEOUT": "1s",
	"STREAM_IDLE_TIMEOUT": "1s",
	"REQUEST_TIMEOUT":     "1s",
}

// clientDeadline bounds every client call of the suite: the configured
// timeouts times the attempts, with room for a loaded CI machine.
const clientDeadline = 10 * time.Second

type upstreamFault struct {
	name   string
	stream bool
	env    map[string]string
	// behavior is what gemma (tried first) does; mistral then answers
	// normally, unless every is set, in which case every model misbehaves.
	behavior fakeopenrouter.Behavior
	every    bool
	// setup runs after the proxy is up (the refused-connection case points
	// the proxy at a dead address).
	setup func(t *testing.T, p *testProxy)

	status     int           // the client's HTTP status
	code       string        // the error code the client sees ("" for success)
	brokenOff  bool          // a 200 stream that ends in an error event
	outcome    stats.Outcome // how the call is counted
	answeredBy string        // X-Freelane-Model on success
}

// slowEventEnv gives huge events time to arrive: megabytes of JSON are slow
// to produce and scan under -race.
var slowEventEnv = map[string]string{"FIRST_TOKEN_TIMEOUT": "10s"}

func upstreamFaults() []upstreamFault {
	busy := func(name string, b fakeopenrouter.Behavior, stream bool) upstreamFault {
		return upstreamFault{name: name, stream: stream, behavior: b, every: true,
			status: http.StatusServiceUnavailable, code: "free_models_busy", outcome: stats.OutcomeFailed}
	}
	passed := func(name string, status int) upstreamFault {
		return upstreamFault{name: name, behavior: fakeopenrouter.ServerError(status), every: true,
			status: status, outcome: stats.OutcomeFailed}
	}
	failover := func(name string, b fakeopenrouter.Behavior, stream bool) upstreamFault {
		return upstreamFault{name: name, stream: stream, behavior: b,
			status: http.StatusOK, outcome: stats.OutcomeSuccess, answeredBy: mistral}
	}
	faults := []upstreamFault{
		{name: "connection_refused", every: true, setup: pointAtClosedPort,
			status: http.StatusBadGateway, code: "upstream_unreachable", outcome: stats.OutcomeFailed},
		{name: "connection_refused_stream", stream: true, every: true, setup: pointAtClosedPort,
			status: http.StatusBadGateway, code: "upstream_unreachable", outcome: stats.OutcomeFailed},
		{name: "reset_mid_body", behavior: fakeopenrouter.ResetMidStream(0), every: true,
			status: http.StatusBadGateway, code: "upstream_unreachable", outcome: stats.OutcomeFailed},
		failover("reset_before_first_token", fakeopenrouter.ResetMidStream(0), true),
		{name: "reset_mid_stream", stream: true, behavior: fakeopenrouter.ResetMidStream(3), every: true,
			status: http.StatusOK, brokenOff: true, code: "upstream_stream_error", outcome: stats.OutcomeFailed},
		{name: "hang_before_first_byte", behavior: fakeopenrouter.Hang(), every: true,
			status: http.StatusGatewayTimeout, code: "upstream_timeout", outcome: stats.OutcomeTimeout},
		{name: "hang_before_first_byte_stream", stream: true, behavior: fakeopenrouter.Hang(), every: true,
			status: http.StatusGatewayTimeout, code: "upstream_timeout", outcome: stats.OutcomeTimeout},
		failover("hang_then_another_model", fakeopenrouter.Hang(), true),
		{name: "drip_within_idle_timeout", stream: true, behavior: fakeopenrouter.Drip(100*time.Millisecond, "slow but steady"),
			status: http.StatusOK, outcome: stats.OutcomeSuccess, answeredBy: gemma},
		{name: "drip_slower_than_idle_timeout", stream: true, every: true,
			env:      map[string]string{"FIRST_TOKEN_TIMEOUT": "3s", "STREAM_IDLE_TIMEOUT": "150ms"},
			behavior: fakeopenrouter.Drip(600*time.Millisecond, "too slow"),
			status:   http.StatusOK, brokenOff: true, code: "upstream_timeout", outcome: stats.OutcomeTimeout},
		{name: "drip_body_past_request_timeout", behavior: fakeopenrouter.Drip(50*time.Millisecond, "x"), every: true,
			status: http.StatusGatewayTimeout, code: "upstream_timeout", outcome: stats.OutcomeTimeout},
		busy("malformed_json", fakeopenrouter.MalformedJSON(), false),
		failover("malformed_json_then_another_model", fakeopenrouter.MalformedJSON(), false),
		failover("malformed_json_event", fakeopenrouter.MalformedJSON(), true),
		busy("truncated_body", fakeopenrouter.TruncatedSSE(), false),
		{name: "truncated_sse_event", stream: true, behavior: fakeopenrouter.TruncatedSSE(), every: true,
			status: http.StatusOK, brokenOff: true, code: "upstream_stream_error", outcome: stats.OutcomeFailed},
		failover("error_body_in_200", fakeopenrouter.MidStreamError(0), false),
		{name: "error_event_after_content", stream: true, behavior: fakeopenrouter.MidStreamError(2), every: true,
			status: http.StatusOK, brokenOff: true, outcome: stats.OutcomeFailed},
		failover("error_event_before_content", fakeopenrouter.MidStreamError(0), true),
		{name: "huge_event_over_the_cap", stream: true, setup: hugeEventFrom(gemma),
			env:    slowEventEnv,
			status: http.StatusOK, outcome: stats.OutcomeSuccess, answeredBy: mistral},
		{name: "huge_event_over_the_cap_from_every_model", stream: true, setup: hugeEventFrom(""),
			env:    slowEventEnv,
			status: http.StatusServiceUnavailable, code: "free_models_busy", outcome: stats.OutcomeFailed},
		{name: "huge_event_under_the_cap", stream: true, behavior: fakeopenrouter.HugeEventLine(1 << 20),
			env:    slowEventEnv,
			status: http.StatusOK, outcome: stats.OutcomeSuccess, answeredBy: gemma},
		passed("status_400", http.StatusBadRequest),
		{name: "status_401", behavior: fakeopenrouter.ServerError(http.StatusUnauthorized), every: true,
			status: http.StatusUnauthorized, code: "upstream_auth_failed", outcome: stats.OutcomeFailed},
		passed("status_402", http.StatusPaymentRequired),
		passed("status_403", http.StatusForbidden),
		busy("status_404_no_endpoints", fakeopenrouter.NoEndpoints(), false),
		busy("status_404_free_variant_ended", fakeopenrouter.FreeVariantEnded(), false),
		busy("status_408", fakeopenrouter.ServerError(http.StatusRequestTimeout), false),
		{name: "status_429_daily_cap", behavior: fakeopenrouter.DailyCap(), every: true,
			status: http.StatusTooManyRequests, code: "free_daily_limit_reached", outcome: stats.OutcomeFailed},
		{name: "status_429_daily_cap_stream", stream: true, behavior: fakeopenrouter.DailyCap(), every: true,
			status: http.StatusTooManyRequests, code: "free_daily_limit_reached", outcome: stats.OutcomeFailed},
		{name: "status_429_minute_cap", behavior: fakeopenrouter.MinuteCap(), every: true,
			status: http.StatusTooManyRequests, code: "free_minute_limit_reached", outcome: stats.OutcomeFailed},
		busy("status_429_provider_busy", fakeopenrouter.ProviderBusy(), false),
		busy("status_429_provider_busy_stream", fakeopenrouter.ProviderBusy(), true),
	}
	for _, status := range []int{500, 502, 503, 524, 529} {
		name := "status_" + strconv.Itoa(status)
		faults = append(faults, busy(name, fakeopenrouter.ServerError(status), false))
		faults = append(faults, busy(name+"_stream", fakeopenrouter.ServerError(status), true))
	}
	return faults
}

// hugeEventFrom makes model (every model when "") stream one event larger
// than the relay's cap (written directly: the fake builds its huge lines
// byte by byte, which is slow under -race).
func hugeEventFrom(model string) func(t *testing.T, p *testProxy) {
	return func(t *testing.T, p *testProxy) { pointAt(p, frontedFake(t, p.fake, model, writeHugeEvent)) }
}

func writeHugeEvent(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `data: {"choices":[{"delta":{"content":"`)
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for sent := 0; sent <= maxEventBytes; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return // the relay gave up on the event, as it should
		}
	}
	_, _ = io.WriteString(w, `"}}]}`+"\n\n")
}

// frontedFake serves the fake's API on another address, with the chat calls
// for model (every model when "") answered by answer instead.
func frontedFake(t *testing.T, fake *fakeopenrouter.Server, model string, answer http.HandlerFunc) string {
	t.Helper()
	target, err := url.Parse(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	relay := httputil.NewSingleHostReverseProxy(target)
	// No idle connections of its own: the leak checks count goroutines.
	relay.Transport = &http.Transport{DisableKeepAlives: true}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			var req struct{ Model string }
			if json.Unmarshal(body, &req) == nil && (model == "" || req.Model == model) {
				answer(w, r)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		relay.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL + "/api/v1"
}

// pointAt switches the proxy's upstream to baseURL, as an edit of
// OPENROUTER_BASE_URL would.
func pointAt(p *testProxy, baseURL string) {
	cfg := *p.srv.config()
	cfg.BaseURL = baseURL
	p.srv.applyConfig(cfg)
}

// pointAtClosedPort makes the proxy's upstream an address nobody listens on.
func pointAtClosedPort(t *testing.T, p *testProxy) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	pointAt(p, "http://"+addr+"/api/v1")
}

func TestUpstreamFaults(t *testing.T) {
	for _, tc := range upstreamFaults() {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range faultEnv {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			p := newTestProxy(t, nil, env)
			if err := p.srv.SetDebug(true); err != nil {
				t.Fatal(err)
			}
			// One normal call first: lazily started background work is then
			// part of the baseline, and the retry gate has a success to see.
			if status, _, body := p.post("/v1/chat/completions", helloBody); status != http.StatusOK {
				t.Fatalf("warm-up call: %d %s", status, body)
			}
			if tc.setup != nil {
				tc.setup(t, p)
			}
			leaks := goroutineBaseline(t, p)
			if tc.every {
				p.fake.SetDefault("*", tc.behavior)
			} else {
				p.fake.Script(gemma, tc.behavior)
			}

			body := helloBody
			if tc.stream {
				body = streamHello
			}
			started := time.Now()
			status, h, answer := postWithin(t, p, body, clientDeadline)
			elapsed := time.Since(started)

			if status != tc.status {
				t.Fatalf("status %d, want %d (after %s): %.400s", status, tc.status, elapsed, answer)
			}
			switch {
			case status != http.StatusOK:
				code := checkErrorEnvelope(t, answer)
				if tc.code != "" && code != tc.code {
					t.Errorf("error code %q, want %q: %s", code, tc.code, answer)
				}
			case tc.stream:
				checkStream(t, answer, tc.brokenOff, tc.code)
			default:
				if !json.Valid(answer) {
					t.Errorf("200 with a body that is not JSON: %.300s", answer)
				}
			}
			if tc.answeredBy != "" && h.Get(headerModel) != tc.answeredBy {
				t.Errorf("answered by %q, want %q", h.Get(headerModel), tc.answeredBy)
			}

			eventually(t, "the call to be counted", func() bool { return p.srv.stats.Today().Total == 2 })
			last := p.srv.stats.Recent(1)[0]
			if last.Outcome != tc.outcome {
				t.Errorf("counted as %q (status %d, %q), want %q", last.Outcome, last.Status, last.Error, tc.outcome)
			}
			if _, inFlight, queued := p.srv.limiter.Snapshot(); inFlight != 0 || queued != 0 {
				t.Errorf("after the call: %d in flight, %d queued", inFlight, queued)
			}
			if n := p.fake.PaidCalls(); n != 0 {
				t.Errorf("%d calls reached a paid model", n)
			}
			leaks()
			seen := []string{string(answer), headerText(h)}
			for _, path := range []string{"/health", "/debug/requests", "/debug/stats", "/debug/status"} {
				_, vh, vb := p.get(path)
				seen = append(seen, string(vb), headerText(vh))
			}
			assertKeyNowhere(t, p, seen...)
		})
	}
}

// postWithin posts body to the chat endpoint and fails the test when no
// complete answer arrives within limit.
func postWithin(t *testing.T, p *testProxy, body string, limit time.Duration) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.front.URL+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.front.Client().Do(req)
	if err != nil {
		t.Fatalf("no answer within %s: %v", limit, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("answer not complete within %s: %v", limit, err)
	}
	return resp.StatusCode, resp.Header, answer
}

// checkErrorEnvelope asserts an OpenAI error envelope and returns its code.
func checkErrorEnvelope(t *testing.T, body []byte) string {
	t.Helper()
	var env struct {
		Error struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Code    *string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error.Message == "" || env.Error.Type == "" || env.Error.Code == nil {
		t.Errorf("not an OpenAI error envelope: %.300s", body)
		return ""
	}
	return *env.Error.Code
}

// checkStream asserts that every event is JSON (or [DONE]) and that the
// stream ends with [DONE], or, when brokenOff, with an error event (whose
// code is code, when given).
func checkStream(t *testing.T, body []byte, brokenOff bool, code string) {
	t.Helper()
	var last string
	for _, line := range strings.Split(string(body), "\n") {
		payload, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			if line != "" && !strings.HasPrefix(line, ":") {
				t.Errorf("a line that is neither data nor comment: %.200q", line)
			}
			continue
		}
		if payload != "[DONE]" && !json.Valid([]byte(payload)) {
			t.Errorf("an event that is not JSON: %.200s", payload)
		}
		last = payload
	}
	if !brokenOff {
		if last != "[DONE]" {
			t.Errorf("the stream did not end with [DONE]; last event %.300s", last)
		}
		return
	}
	var ev struct {
		Error *struct {
			Message string `json:"message"`
			Code    any    `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(last), &ev); err != nil || ev.Error == nil || ev.Error.Message == "" {
		t.Errorf("the broken stream did not end with an error event; last event %.300s", last)
		return
	}
	if code != "" && ev.Error.Code != code {
		t.Errorf("error event code %v, want %q", ev.Error.Code, code)
	}
}

// goroutineBaseline notes the goroutines now; the returned check closes idle
// connections and waits for the count to come back down.
func goroutineBaseline(t *testing.T, p *testProxy) func() {
	t.Helper()
	closeIdle := func() {
		p.front.Client().CloseIdleConnections()
		p.srv.runtime().client.CloseIdleConnections()
	}
	closeIdle()
	before := settledGoroutines()
	return func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			closeIdle()
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			select {
			case <-ctx.Done():
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutines leaked: %d before, %d after\n%s", before, n, buf)
				return
			case <-tick.C:
			}
		}
	}
}

// settledGoroutines waits briefly for goroutines that are already exiting
// (closed connections) so the baseline is not inflated by them.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	deadline := time.Now().Add(500 * time.Millisecond)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	stable := 0
	for time.Now().Before(deadline) && stable < 5 {
		<-tick.C
		m := runtime.NumGoroutine()
		if m == n {
			stable++
		} else {
			n, stable = m, 0
		}
	}
	return n
}

// assertKeyNowhere checks that the API key is in none of the given texts, the
// server's log, or any file under its home folder (captures, statistics).
func assertKeyNowhere(t *testing.T, p *testProxy, texts ...string) {
	t.Helper()
	texts = append(texts, p.logs.String())
	err := filepath.WalkDir(p.home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		texts = append(texts, path+": "+string(b))
		return nil
	})
	if err != nil {
		t.Fatalf("reading the home folder: %v", err)
	}
	for _, s := range texts {
		if i := strings.Index(s, testKey); i >= 0 {
			t.Errorf("the API key leaked: %.200s", s[max(i-100, 0):])
		}
	}
}

func TestUpstreamFault_CatalogChangesWhileCallsRun(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	full := fakeopenrouter.DefaultModels()
	var reduced []fakeopenrouter.ModelSpec
	for _, m := range full {
		if m.ID != gemma && m.ID != mistral {
			reduced = append(reduced, m)
		}
	}
	leaks := goroutineBaseline(t, p)

	ctx, stop := context.WithCancel(t.Context())
	var flips atomic.Int64
	var flipper sync.WaitGroup
	flipper.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			if i%2 == 0 {
				p.fake.SetModels(reduced)
			} else {
				p.fake.SetModels(full)
			}
			if err := p.srv.catalog.Refresh(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("catalog refresh: %v", err)
			}
			flips.Add(1)
		}
	})

	// Each caller makes at least callsEach calls and goes on until the
	// catalog has changed a few times under it (bounded).
	const callers, callsEach, minFlips, maxCallsEach = 8, 6, 4, 200
	var wg sync.WaitGroup
	var failed, made atomic.Int64
	for c := range callers {
		wg.Go(func() {
			for i := 0; i < maxCallsEach && (i < callsEach || flips.Load() < minFlips); i++ {
				made.Add(1)
				body := helloBody
				if (c+i)%2 == 0 {
					body = `{"model":"` + gemma + `","stream":true,"messages":[{"role":"user","content":"hi"}]}`
				}
				status, _, answer := postWithin(t, p, body, clientDeadline)
				if status != http.StatusOK {
					failed.Add(1)
					t.Errorf("call while the catalog changes: %d %.300s", status, answer)
				}
			}
		})
	}
	wg.Wait()
	stop()
	flipper.Wait()

	if flips.Load() < minFlips {
		t.Fatalf("the catalog changed only %d times during the calls", flips.Load())
	}
	total := int(made.Load())
	eventually(t, "every call counted", func() bool { return p.srv.stats.Today().Total == total })
	if today := p.srv.stats.Today(); today.Success != total {
		t.Errorf("stats = %+v, want %d successes", today, total)
	}
	if p.fake.PaidCalls() != 0 {
		t.Error("a paid model was called")
	}
	leaks()
	t.Logf("%d calls, %d catalog changes, %d failed", callers*callsEach, flips.Load(), failed.Load())
}
