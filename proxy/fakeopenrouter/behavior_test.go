package fakeopenrouter

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const testModel = "meta-llama/llama-3.3-70b-instruct:free"

// streamCall scripts b for testModel, sends a streamed call and reads the
// whole stream.
func streamCall(t *testing.T, s *Server, b Behavior) (*http.Response, []sseEvent, error) {
	t.Helper()
	s.Script(testModel, b)
	resp := postChat(t, s, chatBody(testModel, true))
	events, err := readSSE(resp.Body)
	return resp, events, err
}

// plainCall scripts b for testModel and sends a non-streamed call.
func plainCall(t *testing.T, s *Server, b Behavior) *http.Response {
	t.Helper()
	s.Script(testModel, b)
	return postChat(t, s, chatBody(testModel, false))
}

func TestAnswer_StreamWireFormat(t *testing.T) {
	for _, withChoice := range []bool{false, true} {
		name := map[bool]string{false: "usage_with_empty_choices", true: "usage_with_choice"}[withChoice]
		t.Run(name, func(t *testing.T) {
			s := New(t)
			s.SetUsageChunkChoice(withChoice)
			const text = "one two three four five six seven eight"
			resp, events, err := streamCall(t, s, Answer(text))
			if err != nil {
				t.Fatalf("reading stream: %v", err)
			}
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if events[0].comment != ": OPENROUTER PROCESSING" {
				t.Errorf("first event = %+v, want the processing comment", events[0])
			}
			chunks, done := dataChunks(t, events)
			if !done {
				t.Error("stream did not end with [DONE]")
			}
			content, _ := streamedContent(chunks)
			if content != text {
				t.Errorf("content = %q, want %q", content, text)
			}
			contentChunks := 0
			for _, c := range chunks {
				if c["model"] != testModel || c["object"] != "chat.completion.chunk" || c["id"] != resp.Header.Get("X-Generation-Id") {
					t.Errorf("chunk header fields = %v", c)
				}
				if ch := firstChoice(c); ch != nil && ch["delta"].(map[string]any)["content"] != "" {
					contentChunks++
				}
			}
			if contentChunks < 2 {
				t.Errorf("content came in %d chunks, want a few", contentChunks)
			}
			finish := firstChoice(chunks[len(chunks)-2])
			if finish["finish_reason"] != "stop" || finish["native_finish_reason"] != "stop" {
				t.Errorf("finish chunk = %v", chunks[len(chunks)-2])
			}
			last := chunks[len(chunks)-1]
			if _, ok := last["usage"].(map[string]any); !ok {
				t.Fatalf("last chunk has no usage: %v", last)
			}
			choices := last["choices"].([]any)
			if withChoice != (len(choices) == 1) {
				t.Errorf("usage chunk choices = %v, want entry: %v", choices, withChoice)
			}
		})
	}
}

func TestAnswerWithReasoning(t *testing.T) {
	s := New(t)
	const reasoning, text = "The user wants a greeting so I greet", "Hello there"
	t.Run("stream", func(t *testing.T) {
		_, events, err := streamCall(t, s, AnswerWithReasoning(reasoning, text))
		if err != nil {
			t.Fatal(err)
		}
		chunks, _ := dataChunks(t, events)
		content, gotReasoning := streamedContent(chunks)
		if content != text || gotReasoning != reasoning {
			t.Errorf("content %q reasoning %q", content, gotReasoning)
		}
		first := firstChoice(chunks[0])["delta"].(map[string]any)
		details, _ := first["reasoning_details"].([]any)
		if len(details) != 1 || details[0].(map[string]any)["type"] != "reasoning.text" {
			t.Errorf("first delta = %v, want reasoning_details", first)
		}
		finishDelta := firstChoice(chunks[len(chunks)-2])["delta"].(map[string]any)
		if v, ok := finishDelta["reasoning"]; !ok || v != nil {
			t.Errorf("finish delta = %v, want reasoning: null", finishDelta)
		}
	})
	t.Run("non_stream", func(t *testing.T) {
		body := decodeBody(t, plainCall(t, s, AnswerWithReasoning(reasoning, text)))
		msg := firstChoice(body)["message"].(map[string]any)
		details, _ := msg["reasoning_details"].([]any)
		if msg["reasoning"] != reasoning || msg["content"] != text || len(details) != 1 {
			t.Errorf("message = %v", msg)
		}
		if body["usage"].(map[string]any)["completion_tokens_details"].(map[string]any)["reasoning_tokens"].(float64) == 0 {
			t.Error("reasoning_tokens = 0")
		}
	})
}

