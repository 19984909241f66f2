package proxy

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/stats"
)

const (
	gemma   = "google/gemma-3-12b-it:free"
	mistral = "mistralai/mistral-small-3.2-24b-instruct:free"
	llama   = "meta-llama/llama-3.3-70b-instruct:free"
	qwenVL  = "qwen/qwen2.5-vl-72b-instruct:free"
	r1      = "deepseek/deepseek-r1-0528:free"
)

// ordered pins the routing order so a test knows which model is tried first.
var ordered = map[string]string{"PREFERRED_MODELS": gemma + "," + mistral + "," + llama}

func (p *testProxy) sdk() *oai.Client {
	c := oai.NewClient(
		option.WithBaseURL(p.front.URL+"/v1"),
		option.WithAPIKey("whatever-the-client-sends"),
		option.WithMaxRetries(0),
		option.WithHTTPClient(p.front.Client()),
	)
	return &c
}

func hello(model string) oai.ChatCompletionNewParams {
	return oai.ChatCompletionNewParams{
		Model:    model,
		Messages: []oai.ChatCompletionMessageParamUnion{oai.UserMessage("hello")},
	}
}

func TestChat_NonStreamThroughOpenAISDK(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.Answer("Hi from Gemma."))

	var raw *http.Response
	resp, err := p.sdk().Chat.Completions.New(t.Context(), hello("gpt-4o"), option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("chat: %v", err)
	}
	if got := resp.Choices[0].Message.Content; got != "Hi from Gemma." {
		t.Errorf("content = %q", got)
	}
	if resp.Model != gemma {
		t.Errorf("body model = %q, want the model that answered, %q", resp.Model, gemma)
	}
	if got := raw.Header.Get(headerModel); got != gemma {
		t.Errorf("%s = %q, want %q", headerModel, got, gemma)
	}
	if n := p.fake.PaidCalls(); n != 0 {
		t.Errorf("%d calls reached a paid model", n)
	}
	if today := p.srv.stats.Today(); today.Total != 1 || today.Success != 1 {
		t.Errorf("stats = %+v, want one successful call", today)
	}
}

func TestChat_StreamThroughOpenAISDK(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.Comments(3, fakeopenrouter.Answer("Streaming works fine, thanks.")))

	stream := p.sdk().Chat.Completions.NewStreaming(t.Context(), hello(""))
	var acc oai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	if got := acc.Choices[0].Message.Content; got != "Streaming works fine, thanks." {
		t.Errorf("streamed content = %q", got)
	}
	if acc.Model != gemma {
		t.Errorf("model = %q, want %q", acc.Model, gemma)
	}
	if today := p.srv.stats.Today(); today.Success != 1 {
		t.Errorf("stats = %+v", today)
	}
}

func TestChat_ClientAuthorizationIsReplacedByTheServerKey(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	status, _, body := p.post("/v1/chat/completions", helloBody, "Authorization", "Bearer client-secret", "Cookie", "session=1")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	reqs := p.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("upstream saw %d requests", len(reqs))
	}
	h := reqs[0].Header
	if got := h.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("upstream Authorization = %q", got)
	}
	if h.Get("Cookie") != "" {
		t.Error("the client's cookie reached upstream")
	}
	if h.Get("HTTP-Referer") == "" || !strings.Contains(h.Get("X-OpenRouter-Title"), "Freelane") {
		t.Errorf("attribution headers missing: %v", h)
	}
}

