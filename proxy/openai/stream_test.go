package openai

import (
	"encoding/json"
	"testing"
)

func TestStreamState_Chunk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		data     string
		want     string
		wantInfo ChunkInfo
	}{
		{"content", `{"id":"g","model":"m:free","choices":[{"index":0,"delta":{"content":"To","role":"assistant"},"finish_reason":null}]}`,
			`{"id":"g","model":"m:free","choices":[{"index":0,"delta":{"content":"To","role":"assistant"},"finish_reason":null}]}`,
			ChunkInfo{Content: true, Model: "m:free"}},
		{"reasoning_mirrored", `{"model":"m","choices":[{"index":0,"delta":{"content":"","role":"assistant","reasoning":"The","reasoning_details":[{"type":"reasoning.text","text":"The"}]}}]}`,
			`{"model":"m","choices":[{"index":0,"delta":{"content":"","role":"assistant","reasoning_content":"The","reasoning":"The","reasoning_details":[{"type":"reasoning.text","text":"The"}]}}]}`,
			ChunkInfo{Reasoning: true, Model: "m"}},
		{"null_reasoning", `{"choices":[{"delta":{"content":"","reasoning":null},"finish_reason":"stop"}]}`,
			`{"choices":[{"delta":{"content":"","reasoning":null},"finish_reason":"stop"}]}`,
			ChunkInfo{Finish: "stop"}},
		{"tool_calls", `{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f"}}]}}]}`,
			`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f"}}]}}]}`,
			ChunkInfo{Content: true}},
		{"legacy_function_call", `{"choices":[{"delta":{"function_call":{"name":"f","arguments":""}}}]}`,
			`{"choices":[{"delta":{"function_call":{"name":"f","arguments":""}}}]}`,
			ChunkInfo{Content: true}},
		{"in_band_error", `{"error":{"code":429,"message":"Rate limit exceeded"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`,
			`{"error":{"code":429,"message":"Rate limit exceeded"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`,
			ChunkInfo{Error: true, Finish: "error"}},
		{"usage_only", `{"choices":[],"usage":{"prompt_tokens":1}}`, `{"choices":[],"usage":{"prompt_tokens":1}}`, ChunkInfo{NoChoices: true}},
		{"usage_without_choices", `{"usage":{"prompt_tokens":1}}`, `{"usage":{"prompt_tokens":1}}`, ChunkInfo{NoChoices: true}},
		{"empty_delta_is_a_choice", `{"choices":[{"index":0,"delta":{}}]}`, `{"choices":[{"index":0,"delta":{}}]}`, ChunkInfo{}},
		{"not_json", `: OPENROUTER PROCESSING`, `: OPENROUTER PROCESSING`, ChunkInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewStreamState(false)
			got, info := s.Chunk([]byte(tt.data))
			if string(got) != tt.want {
				t.Errorf("payload\n got %s\nwant %s", got, tt.want)
			}
			if info != tt.wantInfo {
				t.Errorf("info = %+v, want %+v", info, tt.wantInfo)
			}
		})
	}
}

func TestStreamState_FinalCarriesReasoningWhenNoContent(t *testing.T) {
	t.Parallel()
	chunks := []string{
		`{"id":"gen-1","object":"chat.completion.chunk","created":1785160442,"model":"x/think:free","choices":[{"index":0,"delta":{"content":"","role":"assistant","reasoning":"Two plus "}}]}`,
		`{"id":"gen-1","object":"chat.completion.chunk","created":1785160442,"model":"x/think:free","choices":[{"index":0,"delta":{"content":"","reasoning":"two is \"4\"."}}]}`,
		`{"id":"gen-1","object":"chat.completion.chunk","created":1785160442,"model":"x/think:free","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}]}`,
	}
	s := NewStreamState(false)
	for _, c := range chunks {
		s.Chunk([]byte(c))
	}
	final := s.Final()
	if final == nil {
		t.Fatal("Final() = nil, want a content chunk")
	}
	var got struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		Model   string `json:"model"`
		Choices []struct {
			Delta struct {
				Content string `json:"content"`
			} `json:"delta"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(final, &got); err != nil {
		t.Fatalf("Final() is not JSON: %v: %s", err, final)
	}
	if got.ID != "gen-1" || got.Created != 1785160442 || got.Model != "x/think:free" || got.Object != "chat.completion.chunk" {
		t.Errorf("identity = %+v", got)
	}
	if len(got.Choices) != 1 || got.Choices[0].Delta.Content != `Two plus two is "4".` {
		t.Errorf("content = %+v", got.Choices)
	}
}

func TestStreamState_FinalNil(t *testing.T) {
	t.Parallel()
	reasoning := `{"choices":[{"delta":{"reasoning":"think"}}]}`
	content := `{"choices":[{"delta":{"content":"answer"}}]}`
	tests := []struct {
		name           string
		wantsReasoning bool
		chunks         []string
	}{
		{"content_seen", false, []string{reasoning, content}},
		{"client_wants_reasoning", true, []string{reasoning}},
		{"no_reasoning", false, []string{content}},
		{"nothing", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewStreamState(tt.wantsReasoning)
			for _, c := range tt.chunks {
				s.Chunk([]byte(c))
			}
			if got := s.Final(); got != nil {
				t.Errorf("Final() = %s, want nil", got)
			}
		})
	}
}

func TestStreamState_MayAddFinal(t *testing.T) {
	t.Parallel()
	reasoning := `{"choices":[{"delta":{"reasoning":"think"}}]}`
	finish := `{"choices":[{"delta":{},"finish_reason":"stop"}]}`
	tests := []struct {
		name           string
		wantsReasoning bool
		chunks         []string
		want           bool
	}{
		{"start", false, nil, true},
		{"reasoning_then_finish", false, []string{reasoning, finish}, true},
		{"content", false, []string{reasoning, `{"choices":[{"delta":{"content":"a"}}]}`}, false},
		{"content_in_the_finish_chunk", false, []string{`{"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}]}`}, false},
		{"tool_call", false, []string{reasoning, `{"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}`}, false},
		{"client_wants_reasoning", true, []string{reasoning}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewStreamState(tt.wantsReasoning)
			for _, c := range tt.chunks {
				s.Chunk([]byte(c))
			}
			if got := s.MayAddFinal(); got != tt.want {
				t.Errorf("MayAddFinal() = %v, want %v", got, tt.want)
			}
			if !tt.want && s.Final() != nil {
				t.Errorf("Final() = %s although MayAddFinal() is false", s.Final())
			}
		})
	}
}

func BenchmarkStreamState_ChunkContent(b *testing.B) {
	data := []byte(`{"id":"gen-1785160442-5ORlzdIrlBsDoqBP7E7B","object":"chat.completion.chunk","created":1785160442,"model":"inclusionai/ling-3.0-flash:free","provider":"Novita","choices":[{"index":0,"delta":{"content":"To","role":"assistant"},"finish_reason":null,"native_finish_reason":null}]}`)
	s := NewStreamState(false)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, info := s.Chunk(data); !info.Content {
			b.Fatal("content not seen")
		}
	}
}
