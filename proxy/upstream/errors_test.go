package upstream

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Bodies quoted from the OpenRouter reference (§3, §4), real captures where it has them.
const (
	dailyCapBody = `{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429,
    "metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1790553600000"},
      "limit_source":"openrouter_free_tier_daily",
      "remedy_hint":"Wait for the daily reset (see X-RateLimit-Reset), or purchase credits to raise your free-model daily limit.",
      "provider_name":null}},
   "user_id":"[redacted]"}`
	dailyCapOldBody    = `{"error":{"message":"Rate limit exceeded: free-models-per-day-high-balance. ","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"1000","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1790553600000"},"provider_name":null}},"user_id":"user_x"}`
	dailyCapStealth    = `{"error":{"message":"Rate limit exceeded: free-models-per-day-stealth.","code":429,"metadata":{"headers":{"X-RateLimit-Reset":1790553600000}}}}`
	minuteCapBody      = `{"error":{"message":"Rate limit exceeded: free-models-per-min.","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"20","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1790553660000"},"provider_name":null}}}`
	documented429Body  = `{"error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}}}`
	providerLimitBody  = `{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"google/gemma-4-31b-it:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations","provider_name":"Google AI Studio","is_byok":false,"provider_error_code":"429","limit_source":"upstream_provider_shared_pool","remedy_hint":"Retry shortly"}},"user_id":"user_x"}`
	providerLimitOld   = `{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"deepseek/deepseek-r1:free is temporarily rate-limited upstream.","provider_name":"Chutes"}}}`
	noEndpointsBody    = `{"error":{"message":"No endpoints found for stepfun/step-3.5-flash:free.","code":404}}`
	noToolsBody        = `{"error":{"message":"No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing","code":404}}`
	dataPolicyBody     = `{"error":{"message":"No endpoints found matching your data policy. Check your settings: https://openrouter.ai/settings/privacy","code":404}}`
	freeEndedBody      = `{"error":{"message":"The free variant has ended","error_type":"not_found","http_status":404,"availability":{"code":"free_variant_ended","retryable":false,"fallback_models":["x/y"]}}}`
	invalidModelBody   = `{"error":{"message":"free is not a valid model ID","code":400}}`
	modelNotFoundAvail = `{"error":{"message":"Model not found","error_type":"invalid_request","http_status":400,"availability":{"code":"model_not_found"}}}`
	capacityBody       = `{"error":{"message":"Capacity exhausted","error_type":"rate_limit_exceeded","http_status":429,"availability":{"code":"capacity_exhausted","retryable":true,"retry_after":7}}}`
	paymentBody        = `{"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 4096 tokens, but can only afford 100.","code":402,"metadata":{"provider_name":null}}}`
	moderationBody     = `{"error":{"code":403,"message":"Input flagged","metadata":{"reasons":["violence"],"flagged_input":"...","provider_name":"OpenAI","model_slug":"openai/gpt-4o"}}}`
	authBody           = `{"error":{"message":"No auth credentials found","code":401}}`
	tooManyModelsBody  = `{"error":{"message":"models array must have 3 items or fewer","code":400}}`
	stringCodeBody     = `{"error":{"code":"server_error","message":"Provider disconnected"}}`
	overloadedBody     = `{"error":{"code":529,"message":"Provider overloaded","metadata":{"error_type":"provider_overloaded"}}}`
)