func TestChat_OnlyAllowedFieldsReachUpstream(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	body := `{"model":"openai/gpt-4o","models":["openai/gpt-4o","anthropic/claude"],"route":"fallback","preset":"mine",` +
		`"tools":[{"type":"openrouter:web_search"},{"type":"openrouter:advisor","parameters":{"model":"openai/gpt-5"}},` +
		`{"type":"function","function":{"name":"f","parameters":{}}}],` +
		`"plugins":[{"id":"file-parser","pdf":{"engine":"mistral-ocr"}},{"id":"response-healing"}],` +
		`"messages":[{"role":"user","content":"hi"}],"seed":7,"x_custom":{"a":[1,2]}}`
	status, _, resp := p.post("/v1/chat/completions", body)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, resp)
	}
	var sent map[string]json.RawMessage
	if err := json.Unmarshal(p.fake.Requests()[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(sent["model"]), `:free"`) {
		t.Errorf("model sent = %s", sent["model"])
	}
	for _, k := range []string{"models", "route", "preset", "x_custom"} {
		if _, ok := sent[k]; ok {
			t.Errorf("%q reached upstream; it could bill or route to a paid model", k)
		}
	}
	if string(sent["seed"]) != "7" {
		t.Errorf("an allowed field changed: seed=%s", sent["seed"])
	}
	if got := string(sent["tools"]); got != `[{"type":"function","function":{"name":"f","parameters":{}}}]` {
		t.Errorf("tools sent = %s, want only the function tool", got)
	}
	if got := string(sent["plugins"]); got != `[{"id":"response-healing"}]` {
		t.Errorf("plugins sent = %s, want only the free plugin", got)
	}
	logs := p.logs.String()
	for _, name := range []string{"preset", "openrouter:advisor", "file-parser", "x_custom"} {
		if !strings.Contains(logs, name) {
			t.Errorf("the log does not name the removed %s:\n%s", name, logs)
		}
	}
	if p.fake.PaidCalls() != 0 {
		t.Error("a paid model was called")
	}
}

func TestChat_FailsOverToAnotherFreeModel(t *testing.T) {
	cases := map[string]fakeopenrouter.Behavior{
		"provider_busy": fakeopenrouter.ProviderBusy(),
		"server_error":  fakeopenrouter.ServerError(502),
		"no_endpoints":  fakeopenrouter.NoEndpoints(),
		"error_in_200":  fakeopenrouter.ErrorBodyIn200(),
		"variant_ended": fakeopenrouter.FreeVariantEnded(),
		"unavailable":   fakeopenrouter.ServerError(503),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			p.fake.Script(gemma, b)
			p.fake.Script(mistral, fakeopenrouter.Answer("second model answers"))
			status, h, body := p.post("/v1/chat/completions", helloBody)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			if got := h.Get(headerModel); got != mistral {
				t.Errorf("answered by %q, want %q", got, mistral)
			}
			if !strings.Contains(string(body), "second model answers") {
				t.Errorf("body = %s", body)
			}
			today := p.srv.stats.Today()
			if today.Total != 1 || today.Success != 1 || today.Retry != 1 {
				t.Errorf("stats = %+v, want 1 call, 1 success, 1 retry", today)
			}
			if !p.srv.health.CoolingDown(gemma) {
				t.Error("the failed model is not cooling down")
			}
		})
	}
}

func TestChat_StreamFailsOverBeforeContentOnly(t *testing.T) {
	t.Run("error_before_content", func(t *testing.T) {
		p := newTestProxy(t, nil, ordered)
		p.fake.Script(gemma, fakeopenrouter.MidStreamError(0))
		p.fake.Script(mistral, fakeopenrouter.Answer("rescued"))
		stream := p.sdk().Chat.Completions.NewStreaming(t.Context(), hello("auto"))
		var acc oai.ChatCompletionAccumulator
		for stream.Next() {
			acc.AddChunk(stream.Current())
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("stream: %v", err)
		}
		if acc.Choices[0].Message.Content != "rescued" || acc.Model != mistral {
			t.Errorf("got %q from %q", acc.Choices[0].Message.Content, acc.Model)
		}
	})
	t.Run("error_after_content", func(t *testing.T) {
		p := newTestProxy(t, nil, ordered)
		p.fake.Script(gemma, fakeopenrouter.MidStreamError(2))
		stream := p.sdk().Chat.Completions.NewStreaming(t.Context(), hello("auto"))
		chunks := 0
		for stream.Next() {
			chunks++
		}
		var apiErr *oai.Error
		if err := stream.Err(); err == nil {
			t.Fatal("the SDK saw no error after a mid-stream failure")
		} else if !errors.As(err, &apiErr) && !strings.Contains(err.Error(), "rror") {
			t.Errorf("stream error = %v", err)
		}
		if chunks == 0 {
			t.Error("no content reached the client before the error")
		}
		if p.fake.Calls(mistral) != 0 {
			t.Error("failed over after content was sent")
		}
		// The SDK stops at the error event, possibly before the handler
		// has counted the call.
		eventually(t, "the broken call to be counted", func() bool { return p.srv.stats.Today().Total == 1 })
		if today := p.srv.stats.Today(); today.Failed != 1 {
			t.Errorf("stats = %+v, want one failed call", today)
		}
	})
}

