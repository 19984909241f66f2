package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/stats"
)

// newMessagesProxy is a test Freelane whose Claude sonnet class is pinned
// to llama, with an Anthropic SDK client pointed at it.
func newMessagesProxy(t *testing.T, env map[string]string) (*testProxy, anthropic.Client) {
	t.Helper()
	vars := map[string]string{"CLAUDE_SONNET_MODEL": llama}
	for k, v := range env {
		vars[k] = v
	}
	p := newTestProxy(t, nil, vars)
	client := anthropic.NewClient(
		option.WithBaseURL(p.front.URL),
		option.WithAPIKey("not-forwarded-key"),
		option.WithHTTPClient(p.front.Client()),
		option.WithMaxRetries(0),
	)
	return p, client
}

const sonnet = anthropic.Model("claude-sonnet-4-5-20250929")

func userText(text string) []anthropic.MessageParam {
	return []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))}
}

func TestMessages_TextWithTheSDK(t *testing.T) {
	p, client := newMessagesProxy(t, nil)
	p.fake.Script(llama, fakeopenrouter.Answer("Hi there"))
	msg, err := client.Messages.New(t.Context(), anthropic.MessageNewParams{
		Model: sonnet, MaxTokens: 100, Messages: userText("hello"),
		System: []anthropic.TextBlockParam{{Text: "Be brief."}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || msg.Content[0].Text != "Hi there" {
		t.Fatalf("content = %+v, want one text block %q", msg.Content, "Hi there")
	}
	if msg.Model != llama {
		t.Errorf("model = %q, want the free model that answered (%s)", msg.Model, llama)
	}
	if msg.StopReason != anthropic.StopReasonEndTurn || msg.Usage.OutputTokens == 0 || msg.Usage.InputTokens == 0 {
		t.Errorf("stop_reason %q, usage %+v; want end_turn and counts", msg.StopReason, msg.Usage)
	}
	reqs := p.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("upstream calls = %d, want 1", len(reqs))
	}
	var sent struct {
		Messages []struct{ Role, Content string }
	}
	_ = json.Unmarshal(reqs[0].Body, &sent)
	if len(sent.Messages) != 2 || sent.Messages[0].Role != "system" || sent.Messages[0].Content != "Be brief." || sent.Messages[1].Content != "hello" {
		t.Errorf("upstream messages = %+v", sent.Messages)
	}
	for _, h := range []string{"X-Api-Key", "Anthropic-Version"} {
		if v := reqs[0].Header.Get(h); v != "" {
			t.Errorf("upstream got the client's %s header: %q", h, v)
		}
	}
	if auth := reqs[0].Header.Get("Authorization"); auth != "Bearer "+testKey {
		t.Errorf("upstream Authorization = %q, want Freelane's key", auth)
	}
	eventually(t, "the call counted with its API", func() bool {
		calls := p.srv.stats.Recent(1)
		return len(calls) == 1 && calls[0].Outcome == stats.OutcomeSuccess && calls[0].API == "anthropic"
	})
	_, _, view := p.get("/debug/concurrency")
	var conc struct {
		Recent []struct{ API string } `json:"recent"`
	}
	if err := json.Unmarshal(view, &conc); err != nil || len(conc.Recent) != 1 || conc.Recent[0].API != "anthropic" {
		t.Errorf("dashboard's recent calls do not name the API: %s", view)
	}
}

func TestMessages_StreamWithTheSDK(t *testing.T) {
	p, client := newMessagesProxy(t, nil)
	p.fake.Script(llama, fakeopenrouter.Answer("streamed words arrive in pieces"))
	stream := client.Messages.NewStreaming(t.Context(), anthropic.MessageNewParams{
		Model: sonnet, MaxTokens: 100, Messages: userText("hello"),
	})
	var msg anthropic.Message
	var types []string
	for stream.Next() {
		ev := stream.Current()
		types = append(types, ev.Type)
		if err := msg.Accumulate(ev); err != nil {
			t.Fatalf("accumulating %s: %v", ev.Type, err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if got := msg.Content; len(got) != 1 || got[0].Text != "streamed words arrive in pieces" {
		t.Errorf("content = %+v", got)
	}
	if msg.StopReason != anthropic.StopReasonEndTurn || msg.Model != llama || msg.Usage.OutputTokens == 0 {
		t.Errorf("stop %q model %q usage %+v", msg.StopReason, msg.Model, msg.Usage)
	}
	if types[0] != "message_start" || types[len(types)-1] != "message_stop" || types[len(types)-2] != "message_delta" {
		t.Errorf("event order %v", types)
	}
}

func TestMessages_ToolUseRoundTrip(t *testing.T) {
	for _, streamed := range []bool{false, true} {
		t.Run(map[bool]string{false: "whole", true: "streamed"}[streamed], func(t *testing.T) {
			p, client := newMessagesProxy(t, nil)
			p.fake.Script(llama, fakeopenrouter.AgentTurn("read_file", `{"path":"a.go"}`, "The file says: "))
			p.fake.Script(llama, fakeopenrouter.AgentTurn("read_file", `{"path":"a.go"}`, "The file says: "))
			tools := []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
				Name: "read_file", Description: anthropic.String("Reads a file"),
				InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"path": map[string]any{"type": "string"}}, Required: []string{"path"}},
			}}}
			params := anthropic.MessageNewParams{Model: sonnet, MaxTokens: 100, Messages: userText("read a.go"), Tools: tools}
			first := send(t, client, params, streamed)
			if first.StopReason != anthropic.StopReasonToolUse || len(first.Content) != 1 || first.Content[0].Type != "tool_use" {
				t.Fatalf("first answer: stop %q content %+v", first.StopReason, first.Content)
			}
			use := first.Content[0]
			if use.Name != "read_file" || string(use.Input) != `{"path":"a.go"}` || use.ID == "" {
				t.Fatalf("tool_use = %+v", use)
			}
			params.Messages = append(params.Messages, first.ToParam(),
				anthropic.NewUserMessage(anthropic.NewToolResultBlock(use.ID, "package a", false)))
			second := send(t, client, params, streamed)
			if second.StopReason != anthropic.StopReasonEndTurn || len(second.Content) != 1 || second.Content[0].Text != "The file says: package a" {
				t.Fatalf("second answer: stop %q content %+v", second.StopReason, second.Content)
			}
			reqs := p.fake.Requests()
			var sent struct {
				Messages []struct {
					Role       string `json:"role"`
					ToolCallID string `json:"tool_call_id"`
					ToolCalls  []struct {
						ID string `json:"id"`
					} `json:"tool_calls"`
				} `json:"messages"`
			}
			_ = json.Unmarshal(reqs[len(reqs)-1].Body, &sent)
			m := sent.Messages
			if len(m) != 3 || m[1].Role != "assistant" || len(m[1].ToolCalls) != 1 || m[1].ToolCalls[0].ID != use.ID || m[2].Role != "tool" || m[2].ToolCallID != use.ID {
				t.Errorf("second upstream request messages = %+v", m)
			}
		})
	}
}

