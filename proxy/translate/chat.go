package translate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Usage is the token count of an answer, as OpenRouter reports it.
type Usage struct {
	PromptTokens     int // all input tokens, cached ones included
	CompletionTokens int // all output tokens, reasoning included
	TotalTokens      int
	CachedTokens     int // input tokens read from the prompt cache
	CacheWriteTokens int // input tokens written to the prompt cache
	ReasoningTokens  int // output tokens spent on reasoning
}

// ToolCallDelta is one piece of a streamed tool call. The first piece of a
// call carries its ID and Name; Arguments pieces concatenate into the JSON
// arguments. Index tells the calls of one answer apart.
type ToolCallDelta struct {
	Index     int
	ID        string
	Name      string
	Arguments string
}

// Chunk is what one chat.completion.chunk event says (first choice only:
// Freelane's front ends never ask for n > 1).
type Chunk struct {
	ID           string
	Model        string
	Text         string
	Reasoning    string
	ToolCalls    []ToolCallDelta
	FinishReason string
	Usage        *Usage // the usage chunk, normally last
}

// ToolCall is one complete tool call of a non-streamed answer.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string // JSON text, as the model wrote it
}

// Completion is a non-streamed chat.completion (first choice only).
type Completion struct {
	ID           string
	Model        string
	Text         string
	Reasoning    string
	ToolCalls    []ToolCall
	FinishReason string
	Usage        *Usage
}

// Error is an error answer of the chat handler, or an in-band error event
// of a stream that had already begun.
type Error struct {
	Status  int    // HTTP status of the answer; for an in-band event, the status the event names or 502
	Code    string // the OpenAI error code, e.g. "free_models_busy"; "" when none
	Type    string // the OpenAI error type, e.g. "rate_limit_error"
	Message string
	// RetryAfter is the Retry-After header as sent ("" when none).
	RetryAfter string
	// Header holds the error answer's headers (nil for an in-band event).
	Header http.Header
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// wire shapes of the chat answer, decoded with encoding/json.
type wireUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens     int `json:"cached_tokens"`
		CacheWriteTokens int `json:"cache_write_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func (u *wireUsage) typed() *Usage {
	if u == nil {
		return nil
	}
	out := &Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if d := u.PromptTokensDetails; d != nil {
		out.CachedTokens, out.CacheWriteTokens = d.CachedTokens, d.CacheWriteTokens
	}
	if d := u.CompletionTokensDetails; d != nil {
		out.ReasoningTokens = d.ReasoningTokens
	}
	return out
}

type wireToolCall struct {
	Index    int    `json:"index"`
	ID       string `json:"id"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// wireMessage is a message or a delta. The relay adds "reasoning_content"
// next to "reasoning" with the same text, so only one of them is read.
type wireMessage struct {
	Content          *string        `json:"content"`
	Reasoning        *string        `json:"reasoning"`
	ReasoningContent *string        `json:"reasoning_content"`
	ToolCalls        []wireToolCall `json:"tool_calls"`
}

func (m *wireMessage) text() string { return deref(m.Content) }

func (m *wireMessage) reasoning() string {
	if r := deref(m.Reasoning); r != "" {
		return r
	}
	return deref(m.ReasoningContent)
}

type wireAnswer struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Choices []struct {
		Delta        wireMessage `json:"delta"`
		Message      wireMessage `json:"message"`
		FinishReason *string     `json:"finish_reason"`
	} `json:"choices"`
	Usage *wireUsage      `json:"usage"`
	Error json.RawMessage `json:"error"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ParseChunk decodes the payload of one chat.completion.chunk event. A
// payload with a top-level "error" object is returned as an *Error (an
// in-band failure) instead.
func ParseChunk(data []byte) (*Chunk, error) {
	var a wireAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("decoding a stream chunk: %w", err)
	}
	if e := inBandError(a.Error); e != nil {
		return nil, e
	}
	c := &Chunk{ID: a.ID, Model: a.Model, Usage: a.Usage.typed()}
	if len(a.Choices) > 0 {
		ch := &a.Choices[0]
		c.Text, c.Reasoning = ch.Delta.text(), ch.Delta.reasoning()
		c.FinishReason = deref(ch.FinishReason)
		for _, tc := range ch.Delta.ToolCalls {
			c.ToolCalls = append(c.ToolCalls, ToolCallDelta{Index: tc.Index, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
	}
	return c, nil
}

// ParseCompletion decodes a non-streamed chat.completion.
func ParseCompletion(data []byte) (*Completion, error) {
	var a wireAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("decoding the answer: %w", err)
	}
	if e := inBandError(a.Error); e != nil {
		return nil, e
	}
	c := &Completion{ID: a.ID, Model: a.Model, Usage: a.Usage.typed()}
	if len(a.Choices) > 0 {
		ch := &a.Choices[0]
		c.Text, c.Reasoning = ch.Message.text(), ch.Message.reasoning()
		c.FinishReason = deref(ch.FinishReason)
		for _, tc := range ch.Message.ToolCalls {
			c.ToolCalls = append(c.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
	}
	return c, nil
}

type wireError struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// ParseError decodes an OpenAI error answer. A body that is not the OpenAI
// envelope still gives an Error, with the body's start as its message.
func ParseError(status int, h http.Header, body []byte) *Error {
	e := &Error{Status: status, Header: h}
	if h != nil {
		e.RetryAfter = h.Get("Retry-After")
	}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil {
		if in := inBandError(env.Error); in != nil {
			e.Code, e.Type, e.Message = in.Code, in.Type, in.Message
			return e
		}
	}
	e.Message = strings.TrimSpace(string(body))
	if len(e.Message) > 512 {
		e.Message = e.Message[:512]
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// inBandError decodes an "error" member; nil when raw is absent or null.
func inBandError(raw json.RawMessage) *Error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var w wireError
	if err := json.Unmarshal(raw, &w); err != nil {
		// A string or other value: keep it readable.
		return &Error{Status: http.StatusBadGateway, Message: strings.Trim(string(raw), `"`)}
	}
	e := &Error{Status: http.StatusBadGateway, Type: w.Type, Message: w.Message, Code: scalar(w.Code)}
	// OpenRouter puts the upstream status in a numeric code.
	if n, err := strconv.Atoi(e.Code); err == nil && n >= 400 && n <= 599 {
		e.Status = n
	}
	return e
}

func scalar(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
