package proxy

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	rs "github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

func inputText(s string) rs.ResponseNewParamsInputUnion {
	return rs.ResponseNewParamsInputUnion{OfString: oai.String(s)}
}

func inputItems(items ...rs.ResponseInputItemUnionParam) rs.ResponseNewParamsInputUnion {
	return rs.ResponseNewParamsInputUnion{OfInputItemList: items}
}

// upstreamBody decodes the nth chat request the fake received.
func upstreamBody(t *testing.T, p *testProxy, n int) map[string]any {
	t.Helper()
	reqs := p.fake.Requests()
	if len(reqs) <= n {
		t.Fatalf("the fake got %d requests, want at least %d", len(reqs), n+1)
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[n].Body, &body); err != nil {
		t.Fatalf("upstream body %d: %v", n, err)
	}
	return body
}

// streamResponse runs a streamed call and returns its event types in order
// and the final response.
func streamResponse(t *testing.T, p *testProxy, params rs.ResponseNewParams) ([]rs.ResponseStreamEventUnion, rs.Response) {
	t.Helper()
	stream := p.sdk().Responses.NewStreaming(t.Context(), params)
	var events []rs.ResponseStreamEventUnion
	var final rs.Response
	for stream.Next() {
		ev := stream.Current()
		if ev.SequenceNumber != int64(len(events)) {
			t.Errorf("event %d (%s) has sequence_number %d", len(events), ev.Type, ev.SequenceNumber)
		}
		events = append(events, ev)
		switch ev.Type {
		case "response.completed", "response.failed", "response.incomplete":
			final = ev.Response
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	return events, final
}

func eventTypes(events []rs.ResponseStreamEventUnion) string {
	var names []string
	for _, ev := range events {
		names = append(names, ev.Type)
	}
	return strings.Join(names, " ")
}

func TestResponses_TextThroughSDK(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.Answer("Hi from Gemma."))
	var raw *http.Response
	resp, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{
		Model: "gpt-5", Instructions: oai.String("Be brief."), Input: inputText("hello"),
	}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("responses: %v", err)
	}
	if got := resp.OutputText(); got != "Hi from Gemma." {
		t.Errorf("output text = %q", got)
	}
	if resp.Model != gemma || raw.Header.Get(headerModel) != gemma {
		t.Errorf("model %q, header %q; want the free model that answered, %q", resp.Model, raw.Header.Get(headerModel), gemma)
	}
	if resp.Status != rs.ResponseStatusCompleted || !strings.HasPrefix(resp.ID, "resp_") || resp.Usage.TotalTokens == 0 {
		t.Errorf("status %q id %q usage %+v", resp.Status, resp.ID, resp.Usage)
	}
	body := upstreamBody(t, p, 0)
	msgs, _ := json.Marshal(body["messages"])
	if body["model"] != gemma || string(msgs) != `[{"content":"Be brief.","role":"system"},{"content":"hello","role":"user"}]` {
		t.Errorf("upstream model %v messages %s", body["model"], msgs)
	}
	if today := p.srv.stats.Today(); today.Total != 1 || today.Success != 1 {
		t.Errorf("stats = %+v, want one successful call", today)
	}
}

func TestResponses_Stream(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.Comments(2, fakeopenrouter.Answer("Streaming works fine, thanks.")))
	events, final := streamResponse(t, p, rs.ResponseNewParams{Model: "gpt-5", Input: inputText("hello")})
	got := eventTypes(events)
	if !strings.HasPrefix(got, "response.created response.in_progress response.output_item.added response.content_part.added response.output_text.delta") ||
		!strings.HasSuffix(got, "response.output_text.done response.content_part.done response.output_item.done response.completed") {
		t.Errorf("event sequence: %s", got)
	}
	var text strings.Builder
	for _, ev := range events {
		if ev.Type == "response.output_text.delta" {
			text.WriteString(ev.Delta)
		}
	}
	if text.String() != "Streaming works fine, thanks." || final.OutputText() != text.String() {
		t.Errorf("deltas %q, final %q", text.String(), final.OutputText())
	}
	if final.Model != gemma || final.Usage.TotalTokens == 0 || final.Usage.InputTokens == 0 {
		t.Errorf("final model %q usage %+v", final.Model, final.Usage)
	}
	if body := upstreamBody(t, p, 0); body["stream"] != true {
		t.Errorf("upstream call not streamed: %v", body["stream"])
	}
}

