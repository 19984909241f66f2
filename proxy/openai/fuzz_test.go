package openai

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzRewriteForUpstream checks, for any JSON object, that the rewrite stays
// valid JSON, names the chosen model and keeps only allowed fields and entries.
func FuzzRewriteForUpstream(f *testing.F) {
	f.Add([]byte(`{"model":"x","models":["a"],"route":"fallback","plugins":[{"id":"fusion"},{"id":"web"}]}`), "m:free")
	f.Add([]byte("{ }"), "m")
	f.Add([]byte(`{"a":{"model":1},"b":[1,{"models":2}],"model":null}`), "q\"\\\n")
	f.Add([]byte(`{"model":"a:online","web_search_options":{"search_context_size":"low"},"plugins":[{"id":"web"},{"id":"response-healing"}]}`), "a:free")
	f.Add([]byte(`{"tools":[{"type":"openrouter:advisor","parameters":{"model":"p"}},{"type":"function"}],"preset":"p","provider":{"order":["x"],"zdr":true},"plugins":[{"id":"file-parser","pdf":{"engine":"mistral-ocr"}}]}`), "m")
	f.Fuzz(func(t *testing.T, body []byte, model string) {
		out, err := RewriteForUpstream(body, model)
		var in map[string]json.RawMessage
		if json.Unmarshal(body, &in) != nil {
			if err == nil && !json.Valid(out) {
				t.Fatalf("invalid output %q for input %q", out, body)
			}
			return
		}
		if err != nil {
			t.Fatalf("RewriteForUpstream(%q): %v", body, err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("output %q is not a JSON object: %v", out, err)
		}
		var gotModel string
		if err := json.Unmarshal(got["model"], &gotModel); err != nil || gotModel != strings.ToValidUTF8(model, "\uFFFD") {
			t.Fatalf("model = %s, want %q", got["model"], model)
		}
		for k := range got {
			if ruleFor([]byte(k)) == fieldDrop && !strings.Contains(k, "\\") {
				t.Fatalf("field %q kept in %q; it is not in the allow-list", k, out)
			}
		}
		// Maps, not structs: encoding/json matches struct fields
		// case-insensitively, OpenRouter's keys are exact.
		var tools []map[string]json.RawMessage
		if json.Unmarshal(got["tools"], &tools) == nil {
			for _, tool := range tools {
				if !stringIs(tool["type"], "function") && !stringIs(tool["type"], "custom") {
					t.Fatalf("tool %v kept in %q", tool, out)
				}
			}
		}
		if plugins, ok := got["plugins"]; ok && kindOf(plugins) == kindArray {
			arr := newArrayIter(plugins, 0)
			for s, e, ok := arr.next(); ok; s, e, ok = arr.next() {
				if !keepPlugin(plugins, s, e) {
					t.Fatalf("plugin %s kept in %q", plugins[s:e], out)
				}
			}
		}
		var provider map[string]json.RawMessage
		if json.Unmarshal(got["provider"], &provider) == nil {
			for k := range provider {
				if !providerKeys[k] {
					t.Fatalf("provider.%s kept in %q", k, out)
				}
			}
		}
		for k, v := range in {
			if ruleFor([]byte(k)) != fieldKeep {
				continue
			}
			if string(got[k]) != string(v) && json.Valid(v) {
				// Duplicate keys may legitimately differ; only flag plain cases.
				var again map[string]json.RawMessage
				_ = json.Unmarshal(body, &again)
				if string(again[k]) == string(v) && string(got[k]) != string(v) && !flagsOf(body, skipSpace(body, 0)).toolsEmptied {
					t.Fatalf("field %q changed: %s -> %s", k, v, got[k])
				}
			}
		}
	})
}

// FuzzInspectChatRequest checks that inspection never panics, that an
// accepted body is a JSON object with a non-empty messages array, and that
// rewriting the inspected body gives what the validating rewrite gives.
func FuzzInspectChatRequest(f *testing.F) {
	f.Add(typicalChatBody)
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"type":"image_url"}]}],"reasoning":{"exclude":true}}`))
	f.Add([]byte(`{"messages":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, inspected, err := InspectChatBody(body)
		if err != nil {
			return
		}
		var req struct {
			Messages []json.RawMessage `json:"messages"`
		}
		if json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
			t.Fatalf("accepted %q", body)
		}
		want, err := RewriteForUpstream(body, "m:free")
		if err != nil {
			t.Fatalf("RewriteForUpstream refused the accepted body %q: %v", body, err)
		}
		if got := inspected.RewriteForUpstream("m:free"); string(got) != string(want) {
			t.Fatalf("inspected rewrite of %q = %q, want %q", body, got, want)
		}
	})
}

// FuzzReasoningRules checks that the reasoning rules keep bodies and chunks valid JSON.
func FuzzReasoningRules(f *testing.F) {
	f.Add([]byte(`{"choices":[{"message":{"content":null,"reasoning":"r"}},{"message":{"content":"c","reasoning":"r"}}]}`))
	f.Add([]byte(`{"choices":[{"delta":{"reasoning":"x","content":""}}]}`))
	f.Add([]byte(`{"choices":[{"message":{"reasoning":"only"}}]}`))
	f.Add([]byte(`{"choices":[{"message":{"content":null,"reasoning":"r","tool_calls":[{"id":"c1"}]}},{"message":{"reasoning":"r","function_call":{"name":"f"}}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, changed := FixReasoning(body)
		if changed && !json.Valid(out) {
			t.Fatalf("FixReasoning(%q) = invalid %q", body, out)
		}
		s := NewStreamState(false)
		chunk, _ := s.Chunk(body)
		if json.Valid(body) && !json.Valid(chunk) {
			t.Fatalf("Chunk(%q) = invalid %q", body, chunk)
		}
		if final := s.Final(); final != nil && !json.Valid(final) {
			t.Fatalf("Final() = invalid %q", final)
		}
	})
}