// send makes a call whole or streamed and returns the message.
func send(t *testing.T, client anthropic.Client, params anthropic.MessageNewParams, streamed bool) *anthropic.Message {
	t.Helper()
	if !streamed {
		msg, err := client.Messages.New(t.Context(), params)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	stream := client.Messages.NewStreaming(t.Context(), params)
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	return &msg
}

func TestMessages_SeveralToolCallsAreSeveralBlocks(t *testing.T) {
	for _, streamed := range []bool{false, true} {
		t.Run(map[bool]string{false: "whole", true: "streamed"}[streamed], func(t *testing.T) {
			p, client := newMessagesProxy(t, nil)
			p.fake.Script(llama, fakeopenrouter.ToolCalls(
				fakeopenrouter.Call{Name: "Read", Args: `{"path":"a.go"}`},
				fakeopenrouter.Call{Name: "Bash", Args: `{"command":"ls -la"}`}))
			tools := []anthropic.ToolUnionParam{
				{OfTool: &anthropic.ToolParam{Name: "Read", InputSchema: anthropic.ToolInputSchemaParam{}}},
				{OfTool: &anthropic.ToolParam{Name: "Bash", InputSchema: anthropic.ToolInputSchemaParam{}}},
			}
			msg := send(t, client, anthropic.MessageNewParams{Model: sonnet, MaxTokens: 100, Messages: userText("go"), Tools: tools}, streamed)
			if len(msg.Content) != 2 || msg.Content[0].Name != "Read" || msg.Content[1].Name != "Bash" ||
				string(msg.Content[1].Input) != `{"command":"ls -la"}` || msg.Content[0].ID == msg.Content[1].ID {
				t.Errorf("content = %+v", msg.Content)
			}
		})
	}
}

func TestMessages_Thinking(t *testing.T) {
	for _, streamed := range []bool{false, true} {
		t.Run(map[bool]string{false: "whole", true: "streamed"}[streamed], func(t *testing.T) {
			p, client := newMessagesProxy(t, map[string]string{"CLAUDE_OPUS_MODEL": r1})
			p.fake.Script(r1, fakeopenrouter.AnswerWithReasoning("let me think about it", "42"))
			msg := send(t, client, anthropic.MessageNewParams{
				Model: "claude-opus-4-1", MaxTokens: 4000, Messages: userText("answer?"),
				Thinking: anthropic.ThinkingConfigParamOfEnabled(2048),
			}, streamed)
			if len(msg.Content) != 2 || msg.Content[0].Type != "thinking" || msg.Content[0].Thinking != "let me think about it" || msg.Content[1].Text != "42" {
				t.Errorf("content = %+v", msg.Content)
			}
			var sent struct {
				Reasoning struct {
					MaxTokens int `json:"max_tokens"`
				} `json:"reasoning"`
			}
			_ = json.Unmarshal(p.fake.Requests()[0].Body, &sent)
			if sent.Reasoning.MaxTokens != 2048 {
				t.Errorf("upstream reasoning.max_tokens = %d, want the thinking budget 2048", sent.Reasoning.MaxTokens)
			}
		})
	}
}

func TestMessages_Images(t *testing.T) {
	p, client := newMessagesProxy(t, nil)
	p.fake.Script(qwenVL, fakeopenrouter.Answer("a red dot"))
	msg, err := client.Messages.New(t.Context(), anthropic.MessageNewParams{
		Model: qwenVL, MaxTokens: 100,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(
			anthropic.NewImageBlockBase64("image/png", "iVBORw0KGgo="),
			anthropic.NewImageBlock(anthropic.URLImageSourceParam{URL: "https://example.com/a.png"}),
			anthropic.NewTextBlock("what is this?"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Content[0].Text != "a red dot" {
		t.Errorf("content = %+v", msg.Content)
	}
	body := string(p.fake.Requests()[0].Body)
	for _, want := range []string{`"url":"data:image/png;base64,iVBORw0KGgo="`, `"url":"https://example.com/a.png"`, `"type":"image_url"`} {
		if !strings.Contains(body, want) {
			t.Errorf("upstream body lacks %s: %s", want, body)
		}
	}
}

func TestMessages_FailoverBeforeFirstToken(t *testing.T) {
	p, client := newMessagesProxy(t, nil)
	p.fake.Script(llama, fakeopenrouter.ProviderBusy())
	msg := send(t, client, anthropic.MessageNewParams{Model: "claude-haiku-4-5", MaxTokens: 100, Messages: userText("hi")}, true)
	if msg.Model == llama || msg.Model == "" || len(msg.Content) != 1 || !strings.Contains(msg.Content[0].Text, msg.Model) {
		t.Errorf("answer from %q: %+v; want another free model's answer", msg.Model, msg.Content)
	}
}

func TestMessages_CountTokens(t *testing.T) {
	p, client := newMessagesProxy(t, nil)
	got, err := client.Messages.CountTokens(t.Context(), anthropic.MessageCountTokensParams{
		Model: sonnet, Messages: userText(strings.Repeat("abcd", 100)),
	})
	if err != nil {
		t.Fatal(err)
	}
	// 400 characters / 4 + 4 for the turn.
	if got.InputTokens != 104 {
		t.Errorf("input_tokens = %d, want 104", got.InputTokens)
	}
	if n := len(p.fake.Requests()); n != 0 {
		t.Errorf("count_tokens made %d upstream calls", n)
	}
}

// apiError returns the SDK's error for a call that must fail.
func apiError(t *testing.T, err error) *anthropic.Error {
	t.Helper()
	var ae *anthropic.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	return ae
}

func TestMessages_ErrorKinds(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		script     []fakeopenrouter.Behavior
		setup      func(*testProxy)
		params     anthropic.MessageNewParams
		status     int
		errType    string
		retryAfter bool
		noRetry    bool
	}{
		{name: "invalid_request", params: anthropic.MessageNewParams{Model: sonnet, MaxTokens: 0, Messages: userText("x")},
			status: 400, errType: "invalid_request_error"},
		{name: "busy_models_are_overloaded", script: []fakeopenrouter.Behavior{fakeopenrouter.ProviderBusy()},
			env: map[string]string{"MAX_MODEL_ATTEMPTS": "1"}, status: 529, errType: "overloaded_error", retryAfter: true},
		{name: "daily_cap", script: []fakeopenrouter.Behavior{fakeopenrouter.DailyCap()},
			status: 429, errType: "rate_limit_error", retryAfter: true, noRetry: true},
		{name: "minute_cap", script: []fakeopenrouter.Behavior{fakeopenrouter.MinuteCap()},
			env: map[string]string{"MAX_MODEL_ATTEMPTS": "1"}, status: 429, errType: "rate_limit_error", retryAfter: true},
		{name: "upstream_500_is_a_busy_model", script: []fakeopenrouter.Behavior{fakeopenrouter.ServerError(500)},
			env: map[string]string{"MAX_MODEL_ATTEMPTS": "1"}, status: 529, errType: "overloaded_error", retryAfter: true},
		{name: "upstream_unreachable", setup: func(p *testProxy) { p.fake.Close() },
			status: 502, errType: "api_error"},
		{name: "upstream_timeout", script: []fakeopenrouter.Behavior{fakeopenrouter.Hang()},
			env: map[string]string{"MAX_MODEL_ATTEMPTS": "1", "REQUEST_TIMEOUT": "200ms"}, status: 504, errType: "timeout_error"},
		{name: "request_too_large", env: map[string]string{"MAX_REQUEST_BODY_MB": "1"},
			params: anthropic.MessageNewParams{Model: sonnet, MaxTokens: 10, Messages: userText(strings.Repeat("x", 2<<20))},
			status: 413, errType: "request_too_large"},
		{name: "no_capable_model", params: anthropic.MessageNewParams{Model: sonnet, MaxTokens: 10, Messages: []anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewImageBlockBase64("image/png", "AA=="))},
			Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: "t", InputSchema: anthropic.ToolInputSchemaParam{}}}}},
			status: 400, errType: "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, client := newMessagesProxy(t, tt.env)
			p.fake.Script(llama, tt.script...)
			if tt.setup != nil {
				tt.setup(p)
			}
			params := tt.params
			if params.Model == "" {
				params = anthropic.MessageNewParams{Model: sonnet, MaxTokens: 10, Messages: userText("x")}
			}
			_, err := client.Messages.New(t.Context(), params)
			ae := apiError(t, err)
			if ae.StatusCode != tt.status || string(ae.Type()) != tt.errType {
				t.Errorf("status %d type %q, want %d %q: %s", ae.StatusCode, ae.Type(), tt.status, tt.errType, ae.RawJSON())
			}
			h := ae.Response.Header
			if got := h.Get("Retry-After") != ""; got != tt.retryAfter {
				t.Errorf("retry-after %q, want present=%v", h.Get("Retry-After"), tt.retryAfter)
			}
			if got := h.Get("X-Should-Retry") == "false"; got != tt.noRetry {
				t.Errorf("x-should-retry %q, want false=%v", h.Get("X-Should-Retry"), tt.noRetry)
			}
			if ae.RequestID == "" {
				t.Error("no request-id")
			}
		})
	}
}

