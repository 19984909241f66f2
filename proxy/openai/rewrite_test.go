package openai

import (
	"encoding/json"
	"testing"
)

func TestRewriteForUpstream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		model string
		want  string
	}{
		{"replace_model", `{"model":"x","messages":[]}`, "m:free", `{"model":"m:free","messages":[]}`},
		{"insert_model", `{"messages":[]}`, "m:free", `{"messages":[],"model":"m:free"}`},
		{"insert_into_empty_object", `{}`, "m", `{"model":"m"}`},
		{"insert_into_empty_object_with_space", "{ \n}", "m", "{\"model\":\"m\" \n}"},
		{"escape_model", `{"model":"x"}`, "a\"b\\c\n", `{"model":"a\"b\\c\u000a"}`},
		{"remove_models_first", `{"models":["a","b"],"model":"x","n":1}`, "m", `{"model":"m","n":1}`},
		{"remove_models_middle", `{"model":"x", "models":["a"], "n":1}`, "m", `{"model":"m", "n":1}`},
		{"remove_route_last", `{"model":"x","route":"fallback"}`, "m", `{"model":"m"}`},
		{"remove_all_and_insert", `{"models":["p"],"route":"fallback"}`, "m", `{"model":"m"}`},
		{"pretty_printed", "{\n  \"model\": \"x\",\n  \"models\": [\"a\"],\n  \"stream\": true\n}\n", "m",
			"{\n  \"model\": \"m\",\n  \"stream\": true\n}\n"},
		{"nested_model_untouched", `{"messages":[{"role":"user","content":"x","model":"keep"}],"model":"x"}`, "m",
			`{"messages":[{"role":"user","content":"x","model":"keep"}],"model":"m"}`},
		{"nested_models_untouched", `{"metadata":{"models":"keep","route":"keep"},"model":"x"}`, "m",
			`{"metadata":{"models":"keep","route":"keep"},"model":"m"}`},
		{"string_value_models_untouched", `{"messages":[{"role":"user","content":"\"models\":[1]"}]}`, "m",
			`{"messages":[{"role":"user","content":"\"models\":[1]"}],"model":"m"}`},
		{"router_plugins_removed", `{"model":"x","plugins":[{"id":"auto-router"},{"id":"response-healing"},{"id":"fusion"}]}`, "m",
			`{"model":"m","plugins":[{"id":"response-healing"}]}`},
		{"web_plugin_removed", `{"model":"x","plugins":[{"id":"web","max_results":3,"engine":"exa"}, {"id":"context-compression"}]}`, "m",
			`{"model":"m","plugins":[{"id":"context-compression"}]}`},
		{"web_search_options_removed", `{"web_search_options":{"search_context_size":"high"},"model":"x","n":1}`, "m",
			`{"model":"m","n":1}`},
		{"web_search_options_last_removed", "{\"model\":\"x\",\n \"web_search_options\": {}\n}", "m",
			"{\"model\":\"m\"\n}"},
		{"nested_web_search_options_untouched", `{"metadata":{"web_search_options":{},"plugins":[{"id":"web"}]},"model":"x"}`, "m",
			`{"metadata":{"web_search_options":{},"plugins":[{"id":"web"}]},"model":"m"}`},
		{"online_model_replaced", `{"model":"meta/llama:free:online"}`, "meta/llama:free", `{"model":"meta/llama:free"}`},
		{"all_plugins_routers", `{"plugins":[ {"id":"pareto-router"}, {"id":"auto-beta-router"} ],"model":"x"}`, "m",
			`{"plugins":[ ],"model":"m"}`},
		{"non_router_plugins_kept", `{"plugins":[{"id":"context-compression","enabled":false}],"model":"x"}`, "m",
			`{"plugins":[{"id":"context-compression","enabled":false}],"model":"m"}`},
		{"known_fields_kept_verbatim", `{"metadata":{"a":[1,2.50,"\u00e9"]},"temperature":1.0e0,"model":"x"}`, "m",
			`{"metadata":{"a":[1,2.50,"\u00e9"]},"temperature":1.0e0,"model":"m"}`},
		{"unknown_fields_removed", `{"x_custom":{"a":1},"model":"x", "debug":{"echo_upstream_body":true}}`, "m", `{"model":"m"}`},
		{"preset_removed", `{"preset":"my-preset","model":"x"}`, "m", `{"model":"m"}`},
		{"server_tools_removed", `{"tools":[{"type":"openrouter:web_search"}, {"type":"function","function":{"name":"f"}},{"type":"openrouter:advisor","parameters":{"model":"openai/gpt-5"}}],"tool_choice":"auto","model":"x"}`, "m",
			`{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto","model":"m"}`},
		{"only_server_tools_removed_with_choice", `{"tool_choice":"auto","tools":[{"type":"openrouter:web_search"}],"parallel_tool_calls":true,"model":"x"}`, "m",
			`{"model":"m"}`},
		{"paid_pdf_engine_removed", `{"plugins":[{"id":"file-parser","pdf":{"engine":"mistral-ocr"}},{"id":"file-parser","pdf":{"engine":"pdf-text"}}],"model":"x"}`, "m",
			`{"plugins":[{"id":"file-parser","pdf":{"engine":"pdf-text"}}],"model":"m"}`},
		{"provider_routing_keys_removed", `{"provider":{ "order":["a"], "data_collection":"deny", "sort":"price", "zdr":true },"model":"x"}`, "m",
			`{"provider":{ "data_collection":"deny", "zdr":true },"model":"m"}`},
		{"file_part_gets_free_parser", `{"messages":[{"role":"user","content":[{"type":"file","file":{"filename":"a.pdf"}}]}],"model":"x"}`, "m",
			`{"messages":[{"role":"user","content":[{"type":"file","file":{"filename":"a.pdf"}}]}],"model":"m","plugins":[{"id":"file-parser","pdf":{"engine":"pdf-text"}}]}`},
		{"file_part_parser_added_to_plugins", `{"plugins":[{"id":"response-healing"}],"messages":[{"role":"user","content":[{"type":"file"}]}],"model":"x"}`, "m",
			`{"plugins":[{"id":"response-healing"},{"id":"file-parser","pdf":{"engine":"pdf-text"}}],"messages":[{"role":"user","content":[{"type":"file"}]}],"model":"m"}`},
		{"file_part_paid_parser_replaced", `{"plugins":[{"id":"file-parser","pdf":{"engine":"mistral-ocr"}}],"messages":[{"role":"user","content":[{"type":"file"}]}],"model":"x"}`, "m",
			`{"plugins":[{"id":"file-parser","pdf":{"engine":"pdf-text"}}],"messages":[{"role":"user","content":[{"type":"file"}]}],"model":"m"}`},
		{"file_part_free_parser_kept", `{"plugins":[{"id":"file-parser","pdf":{"engine":"pdf-text"}}],"messages":[{"role":"user","content":[{"type":"file"}]}],"model":"x"}`, "m",
			`{"plugins":[{"id":"file-parser","pdf":{"engine":"pdf-text"}}],"messages":[{"role":"user","content":[{"type":"file"}]}],"model":"m"}`},
		{"provider_not_object_removed", `{"provider":"x","model":"x"}`, "m", `{"model":"m"}`},
		{"escaped_key", `{"mod\u0065ls":["paid"],"model":"x"}`, "m", `{"model":"m"}`},
		{"duplicate_model_keys", `{"model":"a","model":"b"}`, "m", `{"model":"m","model":"m"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := RewriteForUpstream([]byte(tt.body), tt.model)
			if err != nil {
				t.Fatalf("RewriteForUpstream: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON: %s", got)
			}
		})
	}
}

func TestRewriteForUpstream_RejectsNonObjects(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `[]`, `"s"`, `{"model":`, `null`} {
		if out, err := RewriteForUpstream([]byte(body), "m"); err == nil {
			t.Errorf("RewriteForUpstream(%q) = %q, want error", body, out)
		}
	}
}

func TestRewriteForUpstream_TypicalBodyKeepsMeaning(t *testing.T) {
	t.Parallel()
	out, err := RewriteForUpstream(typicalChatBody, "z-ai/glm-4.5-air:free")
	if err != nil {
		t.Fatal(err)
	}
	var before, after map[string]any
	if err := json.Unmarshal(typicalChatBody, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &after); err != nil {
		t.Fatalf("output not JSON: %v\n%s", err, out)
	}
	if after["model"] != "z-ai/glm-4.5-air:free" {
		t.Errorf("model = %v", after["model"])
	}
	for _, gone := range []string{"models", "route"} {
		if _, ok := after[gone]; ok {
			t.Errorf("%q still present", gone)
		}
	}
	if plugins := after["plugins"].([]any); len(plugins) != 0 {
		t.Errorf("plugins = %v, want the router and web plugins gone", plugins)
	}
	for _, k := range []string{"messages", "tools", "temperature", "max_tokens", "stream"} {
		b1, _ := json.Marshal(before[k])
		b2, _ := json.Marshal(after[k])
		if string(b1) != string(b2) {
			t.Errorf("%s changed: %s -> %s", k, b1, b2)
		}
	}
}

func BenchmarkRewriteForUpstream(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalChatBody)))
	for b.Loop() {
		if _, err := RewriteForUpstream(typicalChatBody, "z-ai/glm-4.5-air:free"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewriteForUpstream_ModelOnly(b *testing.B) {
	body := []byte(`{"model":"openrouter/free","messages":[{"role":"user","content":"Write a haiku about autumn leaves."}],"stream":true}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RewriteForUpstream(body, "z-ai/glm-4.5-air:free"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestInspectedBody_RewriteForUpstream(t *testing.T) {
	t.Parallel()
	bodies := []string{
		string(typicalChatBody),
		`{"messages":[{"role":"user","content":"x"}]}`,
		" \n{ \"model\" : \"a\", \"models\":[\"b\"], \"messages\" : [ { \"role\" : \"user\" } ] , \"route\":\"fallback\" }\n",
		`{"plugins":[{"id":"auto-router"},{"id":"web"}],"messages":[{"role":"user","content":"x"}],"model":null}`,
	}
	for _, body := range bodies {
		_, inspected, err := InspectChatBody([]byte(body))
		if err != nil {
			t.Fatalf("InspectChatBody(%q): %v", body, err)
		}
		want, err := RewriteForUpstream([]byte(body), "z-ai/glm-4.5-air:free")
		if err != nil {
			t.Fatalf("RewriteForUpstream(%q): %v", body, err)
		}
		if got := inspected.RewriteForUpstream("z-ai/glm-4.5-air:free"); string(got) != string(want) {
			t.Errorf("inspected rewrite of %q = %s, want %s", body, got, want)
		}
	}
}

func TestInspectChatBody_RejectsLikeInspectChatRequest(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`[]`, `{"messages":[]}`, `{"messages":[{"role":"user"}]`, `{}`} {
		_, inspected, err := InspectChatBody([]byte(body))
		if err == nil {
			t.Errorf("InspectChatBody(%q) accepted", body)
		}
		if inspected.raw != nil {
			t.Errorf("InspectChatBody(%q) returned a body with the error", body)
		}
		if _, err2 := InspectChatRequest([]byte(body)); (err2 == nil) != (err == nil) {
			t.Errorf("InspectChatRequest(%q) error %v, InspectChatBody %v", body, err2, err)
		}
	}
}

// BenchmarkInspectThenRewrite is what a chat call does before its first
// attempt: inspect the body, then rewrite it for the chosen model.
func BenchmarkInspectThenRewrite(b *testing.B) {
	b.Run("validating_rewrite", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(typicalChatBody)))
		for b.Loop() {
			if _, err := InspectChatRequest(typicalChatBody); err != nil {
				b.Fatal(err)
			}
			if _, err := RewriteForUpstream(typicalChatBody, "z-ai/glm-4.5-air:free"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("inspected_body", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(typicalChatBody)))
		for b.Loop() {
			_, inspected, err := InspectChatBody(typicalChatBody)
			if err != nil {
				b.Fatal(err)
			}
			_ = inspected.RewriteForUpstream("z-ai/glm-4.5-air:free")
		}
	})
}