func TestReasoningOnly_EmptyContent(t *testing.T) {
	s := New(t)
	body := decodeBody(t, plainCall(t, s, ReasoningOnly("thinking only")))
	msg := firstChoice(body)["message"].(map[string]any)
	if msg["content"] != "" || msg["reasoning"] != "thinking only" {
		t.Errorf("message = %v", msg)
	}
	_, events, err := streamCall(t, s, ReasoningOnly("thinking only"))
	if err != nil {
		t.Fatal(err)
	}
	chunks, done := dataChunks(t, events)
	content, reasoning := streamedContent(chunks)
	if content != "" || reasoning != "thinking only" || !done {
		t.Errorf("content %q reasoning %q done %v", content, reasoning, done)
	}
}

func TestToolCall(t *testing.T) {
	s := New(t)
	const args = `{"city":"Paris","unit":"celsius"}`
	body := decodeBody(t, plainCall(t, s, ToolCall("get_weather", args)))
	ch := firstChoice(body)
	calls := ch["message"].(map[string]any)["tool_calls"].([]any)
	fn := calls[0].(map[string]any)["function"].(map[string]any)
	if fn["name"] != "get_weather" || fn["arguments"] != args || ch["finish_reason"] != "tool_calls" {
		t.Errorf("choice = %v", ch)
	}

	_, events, err := streamCall(t, s, ToolCall("get_weather", args))
	if err != nil {
		t.Fatal(err)
	}
	chunks, _ := dataChunks(t, events)
	var name, gotArgs, id string
	for _, c := range chunks {
		ch := firstChoice(c)
		if ch == nil {
			continue
		}
		tcs, _ := ch["delta"].(map[string]any)["tool_calls"].([]any)
		for _, tc := range tcs {
			m := tc.(map[string]any)
			if v, ok := m["id"].(string); ok {
				id = v
			}
			f := m["function"].(map[string]any)
			if v, ok := f["name"].(string); ok {
				name += v
			}
			gotArgs += f["arguments"].(string)
		}
	}
	if name != "get_weather" || gotArgs != args || !strings.HasPrefix(id, "call_") {
		t.Errorf("streamed tool call: id %q name %q args %q", id, name, gotArgs)
	}
	if firstChoice(chunks[len(chunks)-2])["finish_reason"] != "tool_calls" {
		t.Error("finish_reason is not tool_calls")
	}
}