func TestChat_DailyCapAnswersAtOnceWithoutRetries(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script("*", fakeopenrouter.DailyCap())
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusTooManyRequests {
		t.Fatalf("status %d: %s", status, body)
	}
	if n := len(p.fake.Requests()); n != 1 {
		t.Errorf("%d upstream calls; the daily cap must not be retried", n)
	}
	if h.Get("Retry-After") == "" || h.Get("X-RateLimit-Reset") == "" {
		t.Errorf("missing Retry-After / X-RateLimit-Reset: %v", h)
	}
	var env struct {
		Error struct{ Message, Type, Code string }
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("not an OpenAI error: %s", body)
	}
	if env.Error.Code != "free_daily_limit_reached" || env.Error.Type != "rate_limit_error" || !strings.Contains(env.Error.Message, "resets at") {
		t.Errorf("error = %+v", env.Error)
	}
	if st := p.srv.Status(); st.Problem != ProblemQuotaExhausted {
		t.Errorf("status problem = %q, want quota exhausted", st.Problem)
	}
}

func TestChat_MinuteCapAnswers429WithRetryAfter(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script("*", fakeopenrouter.MinuteCap())
	status, h, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Fatalf("status %d Retry-After %q: %s", status, h.Get("Retry-After"), body)
	}
	if n := len(p.fake.Requests()); n != 1 {
		t.Errorf("%d upstream calls, want 1", n)
	}
}

func TestChat_AttemptsAreBounded(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"MAX_MODEL_ATTEMPTS": "2"})
	p.fake.SetDefault("*", fakeopenrouter.ProviderBusy())
	status, _, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", status, body)
	}
	if n := len(p.fake.Requests()); n != 2 {
		t.Errorf("%d upstream attempts, want 2 (MAX_MODEL_ATTEMPTS)", n)
	}
	if today := p.srv.stats.Today(); today.Failed != 1 || today.Retry != 1 {
		t.Errorf("stats = %+v", today)
	}
}

func TestChat_RetryGateSavesQuotaWhileUpstreamFails(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.fake.SetDefault("*", fakeopenrouter.ProviderBusy())
	// Today's first three calls may retry; after three failures in a row, a
	// failing call is not retried. The failed models' cool-downs are lifted
	// after each call, so that the gate alone decides.
	forgetFailures := func() { p.srv.health.Forget(func(string) bool { return false }) }
	for i := range 3 {
		p.post("/v1/chat/completions", helloBody)
		if i == 0 && len(p.fake.Requests()) < 2 {
			t.Fatal("the first call of the day was not retried")
		}
		forgetFailures()
	}
	before := len(p.fake.Requests())
	status, _, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status %d", status)
	}
	if n := len(p.fake.Requests()) - before; n != 1 {
		t.Errorf("%d attempts after three failures in a row, want 1", n)
	}
	if !strings.Contains(string(body), "not retried") {
		t.Errorf("the error does not say why it was not retried: %s", body)
	}
}

func TestChat_ReasoningOnlyAnswerReachesContent(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.ReasoningOnly("The answer is 42."))
	resp, err := p.sdk().Chat.Completions.New(t.Context(), hello("auto"))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != "The answer is 42." {
		t.Errorf("content = %q, want the reasoning text", got)
	}
	if r := resp.Choices[0].Message.JSON.ExtraFields["reasoning"]; r.Raw() != "" && r.Raw() != "null" {
		t.Errorf("reasoning still present (%s): a reasoning-aware client would show it twice", r.Raw())
	}

	p.fake.Script(gemma, fakeopenrouter.ReasoningOnly("Streamed thoughts."))
	stream := p.sdk().Chat.Completions.NewStreaming(t.Context(), hello("auto"))
	var acc oai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if got := acc.Choices[0].Message.Content; got != "Streamed thoughts." {
		t.Errorf("streamed content = %q, want the reasoning text", got)
	}
}