func TestResponses_FunctionCallRoundTrip(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(llama, fakeopenrouter.ToolCall("get_weather", `{"city":"Paris"}`), fakeopenrouter.Answer("Sunny in Paris."))
	tools := []rs.ToolUnionParam{rs.ToolParamOfFunction("get_weather", map[string]any{
		"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}, false)}

	// The call arrives streamed, as Codex gets it.
	events, first := streamResponse(t, p, rs.ResponseNewParams{Model: "gpt-5", Input: inputText("weather?"), Tools: tools})
	if !strings.Contains(eventTypes(events), "response.function_call_arguments.delta response.function_call_arguments.done response.output_item.done response.completed") {
		t.Errorf("event sequence: %s", eventTypes(events))
	}
	if len(first.Output) != 1 || first.Output[0].Type != "function_call" {
		t.Fatalf("output = %+v", first.Output)
	}
	call := first.Output[0].AsFunctionCall()
	if call.Name != "get_weather" || call.Arguments != `{"city":"Paris"}` || call.CallID == "" {
		t.Fatalf("call = %+v", call)
	}

	resp, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5", Tools: tools, Input: inputItems(
		rs.ResponseInputItemParamOfMessage("weather?", rs.EasyInputMessageRoleUser),
		rs.ResponseInputItemParamOfFunctionCall(call.Arguments, call.CallID, call.Name),
		functionOutput(call.CallID, "sunny, 24 C"),
	)})
	if err != nil {
		t.Fatalf("second call: %v", err)
	}
	if resp.OutputText() != "Sunny in Paris." {
		t.Errorf("answer = %q", resp.OutputText())
	}
	msgs, _ := json.Marshal(upstreamBody(t, p, 1)["messages"])
	want := `{"content":null,"role":"assistant","tool_calls":[{"function":{"arguments":"{\"city\":\"Paris\"}","name":"get_weather"},"id":"` + call.CallID + `","type":"function"}]},{"content":"sunny, 24 C","role":"tool","tool_call_id":"` + call.CallID + `"}`
	if !strings.Contains(string(msgs), want) {
		t.Errorf("upstream messages %s\nwant them to contain %s", msgs, want)
	}
}

func TestResponses_CustomToolRoundTrip(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	patch := "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch"
	args, _ := json.Marshal(map[string]string{"input": patch})
	p.fake.Script(llama, fakeopenrouter.ToolCall("apply_patch", string(args)), fakeopenrouter.Answer("Patched."))
	tools := []rs.ToolUnionParam{rs.ToolParamOfCustom("apply_patch")}

	first, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5", Input: inputText("add a.txt"), Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Output) != 1 || first.Output[0].Type != "custom_tool_call" {
		t.Fatalf("output = %+v", first.Output)
	}
	call := first.Output[0].AsCustomToolCall()
	if call.Input != patch || call.Name != "apply_patch" || call.CallID == "" {
		t.Fatalf("custom call = %+v", call)
	}
	up := upstreamBody(t, p, 0)
	tool, _ := json.Marshal(up["tools"])
	if !strings.Contains(string(tool), `"required":["input"]`) {
		t.Errorf("the custom tool did not go upstream as a function of one string: %s", tool)
	}

	resp, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5", Tools: tools, Input: inputItems(
		rs.ResponseInputItemParamOfMessage("add a.txt", rs.EasyInputMessageRoleUser),
		rs.ResponseInputItemParamOfCustomToolCall(call.CallID, call.Input, call.Name),
		rs.ResponseInputItemParamOfCustomToolCallOutput(call.CallID, "Done!"),
	)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.OutputText() != "Patched." {
		t.Errorf("answer = %q", resp.OutputText())
	}
	msgs, _ := json.Marshal(upstreamBody(t, p, 1)["messages"])
	if !strings.Contains(string(msgs), `"arguments":`+string(mustJSON(t, string(args)))) || !strings.Contains(string(msgs), `{"content":"Done!","role":"tool","tool_call_id":"`+call.CallID+`"}`) {
		t.Errorf("upstream messages %s", msgs)
	}
}