func TestErrorBehaviors_WireBodies(t *testing.T) {
	tests := []struct {
		name       string
		behavior   Behavior
		wantStatus int
		check      func(t *testing.T, resp *http.Response, e map[string]any)
	}{
		{"daily_cap", DailyCap(), 429, func(t *testing.T, resp *http.Response, e map[string]any) {
			meta := e["metadata"].(map[string]any)
			if meta["limit_source"] != "openrouter_free_tier_daily" || !strings.Contains(e["message"].(string), "free-models-per-day") {
				t.Errorf("error = %v", e)
			}
			if resp.Header.Get("X-RateLimit-Reset") == "" {
				t.Error("no X-RateLimit-Reset header")
			}
		}},
		{"minute_cap", MinuteCap(), 429, func(t *testing.T, _ *http.Response, e map[string]any) {
			headers := e["metadata"].(map[string]any)["headers"].(map[string]any)
			if !strings.Contains(e["message"].(string), "free-models-per-min") || headers["X-RateLimit-Limit"] != "20" {
				t.Errorf("error = %v", e)
			}
		}},
		{"provider_busy", ProviderBusy(), 429, func(t *testing.T, _ *http.Response, e map[string]any) {
			meta := e["metadata"].(map[string]any)
			if e["message"] != "Provider returned error" || meta["provider_name"] == nil ||
				!strings.Contains(meta["raw"].(string), testModel+" is temporarily rate-limited upstream") {
				t.Errorf("error = %v", e)
			}
		}},
		{"server_error_500", ServerError(500), 500, func(t *testing.T, _ *http.Response, e map[string]any) {
			if e["code"] != float64(500) {
				t.Errorf("error = %v", e)
			}
		}},
		{"server_error_502", ServerError(502), 502, func(t *testing.T, _ *http.Response, e map[string]any) {
			meta := e["metadata"].(map[string]any)
			if e["code"] != float64(502) || meta["provider_name"] == nil || meta["error_type"] != "provider_unavailable" {
				t.Errorf("error = %v", e)
			}
		}},
		{"server_error_503", ServerError(503), 503, func(t *testing.T, _ *http.Response, e map[string]any) {
			if e["code"] != float64(503) || e["metadata"].(map[string]any)["error_type"] != "provider_overloaded" {
				t.Errorf("error = %v", e)
			}
		}},
		{"no_endpoints", NoEndpoints(), 404, func(t *testing.T, _ *http.Response, e map[string]any) {
			if e["message"] != "No endpoints found for "+testModel+"." || e["code"] != float64(404) {
				t.Errorf("error = %v", e)
			}
		}},
		{"free_variant_ended", FreeVariantEnded(), 404, func(t *testing.T, _ *http.Response, e map[string]any) {
			av := e["availability"].(map[string]any)
			fallback := av["fallback_models"].([]any)
			if av["code"] != "free_variant_ended" || len(fallback) != 1 || fallback[0] != strings.TrimSuffix(testModel, ":free") {
				t.Errorf("availability = %v", av)
			}
			if _, hasCode := e["code"]; hasCode || e["http_status"] != float64(404) || e["error_type"] != "not_found" {
				t.Errorf("error = %v, want http_status/error_type and no code", e)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(t)
			resp := plainCall(t, s, tt.behavior)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			tt.check(t, resp, errorOf(t, decodeBody(t, resp)))

			// Before the first byte, a streamed call gets the same HTTP error.
			streamed := postChat(t, s, func() string { s.Script(testModel, tt.behavior); return chatBody(testModel, true) }())
			if streamed.StatusCode != tt.wantStatus || streamed.Header.Get("Content-Type") != "application/json" {
				t.Errorf("streamed: status %d, Content-Type %q", streamed.StatusCode, streamed.Header.Get("Content-Type"))
			}
		})
	}
}

// lastErrorChunk checks the stream ended with an in-band error chunk and
// returns its error object.
func lastErrorChunk(t *testing.T, events []sseEvent) map[string]any {
	t.Helper()
	chunks, done := dataChunks(t, events)
	if done {
		t.Error("stream sent [DONE] after an error chunk")
	}
	last := chunks[len(chunks)-1]
	e, ok := last["error"].(map[string]any)
	if !ok {
		t.Fatalf("last chunk has no error: %v", last)
	}
	if firstChoice(last)["finish_reason"] != "error" {
		t.Errorf("error chunk finish_reason = %v", firstChoice(last)["finish_reason"])
	}
	return e
}

func TestMidStreamError(t *testing.T) {
	s := New(t)
	t.Run("numeric_code", func(t *testing.T) {
		resp, events, err := streamCall(t, s, MidStreamError(3))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, err %v", resp.StatusCode, err)
		}
		e := lastErrorChunk(t, events)
		if e["code"] != float64(502) || e["metadata"].(map[string]any)["error_type"] != "provider_unavailable" {
			t.Errorf("error = %v", e)
		}
		chunks, _ := dataChunks(t, events)
		if len(chunks) != 4 {
			t.Errorf("got %d chunks, want 3 content + 1 error", len(chunks))
		}
	})
	t.Run("string_code", func(t *testing.T) {
		_, events, err := streamCall(t, s, MidStreamErrorCode(1, "server_error"))
		if err != nil {
			t.Fatal(err)
		}
		if e := lastErrorChunk(t, events); e["code"] != "server_error" {
			t.Errorf("code = %#v, want the string", e["code"])
		}
	})
	t.Run("non_stream", func(t *testing.T) {
		resp := plainCall(t, s, MidStreamError(2))
		ch := firstChoice(decodeBody(t, resp))
		if resp.StatusCode != http.StatusOK || ch["finish_reason"] != "error" || ch["error"] == nil {
			t.Errorf("status %d, choice %v", resp.StatusCode, ch)
		}
	})
}

func TestErrorBodyIn200(t *testing.T) {
	s := New(t)
	resp := plainCall(t, s, ErrorBodyIn200())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	ch := firstChoice(decodeBody(t, resp))
	e, _ := ch["error"].(map[string]any)
	if e["code"] != float64(502) || ch["finish_reason"] != "error" || ch["message"].(map[string]any)["content"] == "" {
		t.Errorf("choice = %v", ch)
	}
}

