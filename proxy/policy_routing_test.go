package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/stats"
	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// The routing policies of a chat call: which models it may try, when it may
// try another one, and how long it waits for one.

// chatModels is how many free chat models the fake's default catalog has.
const chatModels = 5

// incapableBody needs tools and vision, which no free model of the fake has
// together: Freelane refuses it without an upstream call.
const incapableBody = `{"messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],"tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}`

func TestPolicy_CoolingModelsAreNotTried(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.fake.SetDefault("*", fakeopenrouter.ProviderBusy())

	// Three attempts, then the two models left: every failed model rests
	// while another one may answer, since each attempt would spend the
	// daily free quota.
	for call, want := range []int{3, chatModels} {
		p.post("/v1/chat/completions", helloBody)
		if n := len(p.fake.Requests()); n != want {
			t.Fatalf("after call %d: %d upstream attempts, want %d", call+1, n, want)
		}
	}
	tried := map[string]bool{}
	for _, r := range p.fake.Requests() {
		if tried[r.Model] {
			t.Errorf("%s was tried again while cooling down", r.Model)
		}
		tried[r.Model] = true
	}

	// Every model rests, but the retry gate still allows retries (the
	// day's first calls may always fail over): the resting models are
	// probed rather than the call refused.
	p.post("/v1/chat/completions", helloBody)
	probed := chatModels + 3
	if n := len(p.fake.Requests()); n != probed {
		t.Fatalf("%d upstream attempts, want %d: with every model resting, the likeliest are probed", n, probed)
	}

	// The last calls all failed: the retry gate says OpenRouter is down, so
	// a call with every model resting goes nowhere.
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status %d with every model resting, want 503: %s", status, body)
	}
	if code := checkErrorEnvelope(t, body); code != "all_models_cooling_down" {
		t.Errorf("code %q, want all_models_cooling_down", code)
	}
	// The first model rests seconds (repeated provider rate limits).
	if secs, err := strconv.Atoi(h.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After = %q, want the seconds until the first model is back (1-60)", h.Get("Retry-After"))
	}
	if n := len(p.fake.Requests()); n != probed {
		t.Errorf("%d upstream attempts, want %d: a call with every model resting and upstream failing goes nowhere", n, probed)
	}
	last := p.srv.stats.Recent(1)[0]
	if last.Outcome != stats.OutcomeFailed || last.Attempts != 0 || last.Status != http.StatusServiceUnavailable {
		t.Errorf("counted as %+v, want failed, 503, no attempt", last)
	}

	// A rested model is tried again.
	p.srv.health.Success(gemma, time.Second)
	p.fake.SetDefault("*", fakeopenrouter.Answer("back"))
	if status, h, body := p.post("/v1/chat/completions", helloBody); status != http.StatusOK || h.Get(headerModel) != gemma {
		t.Errorf("after a model recovered: status %d from %q: %s", status, h.Get(headerModel), body)
	}
}

func TestPolicy_RestingModelIsProbedWhenNoneIsLeft(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	// One blip of a model that answered before, while every other model is
	// gone: the blip is no reason to refuse the next call.
	p.srv.health.Success(gemma, time.Second)
	p.fake.SetDefault("*", fakeopenrouter.NoEndpoints())
	p.fake.SetDefault(gemma, fakeopenrouter.ProviderBusy())
	p.post("/v1/chat/completions", helloBody)
	p.post("/v1/chat/completions", helloBody)
	for _, r := range p.fake.Requests() {
		if !p.srv.health.CoolingDown(r.Model) {
			t.Fatalf("%s is not resting after its failure", r.Model)
		}
	}
	before := len(p.fake.Requests())
	if before != chatModels {
		t.Fatalf("%d upstream attempts, want one per model (%d)", before, chatModels)
	}
	p.fake.SetDefault(gemma, fakeopenrouter.Answer("still here"))
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusOK || h.Get(headerModel) != gemma {
		t.Fatalf("status %d from %q with only a resting model left, want 200 from %s: %s", status, h.Get(headerModel), gemma, body)
	}
	if n := len(p.fake.Requests()) - before; n != 1 {
		t.Errorf("%d upstream attempts, want 1: the probe goes to the resting model, never to a gone one", n)
	}
}

