package proxy

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	oai "github.com/openai/openai-go/v3"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// streamEvent is one "data:" event of a relayed stream, decoded as far as
// the ordering checks need.
type streamEvent struct {
	raw     string
	done    bool
	content string // the deltas' content, joined
	finish  bool   // a choice has a finish_reason
	usage   bool   // the chunk has usage
	choices int
}

// streamEvents posts a streaming chat body and returns its data events in order.
func streamEvents(t *testing.T, p *testProxy, body string) []streamEvent {
	t.Helper()
	status, _, out := p.post("/v1/chat/completions", body)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, out)
	}
	var events []streamEvent
	for block := range strings.SplitSeq(string(out), "\n\n") {
		data, ok := strings.CutPrefix(block, "data: ")
		if !ok {
			continue // a comment or the end
		}
		ev := streamEvent{raw: data, done: data == "[DONE]"}
		if !ev.done {
			var chunk struct {
				Choices []struct {
					Delta struct {
						Content string `json:"content"`
					} `json:"delta"`
					FinishReason *string `json:"finish_reason"`
				} `json:"choices"`
				Usage json.RawMessage `json:"usage"`
			}
			if err := json.Unmarshal([]byte(data), &chunk); err != nil {
				t.Fatalf("event %q is not JSON: %v", data, err)
			}
			ev.choices = len(chunk.Choices)
			ev.usage = len(chunk.Usage) > 0 && string(chunk.Usage) != "null"
			for _, ch := range chunk.Choices {
				ev.content += ch.Delta.Content
				ev.finish = ev.finish || (ch.FinishReason != nil && *ch.FinishReason != "")
			}
		}
		events = append(events, ev)
	}
	if len(events) == 0 || !events[len(events)-1].done {
		t.Fatalf("the stream does not end with [DONE]: %s", out)
	}
	return events
}

// firstIndex returns the index of the first event that match accepts, or -1.
func firstIndex(events []streamEvent, match func(streamEvent) bool) int {
	for i, ev := range events {
		if match(ev) {
			return i
		}
	}
	return -1
}

func hasContent(ev streamEvent) bool { return ev.content != "" }
func closes(ev streamEvent) bool     { return ev.finish || ev.usage || (!ev.done && ev.choices == 0) }

const helloStreamBody = `{"model":"auto","stream":true,"messages":[{"role":"user","content":"hello"}]}`

func TestStream_ReasoningOnlyContentComesBeforeFinishAndUsage(t *testing.T) {
	tests := []struct {
		name             string
		usageChunkChoice bool
	}{
		{"usage_chunk_without_choices", false},
		{"usage_chunk_with_a_finish_choice", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			p.fake.SetUsageChunkChoice(tt.usageChunkChoice)
			p.fake.Script(gemma, fakeopenrouter.ReasoningOnly("Only thoughts, no content."))
			events := streamEvents(t, p, helloStreamBody)

			contentAt := firstIndex(events, hasContent)
			if contentAt < 0 {
				t.Fatal("no content chunk was sent")
			}
			if got := events[contentAt].content; got != "Only thoughts, no content." {
				t.Errorf("content = %q, want the reasoning text", got)
			}
			finishAt := firstIndex(events, func(ev streamEvent) bool { return ev.finish })
			usageAt := firstIndex(events, func(ev streamEvent) bool { return ev.usage })
			if finishAt < 0 || usageAt < 0 {
				t.Fatalf("finish at %d, usage at %d: the held chunks were lost", finishAt, usageAt)
			}
			if finishAt < contentAt || usageAt < contentAt {
				t.Errorf("content at %d, finish at %d, usage at %d: the content must come first", contentAt, finishAt, usageAt)
			}
			if usageAt < finishAt {
				t.Errorf("usage at %d before the finish at %d: the held chunks changed order", usageAt, finishAt)
			}
		})
	}
}

// A client that stops reading at the finish_reason, or at the usage chunk,
// must still have the answer.
func TestStream_ReasoningOnlyClientStoppingEarlyThroughOpenAISDK(t *testing.T) {
	tests := []struct {
		name string
		stop func(oai.ChatCompletionChunk) bool
	}{
		{"stops_at_finish_reason", func(c oai.ChatCompletionChunk) bool {
			for _, ch := range c.Choices {
				if ch.FinishReason != "" {
					return true
				}
			}
			return false
		}},
		{"stops_at_usage", func(c oai.ChatCompletionChunk) bool {
			return len(c.Choices) == 0 || c.Usage.TotalTokens > 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			p.fake.Script(gemma, fakeopenrouter.ReasoningOnly("The answer is 42."))
			stream := p.sdk().Chat.Completions.NewStreaming(t.Context(), hello("auto"))
			defer stream.Close()
			var content strings.Builder
			stopped := false
			for stream.Next() {
				chunk := stream.Current()
				for _, ch := range chunk.Choices {
					content.WriteString(ch.Delta.Content)
				}
				if tt.stop(chunk) {
					stopped = true
					break
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			if !stopped {
				t.Fatal("the stream had no chunk to stop at")
			}
			if got := content.String(); got != "The answer is 42." {
				t.Errorf("content read before stopping = %q, want the reasoning text", got)
			}
		})
	}
}

// Streams that carry content, or whose client asked for the reasoning, are
// relayed in upstream's order: nothing is held back or added.
func TestStream_ClosingChunksPassInOrderWhenNoContentIsAdded(t *testing.T) {
	const withReasoning = `{"model":"auto","stream":true,"include_reasoning":true,"messages":[{"role":"user","content":"hello"}]}`
	tests := []struct {
		name        string
		behavior    fakeopenrouter.Behavior
		body        string
		wantContent string
	}{
		{"reasoning_then_content", fakeopenrouter.AnswerWithReasoning("Think.", "Hello there."), helloStreamBody, "Hello there."},
		{"content_only", fakeopenrouter.Answer("Hello there."), helloStreamBody, "Hello there."},
		{"reasoning_only_but_asked_for", fakeopenrouter.ReasoningOnly("Think."), withReasoning, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProxy(t, nil, ordered)
			p.fake.Script(gemma, tt.behavior)
			events := streamEvents(t, p, tt.body)

			var content strings.Builder
			lastContent := -1
			for i, ev := range events {
				content.WriteString(ev.content)
				if hasContent(ev) {
					lastContent = i
				}
			}
			if content.String() != tt.wantContent {
				t.Errorf("content = %q, want %q", content.String(), tt.wantContent)
			}
			closeAt := firstIndex(events, closes)
			if closeAt < 0 || closeAt < lastContent {
				t.Errorf("first closing chunk at %d, last content at %d", closeAt, lastContent)
			}
			// Upstream sends the finish chunk, then the usage chunk, then [DONE].
			n := len(events)
			if n < 3 || !events[n-3].finish || !events[n-2].usage {
				t.Errorf("the stream does not end with finish, usage, [DONE]: %+v", events[max(0, n-3):])
			}
		})
	}
}