func functionOutput(callID, output string) rs.ResponseInputItemUnionParam {
	item := rs.ResponseInputItemParamOfFunctionCallOutput(output)
	item.OfFunctionCallOutput.CallID = oai.String(callID)
	return item
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestResponses_Reasoning(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.AnswerWithReasoning("Six times seven.", "42"), fakeopenrouter.AnswerWithReasoning("Six times seven.", "42"))
	params := rs.ResponseNewParams{Model: "gpt-5", Input: inputText("6*7?"),
		Reasoning: shared.ReasoningParam{Effort: shared.ReasoningEffortHigh, Summary: shared.ReasoningSummaryAuto}}

	resp, err := p.sdk().Responses.New(t.Context(), params)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Output) != 2 || resp.Output[0].Type != "reasoning" {
		t.Fatalf("output = %+v", resp.Output)
	}
	if s := resp.Output[0].AsReasoning().Summary; len(s) != 1 || s[0].Text != "Six times seven." {
		t.Errorf("summary = %+v", s)
	}
	if resp.OutputText() != "42" {
		t.Errorf("text = %q", resp.OutputText())
	}
	if r, _ := upstreamBody(t, p, 0)["reasoning"].(map[string]any); r["effort"] != "high" {
		t.Errorf("upstream reasoning = %v", r)
	}

	events, final := streamResponse(t, p, params)
	var summary strings.Builder
	for _, ev := range events {
		if ev.Type == "response.reasoning_summary_text.delta" {
			summary.WriteString(ev.Delta)
		}
	}
	if summary.String() != "Six times seven." || final.OutputText() != "42" {
		t.Errorf("streamed summary %q, text %q; events %s", summary.String(), final.OutputText(), eventTypes(events))
	}
}

func TestResponses_StructuredOutput(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.Answer(`{"answer":42}`))
	schema := map[string]any{"type": "object", "properties": map[string]any{"answer": map[string]any{"type": "integer"}}}
	resp, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5", Input: inputText("6*7?"),
		Text: rs.ResponseTextConfigParam{Format: rs.ResponseFormatTextConfigParamOfJSONSchema("result", schema)}})
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Answer int }
	if err := json.Unmarshal([]byte(resp.OutputText()), &out); err != nil || out.Answer != 42 {
		t.Errorf("output %q: %v", resp.OutputText(), err)
	}
	rf, _ := json.Marshal(upstreamBody(t, p, 0)["response_format"])
	if string(rf) != `{"json_schema":{"name":"result","schema":{"properties":{"answer":{"type":"integer"}},"type":"object"}},"type":"json_schema"}` {
		t.Errorf("upstream response_format = %s", rf)
	}
}

func TestResponses_FailsOverBeforeFirstToken(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "non_stream", true: "stream"}[stream], func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			p.fake.Script(gemma, fakeopenrouter.MidStreamError(0))
			if !stream {
				p.fake.Script(gemma, fakeopenrouter.ServerError(502))
			}
			p.fake.Script(mistral, fakeopenrouter.Answer("rescued"))
			params := rs.ResponseNewParams{Model: "gpt-5", Input: inputText("hello")}
			var resp rs.Response
			if stream {
				_, resp = streamResponse(t, p, params)
			} else {
				r, err := p.sdk().Responses.New(t.Context(), params)
				if err != nil {
					t.Fatal(err)
				}
				resp = *r
			}
			if resp.OutputText() != "rescued" || resp.Model != mistral {
				t.Errorf("got %q from %q", resp.OutputText(), resp.Model)
			}
			if today := p.srv.stats.Today(); today.Total != 1 || today.Success != 1 || today.Retry != 1 {
				t.Errorf("stats = %+v, want one call that succeeded after a retry", today)
			}
		})
	}
}

func TestResponses_FailureAfterStreamStarted(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.MidStreamError(2))
	events, final := streamResponse(t, p, rs.ResponseNewParams{Model: "gpt-5", Input: inputText("hello")})
	last := events[len(events)-1]
	if last.Type != "response.failed" || final.Status != rs.ResponseStatusFailed || final.Error.Code == "" || final.Error.Message == "" {
		t.Errorf("last event %s, response %+v; events %s", last.Type, final, eventTypes(events))
	}
	if !strings.Contains(eventTypes(events), "response.output_text.delta") {
		t.Errorf("no text before the failure: %s", eventTypes(events))
	}
	if p.fake.Calls(mistral) != 0 {
		t.Error("failed over after text was sent")
	}
	eventually(t, "the broken call to be counted", func() bool { return p.srv.stats.Today().Failed == 1 })
}