func TestMessages_ErrorAfterStreamBegan(t *testing.T) {
	p, client := newMessagesProxy(t, nil)
	p.fake.Script(llama, fakeopenrouter.MidStreamError(2))
	stream := client.Messages.NewStreaming(t.Context(), anthropic.MessageNewParams{Model: sonnet, MaxTokens: 10, Messages: userText("x")})
	var n int
	for stream.Next() {
		n++
	}
	if n == 0 {
		t.Fatal("no events before the error")
	}
	if err := stream.Err(); err == nil || !strings.Contains(err.Error(), "error") {
		t.Errorf("stream error = %v, want the error event", err)
	}
}

func TestMessages_TokenAsAPIKeyOrBearer(t *testing.T) {
	p, _ := newMessagesProxy(t, map[string]string{"FREELANE_TOKEN": "s3cret-token-value"})
	body := `{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`
	status, _, out := p.post("/v1/messages?beta=true", body)
	if status != http.StatusUnauthorized || !strings.Contains(string(out), `"type":"authentication_error"`) || !strings.Contains(string(out), `"type":"error"`) {
		t.Errorf("without token: %d %s", status, out)
	}
	for _, h := range [][]string{{"X-Api-Key", "s3cret-token-value"}, {"Authorization", "Bearer s3cret-token-value"}} {
		status, _, out := p.post("/v1/messages?beta=true", body, h...)
		if status != http.StatusOK {
			t.Errorf("with %s: %d %s", h[0], status, out)
		}
	}
	for _, r := range p.fake.Requests() {
		if strings.Contains(r.Header.Get("Authorization"), "s3cret") || r.Header.Get("X-Api-Key") != "" {
			t.Error("the token reached upstream")
		}
	}
}