func TestComments_PrecedeNextAndTurnErrorsInBand(t *testing.T) {
	s := New(t)
	_, events, err := streamCall(t, s, Comments(3, Answer("hi")))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if events[i].comment != ": OPENROUTER PROCESSING" {
			t.Fatalf("event %d = %+v, want a comment", i, events[i])
		}
	}
	if events[4].comment != "" {
		t.Errorf("event 4 = %+v, want data", events[4])
	}

	resp, events, err := streamCall(t, s, Comments(1, DailyCap()))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, err %v", resp.StatusCode, err)
	}
	if e := lastErrorChunk(t, events); e["code"] != float64(429) {
		t.Errorf("in-band error = %v", e)
	}
}

func TestDrip_OneCharacterPerChunk(t *testing.T) {
	s := New(t)
	const text = "héllo"
	_, events, err := streamCall(t, s, Drip(time.Millisecond, text))
	if err != nil {
		t.Fatal(err)
	}
	chunks, done := dataChunks(t, events)
	content, _ := streamedContent(chunks)
	if content != text || !done {
		t.Errorf("content %q, done %v", content, done)
	}
	if len(chunks) != len([]rune(text))+2 {
		t.Errorf("got %d chunks, want one per character plus finish and usage", len(chunks))
	}
	body := decodeBody(t, plainCall(t, s, Drip(time.Microsecond, text)))
	if firstChoice(body)["message"].(map[string]any)["content"] != text {
		t.Errorf("non-stream body = %v", body)
	}
}

func TestResetMidStream_BreaksTheConnection(t *testing.T) {
	s := New(t)
	resp, events, err := streamCall(t, s, ResetMidStream(2))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if err == nil || errors.Is(err, errPartialEvent) {
		t.Fatalf("read error = %v, want a transport error", err)
	}
	chunks, done := dataChunks(t, events)
	if len(chunks) != 2 || done {
		t.Errorf("got %d chunks (done %v) before the reset, want 2", len(chunks), done)
	}

	plain := plainCall(t, s, ResetMidStream(0))
	if _, err := io.ReadAll(plain.Body); err == nil {
		t.Error("non-stream body read cleanly, want an error")
	}
}

func TestMalformedJSON(t *testing.T) {
	s := New(t)
	resp := plainCall(t, s, MalformedJSON())
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); resp.StatusCode != http.StatusOK || err == nil {
		t.Errorf("status %d, decode err %v; want 200 and a decode error", resp.StatusCode, err)
	}
	_, events, err := streamCall(t, s, MalformedJSON())
	if err != nil {
		t.Fatal(err)
	}
	if len(events) < 2 || json.Valid([]byte(events[1].data)) {
		t.Errorf("events = %+v, want an invalid data event after the comment", events)
	}
}

func TestTruncatedSSE_EndsMidEvent(t *testing.T) {
	s := New(t)
	_, events, err := streamCall(t, s, TruncatedSSE())
	if !errors.Is(err, errPartialEvent) {
		t.Fatalf("read error = %v, want a partial event", err)
	}
	if chunks, done := dataChunks(t, events); len(chunks) != 2 || done {
		t.Errorf("got %d whole chunks (done %v), want 2 without [DONE]", len(chunks), done)
	}
	resp := plainCall(t, s, TruncatedSSE())
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err == nil {
		t.Error("truncated non-stream body decoded")
	}
}

func TestHugeEventLine_ExactLength(t *testing.T) {
	s := New(t)
	const n = 1 << 20
	_, events, err := streamCall(t, s, HugeEventLine(n))
	if err != nil {
		t.Fatal(err)
	}
	var longest int
	for _, ev := range events {
		longest = max(longest, len("data: ")+len(ev.data))
	}
	if longest != n {
		t.Errorf("longest line = %d bytes, want %d", longest, n)
	}
	if _, done := dataChunks(t, events); !done {
		t.Error("no [DONE] after the huge line")
	}
}

func TestDelay_WaitsBeforeHeaders(t *testing.T) {
	s := New(t)
	const d = 50 * time.Millisecond
	start := time.Now()
	resp := plainCall(t, s, Delay(d, Answer("late")))
	if elapsed := time.Since(start); elapsed < d {
		t.Errorf("answered after %v, want at least %v", elapsed, d)
	}
	if got := firstChoice(decodeBody(t, resp))["message"].(map[string]any)["content"]; got != "late" {
		t.Errorf("content = %v", got)
	}
}