func TestResponses_PreviousResponseID(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(gemma, fakeopenrouter.Answer("Paris."), fakeopenrouter.Answer("About 2 million."), fakeopenrouter.Answer("unused"))
	first, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5", Input: inputText("Capital of France?")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5", Input: inputText("Population?"),
		PreviousResponseID: oai.String(first.ID), Store: oai.Bool(false)})
	if err != nil {
		t.Fatalf("follow-up: %v", err)
	}
	if second.OutputText() != "About 2 million." || second.PreviousResponseID != first.ID {
		t.Errorf("follow-up %q, previous %q", second.OutputText(), second.PreviousResponseID)
	}
	msgs, _ := json.Marshal(upstreamBody(t, p, 1)["messages"])
	if string(msgs) != `[{"content":"Capital of France?","role":"user"},{"content":"Paris.","role":"assistant"},{"content":"Population?","role":"user"}]` {
		t.Errorf("follow-up messages upstream: %s", msgs)
	}

	// The second call said store:false: it cannot be continued.
	_, err = p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5", Input: inputText("And?"), PreviousResponseID: oai.String(second.ID)})
	var apiErr *oai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || apiErr.Code != "previous_response_not_found" ||
		apiErr.Param != "previous_response_id" || !strings.Contains(apiErr.Message, second.ID) {
		t.Errorf("err = %v", err)
	}
	if n := len(p.fake.Requests()); n != 2 {
		t.Errorf("%d upstream calls; an unknown previous_response_id must not reach OpenRouter", n)
	}
}