func TestPolicy_UnreachableUpstreamRestsNoModel(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run("stream="+strconv.FormatBool(stream), func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			baseURL := p.srv.config().BaseURL
			pointAtClosedPort(t, p)
			body := helloBody
			if stream {
				body = streamHello
			}
			status, _, answer := p.post("/v1/chat/completions", body)
			if status != http.StatusBadGateway || checkErrorEnvelope(t, answer) != "upstream_unreachable" {
				t.Fatalf("status %d: %s", status, answer)
			}
			if got := strings.Count(p.logs.String(), "OpenRouter unreachable"); got != 1 {
				t.Errorf("%d models tried, want 1: another model cannot be reached either", got)
			}
			if got := p.srv.stats.Recent(1)[0].Attempts; got != 0 {
				t.Errorf("%d attempts counted, want 0: none reached OpenRouter", got)
			}
			if got := p.srv.quota.usedToday(); got != 0 {
				t.Errorf("%d attempts in the day's quota estimate, want 0: nothing reached OpenRouter", got)
			}
			for _, m := range []string{gemma, mistral, llama} {
				if p.srv.health.CoolingDown(m) {
					t.Errorf("%s rests because OpenRouter could not be reached", m)
				}
			}
			pointAt(p, baseURL)
			if status, h, answer := p.post("/v1/chat/completions", body); status != http.StatusOK || h.Get(headerModel) != gemma {
				t.Errorf("once OpenRouter is back: status %d from %q: %.200s", status, h.Get(headerModel), answer)
			}
		})
	}
}

// With HTTPS_PROXY pointing at a proxy that is down, net/http reports a
// "proxyconnect" error around the dial error: OpenRouter is unreachable, no
// model is to blame.
func TestPolicy_ProxyDownIsUnreachableAndRestsNoModel(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	online := *p.srv.config()
	cfg := online
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxyAddr := ln.Addr().String()
	ln.Close()
	// Not a loopback host: net/http never sends those through a proxy. The
	// name is never resolved, only the proxy is dialled.
	cfg.BaseURL = "https://openrouter.example/api/v1"
	cfg.HTTPSProxy = "http://" + proxyAddr
	p.srv.applyConfig(cfg)
	if got := p.srv.config().HTTPSProxy; got != cfg.HTTPSProxy {
		t.Fatalf("HTTPS_PROXY in use %q, want %q", got, cfg.HTTPSProxy)
	}

	for i := range 4 { // past the retry gate's warm-up and the cooldowns' test
		status, _, answer := p.post("/v1/chat/completions", helloBody)
		if status != http.StatusBadGateway || checkErrorEnvelope(t, answer) != "upstream_unreachable" {
			t.Fatalf("call %d: status %d, want 502 upstream_unreachable: %s", i, status, answer)
		}
	}
	for _, m := range []string{gemma, mistral, llama} {
		if p.srv.health.CoolingDown(m) {
			t.Errorf("%s rests because the proxy was down", m)
		}
	}
	if got := strings.Count(p.logs.String(), "OpenRouter unreachable"); got != 4 {
		t.Errorf("%d attempts through the dead proxy for 4 calls, want 4 (one each)", got)
	}
	for _, c := range p.srv.stats.Recent(4) {
		if c.Attempts != 0 {
			t.Errorf("call counted with %d attempts, want 0: none reached OpenRouter", c.Attempts)
		}
	}
	if got := p.srv.quota.usedToday(); got != 0 {
		t.Errorf("%d attempts in the day's quota estimate while offline, want 0", got)
	}

	// Back online: the four offline calls do not close the retry gate, so a
	// busy first model still fails over.
	p.srv.applyConfig(online)
	p.fake.Script(gemma, fakeopenrouter.ProviderBusy())
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusOK || h.Get(headerModel) != mistral {
		t.Fatalf("status %d from %q, want mistral after gemma failed: offline calls say nothing about OpenRouter: %s",
			status, h.Get(headerModel), body)
	}
}