func TestChat_NoKeyGivesClearErrorAndNoUpstreamCall(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"OPENROUTER_API_KEY": ""})
	status, _, body := p.post("/v1/chat/completions", helloBody)
	if status != http.StatusUnauthorized || !strings.Contains(string(body), "OPENROUTER_API_KEY") {
		t.Fatalf("status %d: %s", status, body)
	}
	if len(p.fake.Requests()) != 0 {
		t.Error("an upstream call was made without a key")
	}
	_, _, health := p.get("/health")
	if !strings.Contains(string(health), `"key_present": false`) || !strings.Contains(string(health), "no_api_key") {
		t.Errorf("/health does not report the missing key: %s", health)
	}
}

func TestChat_BadInputGetsOpenAIErrors(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"MAX_REQUEST_BODY_MB": "1"})
	huge := `{"messages":[{"role":"user","content":"` + strings.Repeat("x", 2<<20) + `"}]}`
	cases := []struct {
		name, body string
		status     int
	}{
		{"malformed_json", `{"messages":[`, 400},
		{"not_an_object", `[1,2]`, 400},
		{"empty_body", ``, 400},
		{"missing_messages", `{"model":"auto"}`, 400},
		{"empty_messages", `{"messages":[]}`, 400},
		{"message_without_role", `{"messages":[{"content":"hi"}]}`, 400},
		{"model_wrong_type", `{"model":5,"messages":[{"role":"user","content":"hi"}]}`, 400},
		{"stream_wrong_type", `{"stream":"yes","messages":[{"role":"user","content":"hi"}]}`, 400},
		{"huge_body", huge, 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := p.post("/v1/chat/completions", tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			var env struct {
				Error struct {
					Message string  `json:"message"`
					Type    string  `json:"type"`
					Code    *string `json:"code"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &env); err != nil || env.Error.Message == "" || env.Error.Type == "" || env.Error.Code == nil {
				t.Errorf("not an OpenAI error envelope: %s", body)
			}
		})
	}
	if len(p.fake.Requests()) != 0 {
		t.Error("bad input reached upstream")
	}
	if status, _, body := p.post("/v1/chat/completions", helloBody); status != http.StatusOK {
		t.Errorf("server unhealthy after bad input: %d %s", status, body)
	}
}

func TestChat_WrongMethodAndUnknownPath(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	status, h, body := p.get("/v1/chat/completions")
	if status != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" || !strings.Contains(string(body), `"error"`) {
		t.Errorf("GET chat: %d %v %s", status, h.Get("Allow"), body)
	}
	status, _, body = p.get("/v1/embeddingz")
	if status != http.StatusNotFound || !strings.Contains(string(body), `"error"`) {
		t.Errorf("unknown path: %d %s", status, body)
	}
}

func TestChat_ToolsOnlyGoToToolCapableModels(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	body := `{"messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"weather","parameters":{}}}]}`
	status, h, resp := p.post("/v1/chat/completions", body)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, resp)
	}
	if got := h.Get(headerModel); got != llama {
		t.Errorf("a tools request went to %q; only %q supports tools", got, llama)
	}
}

func TestChat_StatsRecordOutcomes(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"MAX_MODEL_ATTEMPTS": "1", "PREFERRED_MODELS": gemma})
	p.fake.Script(gemma, fakeopenrouter.Answer("ok"), fakeopenrouter.ProviderBusy())
	p.post("/v1/chat/completions", helloBody)
	p.post("/v1/chat/completions", helloBody)
	today := p.srv.stats.Today()
	if today.Total != 2 || today.Success != 1 || today.Failed != 1 {
		t.Errorf("today = %+v", today)
	}
	recent := p.srv.stats.Recent(2)
	if len(recent) != 2 || recent[0].Outcome != stats.OutcomeFailed || recent[1].Outcome != stats.OutcomeSuccess {
		t.Errorf("recent = %+v", recent)
	}
}