func TestResponses_Errors(t *testing.T) {
	big := `{"model":"m","input":"` + strings.Repeat("x", 2<<20) + `"}`
	cases := []struct {
		name     string
		env      map[string]string
		behavior *fakeopenrouter.Behavior
		setup    func(*testing.T, *testProxy)
		body     string
		status   int
		code     string
		header   string // a header the answer must carry
	}{
		{name: "hosted tool", body: `{"model":"m","input":"x","tools":[{"type":"code_interpreter"}]}`, status: 400, code: "unsupported_tool"},
		{name: "not json", body: `{"model":`, status: 400, code: "invalid_json"},
		{name: "bad input", body: `{"model":"m","input":[{"type":"computer_call"}]}`, status: 400, code: "invalid_request"},
		{name: "unknown previous id", body: `{"model":"m","input":"x","previous_response_id":"resp_nope"}`, status: 400, code: "previous_response_not_found"},
		{name: "too large", env: map[string]string{"MAX_REQUEST_BODY_MB": "1"}, body: big, status: 413, code: "request_too_large"},
		{name: "no api key", env: map[string]string{"OPENROUTER_API_KEY": ""}, body: `{"model":"m","input":"x"}`, status: 401, code: "missing_api_key"},
		{name: "daily cap", behavior: ptr(fakeopenrouter.DailyCap()), body: `{"model":"m","input":"x"}`, status: 429, code: "free_daily_limit_reached", header: "Retry-After"},
		{name: "minute cap", behavior: ptr(fakeopenrouter.MinuteCap()), body: `{"model":"m","input":"x","stream":true}`, status: 429, code: "free_minute_limit_reached", header: "Retry-After"},
		{name: "all busy", behavior: ptr(fakeopenrouter.ProviderBusy()), body: `{"model":"m","input":"x"}`, status: 503, code: "free_models_busy", header: "Retry-After"},
		{name: "upstream refuses the key", behavior: ptr(fakeopenrouter.ServerError(http.StatusUnauthorized)), body: `{"model":"m","input":"x"}`, status: 401, code: "upstream_auth_failed"},
		{name: "unreachable", setup: pointAtClosedPort, body: `{"model":"m","input":"x","stream":true}`, status: 502, code: "upstream_unreachable"},
		{name: "timeout", env: faultEnv, behavior: ptr(fakeopenrouter.Hang()), body: `{"model":"m","input":"x","stream":true}`, status: 504, code: "upstream_timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := maps.Clone(ordered)
			maps.Copy(env, tc.env)
			p := newTestProxy(t, nil, env)
			if tc.behavior != nil {
				p.fake.SetDefault("*", *tc.behavior)
			}
			if tc.setup != nil {
				tc.setup(t, p)
			}
			status, h, body := p.post("/v1/responses", tc.body)
			var envl struct {
				Error struct {
					Message, Type string
					Code          any
				}
			}
			if err := json.Unmarshal(body, &envl); err != nil {
				t.Fatalf("status %d, not an OpenAI error: %s", status, body)
			}
			if status != tc.status || envl.Error.Code != tc.code || envl.Error.Message == "" || envl.Error.Type == "" {
				t.Errorf("status %d error %+v; want %d %s", status, envl.Error, tc.status, tc.code)
			}
			if tc.header != "" && h.Get(tc.header) == "" {
				t.Errorf("no %s header: %v", tc.header, h)
			}
		})
	}
	t.Run("sdk_sees_the_status_and_code", func(t *testing.T) {
		p := newTestProxy(t, nil, ordered)
		_, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5", Input: inputText("x"),
			Tools: []rs.ToolUnionParam{{OfFileSearch: &rs.FileSearchToolParam{VectorStoreIDs: []string{"vs_1"}}}}})
		var apiErr *oai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "unsupported_tool" || !strings.Contains(apiErr.Message, `"file_search"`) {
			t.Errorf("err = %v", err)
		}
		if len(p.fake.Requests()) != 0 {
			t.Error("a refused request reached OpenRouter")
		}
	})
	t.Run("method", func(t *testing.T) {
		p := newTestProxy(t, nil, ordered)
		status, h, _ := p.get("/v1/responses")
		if status != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
			t.Errorf("GET: status %d Allow %q", status, h.Get("Allow"))
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestResponses_CodexIsAskedToWaitAtTheMinuteLimit(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.SetDefault("*", fakeopenrouter.MinuteCap())
	body := `{"model":"m","input":"x","stream":true}`
	status, h, out := p.post("/v1/responses", body, "Originator", "codex_exec")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d: %s", status, out)
	}
	var types []string
	var failed struct {
		Response struct {
			Status string
			Error  struct{ Code, Message string }
		}
	}
	for block := range strings.SplitSeq(string(out), "\n\n") {
		for line := range strings.SplitSeq(block, "\n") {
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var ev struct{ Type string }
				_ = json.Unmarshal([]byte(data), &ev)
				types = append(types, ev.Type)
				if ev.Type == "response.failed" {
					_ = json.Unmarshal([]byte(data), &failed)
				}
			}
		}
	}
	if strings.Join(types, " ") != "response.created response.in_progress response.failed" {
		t.Errorf("events: %v", types)
	}
	// Codex reads the delay from this wording and retries after it.
	e := failed.Response.Error
	if e.Code != "rate_limit_exceeded" || !regexp.MustCompile(`try again in \d+s\.$`).MatchString(e.Message) {
		t.Errorf("failure = %+v", e)
	}
	// Other clients get the 429 with Retry-After, which their SDKs act on.
	if status, h, _ := p.post("/v1/responses", body); status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Errorf("without Originator: status %d, Retry-After %q", status, h.Get("Retry-After"))
	}
}

func TestResponses_ImageGoesToAVisionModel(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.Script(qwenVL, fakeopenrouter.Answer("A cat."))
	content := rs.ResponseInputMessageContentListParam{
		{OfInputText: &rs.ResponseInputTextParam{Text: "What is this?"}},
		{OfInputImage: &rs.ResponseInputImageParam{Detail: rs.ResponseInputImageDetailLow, ImageURL: oai.String("data:image/png;base64,iVBORw0KGgo=")}},
	}
	resp, err := p.sdk().Responses.New(t.Context(), rs.ResponseNewParams{Model: "gpt-5",
		Input: inputItems(rs.ResponseInputItemParamOfMessage(content, rs.EasyInputMessageRoleUser))})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Model != qwenVL || resp.OutputText() != "A cat." {
		t.Errorf("answered %q by %q; want the vision model", resp.OutputText(), resp.Model)
	}
	msgs, _ := json.Marshal(upstreamBody(t, p, 0)["messages"])
	if !strings.Contains(string(msgs), `{"image_url":{"detail":"low","url":"data:image/png;base64,iVBORw0KGgo="},"type":"image_url"}`) {
		t.Errorf("upstream messages %s", msgs)
	}
}