func TestParseError(t *testing.T) {
	t.Parallel()
	reset := time.UnixMilli(1790553600000).UTC()
	tests := []struct {
		name         string
		status       int
		header       http.Header
		body         string
		wantKind     Kind
		wantCode     string
		wantProvider string
		wantReset    time.Time
		wantRetry    time.Duration
		wantInMsg    string
	}{
		{"daily_cap", 429, nil, dailyCapBody, KindDailyCap, "429", "", reset, 0, "free-models-per-day"},
		{"daily_cap_2025_form", 429, nil, dailyCapOldBody, KindDailyCap, "429", "", reset, 0, "high-balance"},
		{"daily_cap_numeric_reset", 429, nil, dailyCapStealth, KindDailyCap, "429", "", reset, 0, "stealth"},
		{"daily_cap_by_limit_source_only", 429, nil, `{"error":{"message":"Rate limit exceeded","code":429,"metadata":{"limit_source":"openrouter_free_tier_daily"}}}`, KindDailyCap, "429", "", time.Time{}, 0, "Rate limit"},
		{"minute_cap", 429, nil, minuteCapBody, KindMinuteCap, "429", "", time.UnixMilli(1790553660000).UTC(), 0, "free-models-per-min"},
		{"documented_generic_429", 429, nil, documented429Body, KindMinuteCap, "429", "", time.Time{}, 0, "Rate limit exceeded"},
		{"provider_limit", 429, nil, providerLimitBody, KindModelBusy, "429", "Google AI Studio", time.Time{}, 0, "rate-limited upstream"},
		{"provider_limit_2025_form", 429, nil, providerLimitOld, KindModelBusy, "429", "Chutes", time.Time{}, 0, "Provider returned error: deepseek"},
		{"retry_after_seconds", 429, http.Header{"Retry-After": {"12"}}, providerLimitOld, KindModelBusy, "429", "Chutes", time.Time{}, 12 * time.Second, "rate-limited upstream"},
		{"reset_from_response_header", 429, http.Header{"X-Ratelimit-Reset": {"1790553600000"}}, documented429Body, KindMinuteCap, "429", "", reset, 0, "Rate limit"},
		{"capacity_exhausted", 429, nil, capacityBody, KindModelBusy, "capacity_exhausted", "", time.Time{}, 7 * time.Second, "Capacity"},
		{"no_endpoints", 404, nil, noEndpointsBody, KindModelGone, "404", "", time.Time{}, 0, "No endpoints"},
		{"no_tool_endpoints", 404, nil, noToolsBody, KindModelGone, "404", "", time.Time{}, 0, "tool use"},
		{"data_policy", 404, nil, dataPolicyBody, KindModelGone, "404", "", time.Time{}, 0, "data policy"},
		{"free_variant_ended_without_code", 404, nil, freeEndedBody, KindModelGone, "free_variant_ended", "", time.Time{}, 0, "free variant"},
		{"not_a_valid_model_id", 400, nil, invalidModelBody, KindModelGone, "400", "", time.Time{}, 0, "not a valid model ID"},
		{"model_not_found_availability", 400, nil, modelNotFoundAvail, KindModelGone, "model_not_found", "", time.Time{}, 0, "Model not found"},
		{"too_many_models", 400, nil, tooManyModelsBody, KindInvalidRequest, "400", "", time.Time{}, 0, "3 items"},
		{"payment", 402, nil, paymentBody, KindPayment, "402", "", time.Time{}, 0, "more credits"},
		{"moderation", 403, nil, moderationBody, KindForbidden, "403", "OpenAI", time.Time{}, 0, "flagged"},
		{"auth", 401, nil, authBody, KindAuth, "401", "", time.Time{}, 0, "auth credentials"},
		{"string_code_500", 500, nil, stringCodeBody, KindModelBusy, "server_error", "", time.Time{}, 0, "disconnected"},
		{"overloaded_529", 529, nil, overloadedBody, KindModelBusy, "529", "", time.Time{}, 0, "overloaded"},
		{"request_timeout_408", 408, nil, `{"error":{"code":408,"message":"Request timed out"}}`, KindModelBusy, "408", "", time.Time{}, 0, "timed out"},
		{"edge_timeout_html", 524, nil, "<html><body>\n<h1>A timeout occurred</h1></body></html>", KindModelBusy, "", "", time.Time{}, 0, "timeout occurred"},
		{"empty_502", 502, nil, "", KindModelBusy, "", "", time.Time{}, 0, "Bad Gateway"},
		{"payload_too_large", 413, nil, `{"error":{"code":413,"message":"Payload too large"}}`, KindInvalidRequest, "413", "", time.Time{}, 0, "too large"},
		{"unprocessable", 422, nil, `{"error":{"code":422,"message":"bad schema"}}`, KindInvalidRequest, "422", "", time.Time{}, 0, "schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			e := ParseError(tt.status, h, []byte(tt.body))
			if e.Kind != tt.wantKind {
				t.Errorf("Kind = %v, want %v", e.Kind, tt.wantKind)
			}
			if e.Status != tt.status {
				t.Errorf("Status = %d, want %d", e.Status, tt.status)
			}
			if e.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q", e.Code, tt.wantCode)
			}
			if e.Provider != tt.wantProvider {
				t.Errorf("Provider = %q, want %q", e.Provider, tt.wantProvider)
			}
			if !e.ResetAt.Equal(tt.wantReset) {
				t.Errorf("ResetAt = %v, want %v", e.ResetAt, tt.wantReset)
			}
			if e.RetryAfter != tt.wantRetry {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tt.wantRetry)
			}
			if !strings.Contains(e.Message, tt.wantInMsg) {
				t.Errorf("Message %q does not contain %q", e.Message, tt.wantInMsg)
			}
		})
	}
}