func TestMessages_NotFoundAndMethodInAnthropicEnvelope(t *testing.T) {
	p, _ := newMessagesProxy(t, nil)
	status, _, out := p.get("/v1/messages")
	if status != http.StatusMethodNotAllowed || !strings.Contains(string(out), `"type":"error"`) {
		t.Errorf("GET /v1/messages: %d %s", status, out)
	}
	status, _, out = p.post("/v1/messages/batches", "{}")
	if status != http.StatusNotFound || !strings.Contains(string(out), `"not_found_error"`) {
		t.Errorf("POST /v1/messages/batches: %d %s", status, out)
	}
}

func TestMessages_ModelsInAnthropicShape(t *testing.T) {
	p, client := newMessagesProxy(t, nil)
	page, err := client.Models.List(t.Context(), anthropic.ModelListParams{Limit: anthropic.Int(1000)})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range page.Data {
		ids[m.ID] = true
		if m.DisplayName == "" || m.CreatedAt.IsZero() {
			t.Errorf("model %+v lacks a name or date", m)
		}
	}
	if !ids["claude-sonnet-freelane"] || !ids[llama] {
		t.Errorf("ids %v lack the Claude alias or a free model", ids)
	}
	_, _, plain := p.get("/v1/models")
	if !strings.Contains(string(plain), `"object": "list"`) {
		t.Errorf("without anthropic-version the list is not OpenAI's: %.200s", plain)
	}
}

