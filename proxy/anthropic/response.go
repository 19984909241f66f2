package anthropic

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/freelane/freelane/proxy/translate"
)

// thinkingSignature is the opaque signature of the thinking blocks Freelane
// sends: clients store and replay it, and Freelane drops replayed thinking.
const thinkingSignature = "freelane"

// NewID returns a fresh id with prefix, e.g. "msg_" or "toolu_".
func NewID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// toolID names a tool call that came without an id: unique within the
// message, and the message id is unique.
func toolID(msgID string, index int) string {
	return "toolu_" + strings.TrimPrefix(msgID, "msg_") + "_" + strconv.Itoa(index)
}

// StopReason maps a Chat finish_reason onto Anthropic's stop_reason. Chat
// does not say which stop string matched, so "stop" is always end_turn.
func StopReason(finish string, toolCalls bool) string {
	switch {
	case finish == "tool_calls" || finish == "function_call" || toolCalls && (finish == "stop" || finish == ""):
		return "tool_use"
	case finish == "length":
		return "max_tokens"
	case finish == "content_filter":
		return "refusal"
	}
	return "end_turn"
}

// UsageOf maps OpenRouter's usage onto Anthropic's, where input_tokens
// excludes cache reads and writes; estimate stands in for the input count
// when upstream sent no usage.
func UsageOf(u *translate.Usage, estimate int) Usage {
	if u == nil {
		return Usage{InputTokens: estimate}
	}
	return Usage{
		InputTokens:              max(u.PromptTokens-u.CachedTokens-u.CacheWriteTokens, 0),
		OutputTokens:             u.CompletionTokens,
		CacheReadInputTokens:     u.CachedTokens,
		CacheCreationInputTokens: u.CacheWriteTokens,
	}
}

// toolInput is a tool call's arguments as the input object; arguments that
// are not a JSON object are kept under "arguments" so nothing is lost.
func toolInput(args string) json.RawMessage {
	if args == "" {
		return json.RawMessage("{}")
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(args), &obj) == nil && obj != nil {
		return compactJSON(json.RawMessage(args))
	}
	wrapped, _ := json.Marshal(map[string]string{"arguments": args})
	return wrapped
}

// FromCompletion translates a non-streamed chat answer. model names the free
// model that answered; showThinking keeps reasoning as a thinking block.
func FromCompletion(c *translate.Completion, id, model string, showThinking bool, inputEstimate int) *Response {
	resp := &Response{ID: id, Type: "message", Role: "assistant", Model: model, Content: []ResponseBlock{}}
	if showThinking && c.Reasoning != "" {
		r, sig := c.Reasoning, thinkingSignature
		resp.Content = append(resp.Content, ResponseBlock{Type: "thinking", Thinking: &r, Signature: &sig})
	}
	if c.Text != "" {
		t := c.Text
		resp.Content = append(resp.Content, ResponseBlock{Type: "text", Text: &t})
	}
	for i, tc := range c.ToolCalls {
		tid := tc.ID
		if tid == "" {
			tid = toolID(id, i)
		}
		resp.Content = append(resp.Content, ResponseBlock{Type: "tool_use", ID: tid, Name: tc.Name, Input: toolInput(tc.Arguments)})
	}
	stop := StopReason(c.FinishReason, len(c.ToolCalls) > 0)
	resp.StopReason = &stop
	resp.Usage = UsageOf(c.Usage, inputEstimate)
	return resp
}
