package openai

import (
	"errors"
	"strings"
	"testing"
)

func TestInspectChatRequest_Facts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want ChatRequest
	}{
		{"minimal", `{"messages":[{"role":"user","content":"hi"}]}`, ChatRequest{}},
		{"model_and_stream", `{"model":"meta/llama:free","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			ChatRequest{Model: "meta/llama:free", Stream: true}},
		{"escaped_model", `{"model":"a\/b\u0021","messages":[{"role":"user","content":"x"}]}`, ChatRequest{Model: "a/b!"}},
		{"null_optionals", `{"model":null,"stream":null,"tools":null,"max_tokens":null,"temperature":null,"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{}},
		{"tools", `{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}]}`,
			ChatRequest{Tools: true}},
		{"empty_tools", `{"messages":[{"role":"user","content":"x"}],"tools":[ ]}`, ChatRequest{}},
		{"legacy_functions", `{"messages":[{"role":"user","content":"x"}],"functions":[{"name":"f"}]}`, ChatRequest{Tools: true}},
		{"image_url", `{"messages":[{"role":"user","content":[{"type":"text","text":"what"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}`,
			ChatRequest{Images: true}},
		{"input_image", `{"messages":[{"role":"user","content":[{"type":"input_image","image_url":"x"}]}]}`, ChatRequest{Images: true}},
		{"image_word_in_text_is_not_image", `{"messages":[{"role":"user","content":"type image_url please"}]}`, ChatRequest{}},
		{"include_reasoning", `{"include_reasoning":true,"messages":[{"role":"user","content":"x"}]}`, ChatRequest{WantsReasoning: true}},
		{"include_reasoning_false", `{"include_reasoning":false,"messages":[{"role":"user","content":"x"}]}`, ChatRequest{}},
		{"reasoning_object", `{"reasoning":{"effort":"high"},"messages":[{"role":"user","content":"x"}]}`, ChatRequest{WantsReasoning: true}},
		{"reasoning_excluded", `{"reasoning":{"effort":"high","exclude":true},"messages":[{"role":"user","content":"x"}]}`, ChatRequest{}},
		{"reasoning_disabled", `{"reasoning":{"enabled":false},"messages":[{"role":"user","content":"x"}]}`, ChatRequest{}},
		{"integer_exponent_max_tokens", `{"max_tokens":1e3,"temperature":0.5,"messages":[{"role":"user","content":"x"}]}`, ChatRequest{}},
		{"model_inside_message_ignored", `{"messages":[{"role":"user","content":"x","model":5}]}`, ChatRequest{}},
		{"whitespace", " \n{ \"messages\" : [ { \"role\" : \"user\" } ] , \"stream\" : false }\n", ChatRequest{}},
		{"web_plugin", `{"plugins":[{"id":"auto-router"},{"id":"web"}],"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Removed: "plugins[0] (auto-router), plugins[1] (web)"}},
		{"free_plugins_kept", `{"plugins":[{"id":"response-healing"},{"id":"file-parser","pdf":{"engine":"pdf-text"}}],"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{}},
		{"paid_pdf_engine", `{"plugins":[{"id":"file-parser","pdf":{"engine":"mistral-ocr"}},{"id":"file-parser"}],"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Removed: "plugins[0] (file-parser), plugins[1] (file-parser)"}},
		{"odd_plugin_entries", `{"plugins":["web",{"name":"web"}],"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Removed: "plugins[0], plugins[1]"}},
		{"web_search_options", `{"web_search_options":{},"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Removed: "web_search_options"}},
		{"online_model", `{"model":"meta/llama:free:online","messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Model: "meta/llama:free:online", Removed: "model suffix :online"}},
		{"server_tools", `{"tools":[{"type":"openrouter:web_search"},{"type":"function","function":{"name":"f"}},{"type":"openrouter:advisor","parameters":{"model":"openai/gpt-5"}}],"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Tools: true, Removed: "tools[0] (openrouter:web_search), tools[2] (openrouter:advisor)"}},
		{"only_server_tools", `{"tools":[{"type":"openrouter:web_search"}],"tool_choice":"auto","messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Removed: "tools[0] (openrouter:web_search), tool_choice, parallel_tool_calls"}},
		{"preset_models_route_unknown", `{"preset":"p","models":["a"],"route":"fallback","x_custom":1,"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Removed: "preset, models, route, x_custom"}},
		{"provider_routing_keys", `{"provider":{"order":["a"],"data_collection":"deny","sort":"price"},"messages":[{"role":"user","content":"x"}]}`,
			ChatRequest{Removed: "provider.order, provider.sort"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := InspectChatRequest([]byte(tt.body))
			if err != nil {
				t.Fatalf("InspectChatRequest: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInspectChatRequest_Rejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantParam string
		wantCode  string
		wantInMsg string
	}{
		{"not_json", `{"messages":`, "", CodeInvalidJSON, "not valid JSON"},
		{"empty_body", ``, "", CodeInvalidJSON, "not valid JSON"},
		{"array_body", `[{"role":"user"}]`, "", CodeInvalidType, "JSON object"},
		{"messages_missing", `{"model":"x"}`, "messages", CodeMissingParameter, "'messages'"},
		{"messages_not_array", `{"messages":"hi"}`, "messages", CodeInvalidType, "array"},
		{"messages_empty", `{"messages":[]}`, "messages", CodeInvalidValue, "at least one"},
		{"message_not_object", `{"messages":[{"role":"user"},"hi"]}`, "messages[1]", CodeInvalidType, "object"},
		{"role_missing", `{"messages":[{"content":"hi"}]}`, "messages[0].role", CodeMissingParameter, "messages[0].role"},
		{"role_not_string", `{"messages":[{"role":1}]}`, "messages[0].role", CodeInvalidType, "string"},
		{"model_not_string", `{"model":7,"messages":[{"role":"user"}]}`, "model", CodeInvalidType, "string"},
		{"stream_not_bool", `{"stream":"yes","messages":[{"role":"user"}]}`, "stream", CodeInvalidType, "boolean"},
		{"tools_not_array", `{"tools":{},"messages":[{"role":"user"}]}`, "tools", CodeInvalidType, "array"},
		{"max_tokens_string", `{"max_tokens":"100","messages":[{"role":"user"}]}`, "max_tokens", CodeInvalidType, "integer"},
		{"max_tokens_fraction", `{"max_tokens":1.5,"messages":[{"role":"user"}]}`, "max_tokens", CodeInvalidType, "integer"},
		{"max_tokens_negative", `{"max_tokens":-1,"messages":[{"role":"user"}]}`, "max_tokens", CodeInvalidType, "integer"},
		{"temperature_string", `{"temperature":"hot","messages":[{"role":"user"}]}`, "temperature", CodeInvalidType, "number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := InspectChatRequest([]byte(tt.body))
			var reqErr *RequestError
			if !errors.As(err, &reqErr) {
				t.Fatalf("error = %v (%T), want *RequestError", err, err)
			}
			if reqErr.Param != tt.wantParam || reqErr.Code != tt.wantCode {
				t.Errorf("param, code = %q, %q; want %q, %q", reqErr.Param, reqErr.Code, tt.wantParam, tt.wantCode)
			}
			if !strings.Contains(reqErr.Error(), tt.wantInMsg) {
				t.Errorf("message %q does not mention %q", reqErr.Error(), tt.wantInMsg)
			}
		})
	}
}

// typicalChatBody is a realistic agent request: a system prompt, a few turns and tools.
var typicalChatBody = []byte(`{"model":"openrouter/free","stream":true,"temperature":0.2,"max_tokens":2048,
"messages":[{"role":"system","content":"You are a helpful coding assistant. Answer briefly and show code when useful."},
{"role":"user","content":"Write a Go function that reverses a slice of strings in place."},
{"role":"assistant","content":"func reverse(s []string) {\n\tfor i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {\n\t\ts[i], s[j] = s[j], s[i]\n\t}\n}"},
{"role":"user","content":"Now make it generic and add a test with a \"table\" of cases."}],
"tools":[{"type":"function","function":{"name":"run_tests","description":"Run go test in the workspace","parameters":{"type":"object","properties":{"pkg":{"type":"string"}},"required":["pkg"]}}}],
"models":["a:free","b"],"route":"fallback","plugins":[{"id":"auto-router"},{"id":"web","max_results":3}]}`)

func BenchmarkInspectChatRequest(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalChatBody)))
	for b.Loop() {
		if _, err := InspectChatRequest(typicalChatBody); err != nil {
			b.Fatal(err)
		}
	}
}

func TestChatRequest_FreeModel(t *testing.T) {
	for model, want := range map[string]string{
		"meta/llama:free:online": "meta/llama:free",
		"meta/llama:free":        "meta/llama:free",
		"meta/llama:online":      "meta/llama",
		"":                       "",
	} {
		if got := (ChatRequest{Model: model}).FreeModel(); got != want {
			t.Errorf("FreeModel of %q = %q, want %q", model, got, want)
		}
	}
}
