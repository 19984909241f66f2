package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/freelane/freelane/proxy/translate"
)

// RequestError is a Messages request Freelane refuses: an
// invalid_request_error with status 400.
type RequestError struct{ Message string }

func (e *RequestError) Error() string { return e.Message }

func invalid(format string, args ...any) error {
	return &RequestError{Message: fmt.Sprintf(format, args...)}
}

// DecodeRequest reads and checks a Messages request body. countOnly is for
// count_tokens, which has no max_tokens.
func DecodeRequest(body []byte, countOnly bool) (*Request, error) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return nil, invalid("%s: expected %s, got a JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		return nil, invalid("the request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, invalid("the request body holds more than one JSON value")
	}
	switch {
	case strings.TrimSpace(req.Model) == "":
		return nil, invalid("model: field required")
	case len(req.Messages) == 0:
		return nil, invalid("messages: at least one message is required")
	case !countOnly && req.MaxTokens == nil:
		return nil, invalid("max_tokens: field required")
	case !countOnly && *req.MaxTokens < 1:
		return nil, invalid("max_tokens: must be at least 1")
	}
	for i, m := range req.Messages {
		switch m.Role {
		case "user", "assistant", "system":
		default:
			return nil, invalid("messages.%d.role: must be \"user\", \"assistant\" or \"system\", got %q", i, m.Role)
		}
		if _, err := blocksOf(m.Content); err != nil {
			return nil, invalid("messages.%d.content: %v", i, err)
		}
	}
	if _, err := systemText(req.System); err != nil {
		return nil, invalid("system: %v", err)
	}
	if tc := req.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto", "any", "none":
		case "tool":
			if tc.Name == "" {
				return nil, invalid("tool_choice.name: field required for type \"tool\"")
			}
		default:
			return nil, invalid("tool_choice.type: must be auto, any, tool or none, got %q", tc.Type)
		}
	}
	if th := req.Thinking; th != nil {
		switch th.Type {
		case "enabled":
			if th.BudgetTokens < 1 {
				return nil, invalid("thinking.budget_tokens: must be at least 1 when thinking is enabled")
			}
		case "disabled", "adaptive":
		default:
			return nil, invalid("thinking.type: must be enabled, disabled or adaptive, got %q", th.Type)
		}
	}
	return &req, nil
}

// blocksOf returns a content value as blocks: a string is one text block.
func blocksOf(raw json.RawMessage) ([]Block, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, errors.New("field required")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []Block{{Type: "text", Text: s}}, nil
	}
	var blocks []Block
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, errors.New("must be a string or an array of content blocks")
	}
	return blocks, nil
}

// systemText joins a system prompt given as a string or as text blocks.
func systemText(raw json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return "", nil
	}
	blocks, err := blocksOf(raw)
	if err != nil {
		return "", err
	}
	return joinText(blocks), nil
}