func TestParseError_RetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	when := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	e := ParseError(503, http.Header{"Retry-After": {when}}, nil)
	if e.RetryAfter < 60*time.Second || e.RetryAfter > 91*time.Second {
		t.Errorf("RetryAfter = %v, want about 90s", e.RetryAfter)
	}
}

func TestKind(t *testing.T) {
	t.Parallel()
	retry := map[Kind]bool{KindModelBusy: true, KindModelGone: true, KindTimeout: true, KindNetwork: true}
	seen := map[string]bool{}
	for k := KindModelBusy; k <= KindInvalidRequest; k++ {
		if got := k.TryAnotherModel(); got != retry[k] {
			t.Errorf("%v.TryAnotherModel() = %v", k, got)
		}
		name := k.String()
		if strings.HasPrefix(name, "kind(") || seen[name] {
			t.Errorf("kind %d has name %q", int(k), name)
		}
		seen[name] = true
	}
	if got := Kind(99).String(); got != "kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}

func TestBodyError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantNil  bool
		wantKind Kind
	}{
		{"normal_answer", `{"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":"hi"}}]}`, true, 0},
		{"word_error_in_content", `{"choices":[{"finish_reason":"stop","message":{"content":"an \"error\" occurred in your code"}}]}`, true, 0},
		{"top_level_error", `{"error":{"code":502,"message":"Provider returned error","metadata":{"provider_name":"Chutes"}}}`, false, KindModelBusy},
		{"top_level_daily_cap", dailyCapBody, false, KindDailyCap},
		{"choice_error_no_content", `{"choices":[{"finish_reason":"error","error":{"code":"server_error","message":"upstream died"},"message":{"role":"assistant","content":""}}]}`, false, KindModelBusy},
		{"finish_error_without_object", `{"choices":[{"finish_reason":"error","message":{"content":null}}]}`, false, KindModelBusy},
		{"choice_error_with_partial_content", `{"choices":[{"finish_reason":"error","error":{"code":500,"message":"cut"},"message":{"content":"partial answer"}}]}`, false, KindModelBusy},
		{"not_json", `"error"`, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := BodyError([]byte(tt.body))
			if tt.wantNil {
				if e != nil {
					t.Errorf("BodyError = %v, want nil", e)
				}
				return
			}
			if e == nil {
				t.Fatal("BodyError = nil, want an error")
			}
			if e.Kind != tt.wantKind {
				t.Errorf("Kind = %v, want %v", e.Kind, tt.wantKind)
			}
			if e.Message == "" {
				t.Error("empty Message")
			}
		})
	}
}

func TestChunkError(t *testing.T) {
	t.Parallel()
	documented := `{"id":"gen-abc123","object":"chat.completion.chunk","created":1234567890,"model":"openai/gpt-4o","provider":"OpenAI","error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`
	e := ChunkError([]byte(documented))
	if e == nil {
		t.Fatal("ChunkError = nil for the documented mid-stream error")
	}
	if e.Kind != KindModelBusy || e.Provider != "OpenAI" || e.Code != "429" || e.Status != http.StatusBadGateway {
		t.Errorf("got %+v", e)
	}
	str := ChunkError([]byte(`{"error":{"code":"server_error","message":"Internal"},"choices":[]}`))
	if str == nil || str.Code != "server_error" {
		t.Errorf("string code: got %+v", str)
	}
	for _, ok := range []string{
		`{"choices":[{"delta":{"content":"error"}}]}`,
		`{"choices":[{"delta":{"content":""},"finish_reason":"stop"}],"usage":{}}`,
		`{"error":null}`,
	} {
		if e := ChunkError([]byte(ok)); e != nil {
			t.Errorf("ChunkError(%s) = %v, want nil", ok, e)
		}
	}
}