func TestPolicy_RetryGateCountsOnlyCallsThatReachedOpenRouter(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	// Refused locally four times, which is past the day's warm-up calls.
	for range 4 {
		if status, _, body := p.post("/v1/chat/completions", incapableBody); status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400 no_capable_free_model: %s", status, body)
		}
	}
	if n := len(p.fake.Requests()); n != 0 {
		t.Fatalf("%d upstream calls for locally refused requests", n)
	}

	p.fake.Script(gemma, fakeopenrouter.ProviderBusy())
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusOK || h.Get(headerModel) != mistral {
		t.Fatalf("status %d from %q, want mistral after gemma failed: locally refused calls are no sign that upstream is down: %s",
			status, h.Get(headerModel), body)
	}
}

func TestPolicy_RetryGateStillClosesAfterUpstreamFailures(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.SetDefault("*", fakeopenrouter.ProviderBusy())
	forgetFailures := func() { p.srv.health.Forget(func(string) bool { return false }) }
	for range 3 {
		p.post("/v1/chat/completions", helloBody)
		forgetFailures()
	}
	// Local refusals in between change nothing: the last calls that reached
	// OpenRouter all failed.
	if status, _, body := p.post("/v1/chat/completions", incapableBody); status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 no_capable_free_model: %s", status, body)
	}
	before := len(p.fake.Requests())
	p.post("/v1/chat/completions", helloBody)
	if n := len(p.fake.Requests()) - before; n != 1 {
		t.Errorf("%d attempts after three upstream failures in a row, want 1", n)
	}
}

func TestPolicy_NonStreamAttemptIsBoundByRequestTimeoutAlone(t *testing.T) {
	env := map[string]string{
		"PREFERRED_MODELS":    gemma + "," + mistral,
		"FIRST_TOKEN_TIMEOUT": "200ms",
		"REQUEST_TIMEOUT":     "3s",
	}
	t.Run("hung_model_fails_over_at_request_timeout", func(t *testing.T) {
		p := newTestProxy(t, nil, env)
		p.fake.Script(gemma, fakeopenrouter.Hang())
		status, h, body := postWithin(t, p, helloBody, 30*time.Second)
		if status != http.StatusOK || h.Get(headerModel) != mistral {
			t.Fatalf("status %d from %q, want mistral after gemma stalled: %s", status, h.Get(headerModel), body)
		}
		if !p.srv.health.CoolingDown(gemma) {
			t.Error("the stalled model is not resting")
		}
	})
	t.Run("slow_answer_past_first_token_timeout_is_kept", func(t *testing.T) {
		p := newTestProxy(t, nil, env)
		// Nothing at all for well past FIRST_TOKEN_TIMEOUT, then the answer:
		// a model thinking before a long answer, not a stalled one.
		p.fake.Script(gemma, fakeopenrouter.Delay(time.Second, fakeopenrouter.Answer("after a long think")))
		status, h, body := postWithin(t, p, helloBody, 30*time.Second)
		if status != http.StatusOK || h.Get(headerModel) != gemma {
			t.Fatalf("status %d from %q, want gemma's late answer: %s", status, h.Get(headerModel), body)
		}
	})
}

