package openai

import (
	"encoding/json"
	"testing"
)

func TestFixReasoning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		want        string
		wantChanged bool
	}{
		{"no_reasoning", `{"choices":[{"message":{"role":"assistant","content":"hi"}}]}`,
			`{"choices":[{"message":{"role":"assistant","content":"hi"}}]}`, false},
		{"null_reasoning", `{"choices":[{"message":{"content":"hi","reasoning":null}}]}`,
			`{"choices":[{"message":{"content":"hi","reasoning":null}}]}`, false},
		{"empty_reasoning", `{"choices":[{"message":{"content":"","reasoning":""}}]}`,
			`{"choices":[{"message":{"content":"","reasoning":""}}]}`, false},
		{"null_content_moves_reasoning", `{"choices":[{"message":{"role":"assistant","content":null,"reasoning":"The answer is 4.","reasoning_details":[{"type":"reasoning.text","text":"x"}]}}]}`,
			`{"choices":[{"message":{"role":"assistant","content":"The answer is 4.","reasoning":null,"reasoning_details":[{"type":"reasoning.text","text":"x"}]}}]}`, true},
		{"empty_content_moves_reasoning", `{"choices":[{"message":{"content":"","reasoning":"a \"quoted\" thought"}}]}`,
			`{"choices":[{"message":{"content":"a \"quoted\" thought","reasoning":null}}]}`, true},
		{"missing_content_added", `{"choices":[{"message":{"role":"assistant","reasoning":"only thoughts"}}]}`,
			`{"choices":[{"message":{"role":"assistant","content":"only thoughts","reasoning":null}}]}`, true},
		{"content_and_reasoning_mirrored", `{"choices":[{"message":{"content":"4","reasoning":"2+2"}}]}`,
			`{"choices":[{"message":{"content":"4","reasoning_content":"2+2","reasoning":"2+2"}}]}`, true},
		{"reasoning_content_already_present", `{"choices":[{"message":{"content":"4","reasoning":"2+2","reasoning_content":"2+2"}}]}`,
			`{"choices":[{"message":{"content":"4","reasoning":"2+2","reasoning_content":"2+2"}}]}`, false},
		{"several_choices", `{"choices":[{"message":{"content":null,"reasoning":"r0"}},{"message":{"content":"c1","reasoning":"r1"}},{"message":{"content":"c2"}}]}`,
			`{"choices":[{"message":{"content":"r0","reasoning":null}},{"message":{"content":"c1","reasoning_content":"r1","reasoning":"r1"}},{"message":{"content":"c2"}}]}`, true},
		{"reasoning_only_in_usage_name", `{"usage":{"completion_tokens_details":{"reasoning_tokens":3}},"choices":[{"message":{"content":"x"}}]}`,
			`{"usage":{"completion_tokens_details":{"reasoning_tokens":3}},"choices":[{"message":{"content":"x"}}]}`, false},
		{"tool_calls_keep_null_content", `{"choices":[{"message":{"role":"assistant","content":null,"reasoning":"call f","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}`,
			`{"choices":[{"message":{"role":"assistant","content":null,"reasoning_content":"call f","reasoning":"call f","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}`, true},
		{"tool_calls_before_reasoning_keep_empty_content", `{"choices":[{"message":{"tool_calls":[{"id":"c1"}],"content":"","reasoning":"r"}}]}`,
			`{"choices":[{"message":{"tool_calls":[{"id":"c1"}],"content":"","reasoning_content":"r","reasoning":"r"}}]}`, true},
		{"tool_calls_no_content_field_added", `{"choices":[{"message":{"reasoning":"r","tool_calls":[{"id":"c1"}]}}]}`,
			`{"choices":[{"message":{"reasoning_content":"r","reasoning":"r","tool_calls":[{"id":"c1"}]}}]}`, true},
		{"legacy_function_call_keeps_content", `{"choices":[{"message":{"content":null,"reasoning":"r","function_call":{"name":"f","arguments":"{}"}}}]}`,
			`{"choices":[{"message":{"content":null,"reasoning_content":"r","reasoning":"r","function_call":{"name":"f","arguments":"{}"}}}]}`, true},
		{"empty_tool_calls_still_moves_reasoning", `{"choices":[{"message":{"content":null,"reasoning":"r","tool_calls":[]}}]}`,
			`{"choices":[{"message":{"content":"r","reasoning":null,"tool_calls":[]}}]}`, true},
		{"null_function_call_still_moves_reasoning", `{"choices":[{"message":{"content":null,"reasoning":"r","function_call":null}}]}`,
			`{"choices":[{"message":{"content":"r","reasoning":null,"function_call":null}}]}`, true},
		{"not_json", `{"reasoning":"x"`, `{"reasoning":"x"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, changed := FixReasoning([]byte(tt.body))
			if string(got) != tt.want || changed != tt.wantChanged {
				t.Errorf("got %s (changed %v)\nwant %s (changed %v)", got, changed, tt.want, tt.wantChanged)
			}
			if changed && !json.Valid(got) {
				t.Errorf("output is not valid JSON")
			}
		})
	}
}

func BenchmarkFixReasoning_NoReasoning(b *testing.B) {
	body := []byte(`{"id":"gen-1","object":"chat.completion","created":1778184802,"model":"z-ai/glm-4.5-air:free","provider":"Z.AI","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"There are three r's in strawberry.","refusal":null,"reasoning":null}}],"usage":{"prompt_tokens":22,"completion_tokens":17,"total_tokens":39}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, changed := FixReasoning(body); changed {
			b.Fatal("changed")
		}
	}
}