// readUntil reads the stream until it has seen want; it returns all read.
func readUntil(t *testing.T, r *bufio.Reader, want string) string {
	t.Helper()
	var b strings.Builder
	for !strings.Contains(b.String(), want) {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			t.Fatalf("stream ended before %q: %v\n%s", want, err, b.String())
		}
	}
	return b.String()
}

func TestMessages_PingWhileWaiting(t *testing.T) {
	for _, tt := range []struct {
		name, env string
		next      fakeopenrouter.Behavior
		want      string
	}{
		{name: "answer", next: fakeopenrouter.Answer("late"), want: "event: message_stop"},
		{name: "error", env: "1", next: fakeopenrouter.ProviderBusy(), want: `"type":"overloaded_error"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newMessagesProxy(t, map[string]string{"MAX_MODEL_ATTEMPTS": tt.env})
			p.srv.opts.StreamPing = 5 * time.Millisecond
			release := make(chan struct{})
			p.fake.Script(llama, fakeopenrouter.HoldUntil(release, tt.next))
			// Bounded: without pings the read would wait for ever.
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.front.URL+"/v1/messages",
				strings.NewReader(`{"model":"claude-sonnet-4-5","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}`))
			resp, err := p.front.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			before := readUntil(t, r, "event: ping")
			close(release)
			after := readUntil(t, r, tt.want)
			if resp.StatusCode != http.StatusOK || strings.Contains(before, "message_start") {
				t.Errorf("status %d; before the answer: %s", resp.StatusCode, before)
			}
			if tt.name == "answer" && !strings.Contains(after, `"model":"`+llama+`"`) {
				t.Errorf("message_start does not name the model that answered:\n%s", after)
			}
			if tt.name == "error" && !strings.Contains(after, "event: error") {
				t.Errorf("no error event:\n%s", after)
			}
		})
	}
}

func TestMessages_CaptureNamesTheAPI(t *testing.T) {
	p, client := newMessagesProxy(t, nil)
	p.srv.debug.Store(true)
	if _, err := client.Messages.New(t.Context(), anthropic.MessageNewParams{Model: sonnet, MaxTokens: 10, Messages: userText("hi")}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Requests []struct {
			API      string `json:"api"`
			Attempts int    `json:"attempts"`
		} `json:"requests"`
	}
	eventually(t, "the capture listed", func() bool {
		_, _, body := p.get("/debug/requests")
		return json.Unmarshal(body, &list) == nil && len(list.Requests) == 1
	})
	if r := list.Requests[0]; r.API != "anthropic" || r.Attempts != 1 {
		t.Errorf("capture summary %+v, want api anthropic and 1 attempt", r)
	}
}

func TestRecoverer_AnswersInTheCallersEnvelope(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	h := s.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	for path, want := range map[string]string{
		"/v1/messages":         `{"error":{"message":"Freelane hit an internal error; the call was not completed.","type":"api_error"},"type":"error"}`,
		"/v1/chat/completions": `{"error":{"message":"Freelane hit an internal error; the call was not completed.","type":"api_error","param":null,"code":"internal_error"}}`,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != http.StatusInternalServerError || got != want {
			t.Errorf("%s: %d %s, want 500 %s", path, rec.Code, got, want)
		}
	}
}