func TestPolicy_PaidWebSearchIsRemovedAndLogged(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	body := `{"model":"gpt-4o","messages":[{"role":"user","content":"news?"}],` +
		`"plugins":[{"id":"web"}],"web_search_options":{"search_context_size":"high"}}`
	if status, _, answer := p.post("/v1/chat/completions", body); status != http.StatusOK {
		t.Fatalf("status %d: %s", status, answer)
	}
	reqs := p.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d upstream requests, want 1", len(reqs))
	}
	sent := string(reqs[0].Body)
	if strings.Contains(sent, `"web"`) || strings.Contains(sent, "web_search_options") {
		t.Errorf("a paid web search feature went upstream: %s", sent)
	}
	if logs := p.logs.String(); !strings.Contains(logs, "removed request fields") || !strings.Contains(logs, "web_search_options") {
		t.Errorf("no log line names the removed features:\n%s", logs)
	}
}

// A model id with OpenRouter's ":online" suffix (paid web search, dropped
// before forwarding) still names its free model, first in line.
func TestPolicy_OnlineSuffixRoutesToItsFreeModel(t *testing.T) {
	for _, model := range []string{llama + ":online", strings.TrimSuffix(llama, ":free") + ":online"} {
		t.Run(model, func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			status, h, body := p.post("/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
			if status != http.StatusOK || h.Get(headerModel) != llama {
				t.Fatalf("status %d from %q, want %s, the model asked for: %.200s", status, h.Get(headerModel), llama, body)
			}
			if n := p.fake.PaidCalls(); n != 0 {
				t.Errorf("%d calls reached a paid model", n)
			}
		})
	}
}

// With every free model resting, the OpenAI SDK with its default retries
// reports the error within 15 s: Retry-After is capped (a retry sooner is
// refused locally at no quota cost), and the real wait until the next free
// model is in the message and in a header of its own.
func TestPolicy_AllRestingReachesTheSDKWithinSeconds(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	// Gone models rest an hour and are never probed: three models, then the
	// two left, and the third call finds every capable model resting.
	p.fake.SetDefault("*", fakeopenrouter.NoEndpoints())
	for range 2 {
		p.post("/v1/chat/completions", helloBody)
	}
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusServiceUnavailable || checkErrorEnvelope(t, body) != "all_models_cooling_down" {
		t.Fatalf("status %d, want 503 all_models_cooling_down: %s", status, body)
	}
	retry, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || retry < 1 || time.Duration(retry)*time.Second > maxRestingRetryAfter {
		t.Errorf("Retry-After = %q, want 1 to %v", h.Get("Retry-After"), maxRestingRetryAfter)
	}
	next, err := strconv.Atoi(h.Get(headerNextModelIn))
	if err != nil || next < 3590 || next > 3600 {
		t.Errorf("%s = %q, want the real wait of about an hour", headerNextModelIn, h.Get(headerNextModelIn))
	}
	if !strings.Contains(string(body), "available again in "+(time.Duration(next)*time.Second).String()) &&
		!strings.Contains(string(body), "available again in "+(time.Duration(next-1)*time.Second).String()) {
		t.Errorf("the message does not give the real wait of %ds: %s", next, body)
	}

	before := len(p.srv.stats.Recent(statsRecentCalls))
	sdk := oai.NewClient(
		option.WithBaseURL(p.front.URL+"/v1"),
		option.WithAPIKey("whatever-the-client-sends"),
		option.WithHTTPClient(p.front.Client()),
	) // the SDK's default retries
	// Bounded, so that a regression fails in seconds rather than minutes.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err = sdk.Chat.Completions.New(ctx, hello("auto"))
	elapsed := time.Since(start)
	var apiErr *oai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.Code != "all_models_cooling_down" {
		t.Fatalf("SDK error = %v, want the 503 all_models_cooling_down", err)
	}
	if elapsed > 15*time.Second {
		t.Errorf("the SDK reported the error after %v, want within 15 s", elapsed)
	}
	if calls := len(p.srv.stats.Recent(statsRecentCalls)) - before; calls != 3 {
		t.Errorf("the SDK made %d calls, want 3 (its default two retries)", calls)
	}
	if n := len(p.fake.Requests()); n != chatModels {
		t.Errorf("%d upstream attempts, want %d: the retries cost no quota", n, chatModels)
	}
}