// joinText joins the non-empty text blocks.
func joinText(blocks []Block) string {
	var parts []string
	for _, b := range blocks {
		if b.Type == "text" && b.Text != "" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n\n")
}

// emptyToolResult stands in for a tool result without text: some models
// stop when a tool message is empty.
const emptyToolResult = "(no output)"

// ToChat translates a checked request (see DecodeRequest) into a Chat
// Completions request body for model, the free model id or name the chat
// path routes (see ResolveModel).
func ToChat(req *Request, model string) ([]byte, error) {
	out := translate.ChatRequest{
		Model: model, MaxTokens: req.MaxTokens, Temperature: req.Temperature, TopP: req.TopP, TopK: req.TopK,
		Stop: req.StopSequences, Stream: req.Stream,
	}
	if req.Stream {
		out.StreamOptions = &translate.StreamOptions{IncludeUsage: true}
	}
	system, _ := systemText(req.System)
	if system != "" {
		out.Messages = append(out.Messages, translate.ChatMessage{Role: "system", Content: system})
	}
	for _, m := range req.Messages {
		blocks, err := blocksOf(m.Content)
		if err != nil {
			return nil, invalid("messages: %v", err)
		}
		switch m.Role {
		case "assistant":
			out.Messages = append(out.Messages, assistantMessage(blocks))
		case "system":
			// A system message within the conversation (newer clients).
			if text := joinText(blocks); text != "" {
				out.Messages = append(out.Messages, translate.ChatMessage{Role: "system", Content: text})
			}
		default:
			out.Messages = append(out.Messages, userMessages(blocks)...)
		}
	}
	for _, t := range req.Tools {
		if t.Type != "" && t.Type != "custom" {
			continue // a server tool (web search, ...) that Chat Completions cannot run
		}
		schema := t.InputSchema
		if len(bytes.TrimSpace(schema)) == 0 || string(schema) == "null" {
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		out.Tools = append(out.Tools, translate.ChatTool{Type: "function", Function: translate.ChatFunction{Name: t.Name, Description: t.Description, Parameters: schema}})
	}
	if tc := req.ToolChoice; tc != nil && len(out.Tools) > 0 {
		switch tc.Type {
		case "auto":
			out.ToolChoice = "auto"
		case "any":
			out.ToolChoice = "required"
		case "none":
			out.ToolChoice = "none"
		case "tool":
			out.ToolChoice = map[string]any{"type": "function", "function": map[string]string{"name": tc.Name}}
		}
		if tc.DisableParallelToolUse {
			no := false
			out.ParallelToolCalls = &no
		}
	}
	out.Reasoning = reasoningFor(req)
	if oc := req.OutputConfig; oc != nil && len(oc.Format) > 0 && string(oc.Format) != "null" {
		out.ResponseFormat = responseFormat(oc.Format)
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encoding the chat request: %w", err)
	}
	return body, nil
}

// reasoningFor maps thinking onto OpenRouter's reasoning settings: a budget
// becomes reasoning.max_tokens, adaptive thinking the effort asked for in
// output_config (or the model's default), disabled thinking turns it off.
func reasoningFor(req *Request) *translate.ChatReasoning {
	th := req.Thinking
	if th == nil {
		return nil
	}
	switch th.Type {
	case "enabled":
		return &translate.ChatReasoning{MaxTokens: th.BudgetTokens}
	case "disabled":
		off := false
		return &translate.ChatReasoning{Enabled: &off}
	default: // adaptive
		if req.OutputConfig != nil {
			switch e := req.OutputConfig.Effort; e {
			case "low", "medium", "high":
				return &translate.ChatReasoning{Effort: e}
			case "xhigh", "max":
				return &translate.ChatReasoning{Effort: "high"}
			}
		}
		on := true
		return &translate.ChatReasoning{Enabled: &on}
	}
}

// ShowsThinking reports whether the client asked for thinking blocks.
func ShowsThinking(req *Request) bool {
	return req.Thinking != nil && req.Thinking.Type != "disabled"
}

// responseFormat turns output_config.format ({type:"json_schema", schema})
// into Chat's response_format.
func responseFormat(raw json.RawMessage) *translate.ResponseFormat {
	var f struct {
		Type   string          `json:"type"`
		Schema json.RawMessage `json:"schema"`
	}
	if json.Unmarshal(raw, &f) != nil || f.Type != "json_schema" || len(f.Schema) == 0 {
		return nil
	}
	strict := true
	return &translate.ResponseFormat{Type: "json_schema", JSONSchema: &translate.JSONSchema{Name: "output", Schema: f.Schema, Strict: &strict}}
}

// assistantMessage joins an assistant turn's text and tool calls.
func assistantMessage(blocks []Block) translate.ChatMessage {
	msg := translate.ChatMessage{Role: "assistant"}
	var text []string
	for _, b := range blocks {
		switch b.Type {
		case "text":
			if b.Text != "" {
				text = append(text, b.Text)
			}
		case "tool_use":
			args := string(compactJSON(b.Input))
			msg.ToolCalls = append(msg.ToolCalls, translate.ChatToolCall{ID: b.ID, Type: "function", Function: translate.ChatFunctionCall{Name: b.Name, Arguments: args}})
		}
		// thinking, redacted_thinking and server-tool blocks are dropped.
	}
	if len(text) > 0 {
		msg.Content = strings.Join(text, "\n\n")
	}
	return msg
}

// compactJSON returns a tool input as compact JSON, "{}" when absent.
func compactJSON(raw json.RawMessage) []byte {
	var buf bytes.Buffer
	if len(bytes.TrimSpace(raw)) == 0 || string(raw) == "null" || json.Compact(&buf, raw) != nil {
		return []byte("{}")
	}
	return buf.Bytes()
}

// userMessages turns a user turn into tool messages (its tool results, in
// order), then one user message with the rest, then one with the images of
// the tool results.
func userMessages(blocks []Block) []translate.ChatMessage {
	var tools []translate.ChatMessage
	var parts, toolImages []translate.ChatPart
	for _, b := range blocks {
		if b.Type == "tool_result" {
			text, images := toolResultContent(b)
			tools = append(tools, translate.ChatMessage{Role: "tool", ToolCallID: b.ToolUseID, Content: text})
			toolImages = append(toolImages, images...)
			continue
		}
		if p, ok := contentPart(b); ok {
			parts = append(parts, p)
		}
	}
	out := tools
	if len(parts) > 0 {
		out = append(out, translate.ChatMessage{Role: "user", Content: partsContent(parts)})
	}
	if len(toolImages) > 0 {
		out = append(out, translate.ChatMessage{Role: "user", Content: toolImages})
	}
	if len(out) == 0 {
		// A turn of only empty or dropped blocks still takes its place.
		out = append(out, translate.ChatMessage{Role: "user", Content: "(empty message)"})
	}
	return out
}

// partsContent is a lone text part as a plain string (every model reads
// that), anything else as the parts array.
func partsContent(parts []translate.ChatPart) any {
	if len(parts) == 1 && parts[0].Type == "text" {
		return parts[0].Text
	}
	return parts
}

// contentPart translates a user content block; false for blocks dropped.
func contentPart(b Block) (translate.ChatPart, bool) {
	switch b.Type {
	case "text":
		return translate.ChatPart{Type: "text", Text: b.Text}, b.Text != ""
	case "image":
		if u := sourceURL(b.Source); u != "" {
			return translate.ChatPart{Type: "image_url", ImageURL: &translate.ChatImageURL{URL: u}}, true
		}
	case "document":
		s := b.Source
		if s == nil {
			return translate.ChatPart{}, false
		}
		switch {
		case s.Type == "text":
			return translate.ChatPart{Type: "text", Text: s.Data}, s.Data != ""
		case s.Type == "base64" && s.MediaType == "application/pdf":
			name := b.Title
			if name == "" {
				name = "document.pdf"
			}
			return translate.ChatPart{Type: "file", File: &translate.ChatFile{Filename: name, FileData: "data:application/pdf;base64," + s.Data}}, true
		case s.Type == "url":
			return translate.ChatPart{Type: "file", File: &translate.ChatFile{Filename: b.Title, FileData: s.URL}}, s.URL != ""
		}
	}
	return translate.ChatPart{}, false
}

func sourceURL(s *Source) string {
	switch {
	case s == nil:
		return ""
	case s.Type == "base64" && s.Data != "":
		return "data:" + s.MediaType + ";base64," + s.Data
	case s.Type == "url":
		return s.URL
	}
	return ""
}

// toolResultContent flattens a tool_result's content to text and returns
// its images apart: tool messages carry text only.
func toolResultContent(b Block) (string, []translate.ChatPart) {
	var text []string
	var images []translate.ChatPart
	if blocks, err := blocksOf(b.Content); err == nil {
		for _, c := range blocks {
			p, ok := contentPart(c)
			switch {
			case !ok:
			case p.Type == "text":
				text = append(text, p.Text)
			default:
				images = append(images, p)
			}
		}
	}
	s := strings.Join(text, "\n")
	if s == "" {
		s = emptyToolResult
	}
	if b.IsError {
		s = "Error: " + s
	}
	return s, images
}
