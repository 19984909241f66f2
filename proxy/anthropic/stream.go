package anthropic

import (
	"encoding/json"

	"github.com/freelane/freelane/proxy/translate"
)

// Event is one server-sent event of a Messages stream.
type Event struct {
	Name string // the event: line, equal to the data's "type"
	Data any
}

// Frame renders the event as SSE bytes.
func (e Event) Frame() []byte {
	data, err := json.Marshal(e.Data)
	if err != nil {
		data = []byte(`{"type":"error","error":{"type":"api_error","message":"internal error"}}`)
	}
	out := make([]byte, 0, len(e.Name)+len(data)+16)
	out = append(out, "event: "...)
	out = append(out, e.Name...)
	out = append(out, "\ndata: "...)
	out = append(out, data...)
	return append(out, '\n', '\n')
}

// Stream turns the chunks of one streamed chat answer into Anthropic's
// event sequence: message_start, then per content block a start, its
// deltas and a stop (thinking, text and each tool call in its own block,
// indexes from 0 without gaps), then message_delta with the stop reason and
// the usage, and message_stop. A text or thinking block opens only at its
// first non-empty delta: an empty text block, replayed by the client, makes
// later requests fail.
//
// Tool calls are expected one after another, as providers stream them; a
// late argument piece for a call whose block was already closed cannot be
// sent and is dropped.
type Stream struct {
	id, model     string
	showThinking  bool
	inputEstimate int

	started   bool
	next      int    // the index of the next block
	open      string // the type of the open block ("" when none)
	openTool  int    // the chat index of the open tool block
	toolsSeen map[int]bool
	finish    string
	usage     *translate.Usage
	ended     bool
}

// NewStream starts the translation of one stream; inputEstimate is the
// input count sent in message_start, before upstream's usage arrives.
func NewStream(id, model string, showThinking bool, inputEstimate int) *Stream {
	return &Stream{id: id, model: model, showThinking: showThinking, inputEstimate: inputEstimate, toolsSeen: map[int]bool{}}
}

// Ping is the keep-alive event.
func Ping() Event { return Event{"ping", map[string]string{"type": "ping"}} }

// Start returns message_start; model, when not empty, names the free model
// that answers.
func (s *Stream) Start(model string) []Event {
	if s.started {
		return nil
	}
	s.started = true
	if model != "" {
		s.model = model
	}
	msg := map[string]any{
		"id": s.id, "type": "message", "role": "assistant", "model": s.model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": Usage{InputTokens: s.inputEstimate, OutputTokens: 1},
	}
	return []Event{{"message_start", map[string]any{"type": "message_start", "message": msg}}}
}

func (s *Stream) closeBlock(evs []Event) []Event {
	switch s.open {
	case "":
		return evs
	case "thinking":
		evs = append(evs, delta(s.next-1, map[string]any{"type": "signature_delta", "signature": thinkingSignature}))
	}
	s.open = ""
	return append(evs, Event{"content_block_stop", map[string]any{"type": "content_block_stop", "index": s.next - 1}})
}

func (s *Stream) openBlock(evs []Event, kind string, block map[string]any) []Event {
	evs = s.closeBlock(evs)
	s.open = kind
	evs = append(evs, Event{"content_block_start", map[string]any{"type": "content_block_start", "index": s.next, "content_block": block}})
	s.next++
	return evs
}

func delta(index int, d map[string]any) Event {
	return Event{"content_block_delta", map[string]any{"type": "content_block_delta", "index": index, "delta": d}}
}

// Chunk returns the events for one chat chunk.
func (s *Stream) Chunk(c *translate.Chunk) []Event {
	if s.ended {
		return nil
	}
	evs := s.Start(c.Model)
	if c.Reasoning != "" && s.showThinking {
		if s.open != "thinking" {
			evs = s.openBlock(evs, "thinking", map[string]any{"type": "thinking", "thinking": "", "signature": ""})
		}
		evs = append(evs, delta(s.next-1, map[string]any{"type": "thinking_delta", "thinking": c.Reasoning}))
	}
	if c.Text != "" {
		if s.open != "text" {
			evs = s.openBlock(evs, "text", map[string]any{"type": "text", "text": ""})
		}
		evs = append(evs, delta(s.next-1, map[string]any{"type": "text_delta", "text": c.Text}))
	}
	for _, tc := range c.ToolCalls {
		if !s.toolsSeen[tc.Index] {
			s.toolsSeen[tc.Index] = true
			id := tc.ID
			if id == "" {
				id = toolID(s.id, tc.Index)
			}
			evs = s.openBlock(evs, "tool_use", map[string]any{"type": "tool_use", "id": id, "name": tc.Name, "input": map[string]any{}})
			s.openTool = tc.Index
		}
		if tc.Arguments != "" && s.open == "tool_use" && s.openTool == tc.Index {
			evs = append(evs, delta(s.next-1, map[string]any{"type": "input_json_delta", "partial_json": tc.Arguments}))
		}
	}
	if c.FinishReason != "" {
		s.finish = c.FinishReason
	}
	if c.Usage != nil {
		s.usage = c.Usage
	}
	return evs
}

// End returns the closing events: the open block's stop, message_delta
// with the stop reason and the final usage, and message_stop.
func (s *Stream) End() []Event {
	if s.ended {
		return nil
	}
	evs := s.Start("")
	s.ended = true
	evs = s.closeBlock(evs)
	usage := UsageOf(s.usage, s.inputEstimate)
	return append(evs,
		Event{"message_delta", map[string]any{"type": "message_delta",
			"delta": map[string]any{"stop_reason": StopReason(s.finish, len(s.toolsSeen) > 0), "stop_sequence": nil},
			"usage": usage}},
		Event{"message_stop", map[string]any{"type": "message_stop"}})
}

// Fail returns the error event that ends a stream which broke off.
func (s *Stream) Fail(e ErrorInfo) []Event {
	if s.ended {
		return nil
	}
	s.ended = true
	return []Event{{"error", e.body()}}
}
