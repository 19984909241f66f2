package responses

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/freelane/freelane/proxy/translate"
)

// RequestError is a Responses request Freelane cannot translate; it becomes
// a 400 in OpenAI's error envelope.
type RequestError struct {
	Code    string
	Param   string
	Message string
}

func (e *RequestError) Error() string { return e.Message }

func invalid(param, format string, args ...any) *RequestError {
	return &RequestError{Code: "invalid_request", Param: param, Message: fmt.Sprintf(format, args...)}
}

// Translation is what the way back needs to know about a translated request.
type Translation struct {
	// Chat is the request for the chat path.
	Chat translate.ChatRequest
	// Conversation is Chat.Messages without the instructions: what a later
	// call with previous_response_id continues (instructions are not
	// carried over, as in OpenAI's API).
	Conversation []translate.ChatMessage
	// Tools maps the function names used upstream back to the client's
	// tools: freeform tools' calls go back as custom_tool_call items, and
	// tools of a namespace carry its name again.
	Tools map[string]ToolRef
	// Dropped lists the hosted tools removed because Codex sends them by
	// default (the caller logs them).
	Dropped []string
}

// droppedTools are hosted tools Codex sends by default (web_search unless
// web_search = "disabled"): refusing them would break every Codex call, so
// they are removed and the model answers without them.
var droppedTools = map[string]bool{
	"web_search":                    true,
	"web_search_preview":            true,
	"web_search_preview_2025_03_11": true,
}

// ToolRef is a client tool as the way back names it.
type ToolRef struct {
	Namespace string
	Name      string
	Custom    bool
}

// namespaceSeparator joins a namespace and a tool name into the one function
// name upstream; function names allow only letters, digits, "_" and "-".
const namespaceSeparator = "__"

// chatName is the function name upstream of tool name in namespace.
func chatName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + namespaceSeparator + name
}

// customInputParam is the one argument a freeform tool carries upstream.
const customInputParam = "input"

// ToChat translates a Responses request into a Chat Completions request.
// history is the conversation of previous_response_id (nil without one).
func ToChat(req *Request, history []translate.ChatMessage) (*Translation, error) {
	if req.Background {
		return nil, invalid("background", "background responses are not supported; Freelane answers while the request waits")
	}
	if len(req.Conversation) > 0 && !isNull(req.Conversation) {
		return nil, invalid("conversation", "conversations are not supported; send the whole input, or previous_response_id")
	}
	t := &Translation{Tools: map[string]ToolRef{}}
	c := &t.Chat
	c.Model = req.Model
	c.Stream = req.Stream
	if req.Stream {
		c.StreamOptions = &translate.StreamOptions{IncludeUsage: true}
	}
	c.MaxTokens, c.Temperature, c.TopP, c.User = req.MaxOutputTokens, req.Temperature, req.TopP, req.User
	c.PromptCacheKey = req.PromptCacheKey

	conv := append([]translate.ChatMessage(nil), history...)
	input, err := translateInput(req.Input)
	if err != nil {
		return nil, err
	}
	if len(input) == 0 && len(history) == 0 {
		return nil, invalid("input", "input is missing or empty; send a string or a list of input items")
	}
	conv = append(conv, input...)
	t.Conversation = conv
	if req.Instructions != "" {
		c.Messages = append(make([]translate.ChatMessage, 0, len(conv)+1), translate.ChatMessage{Role: "system", Content: req.Instructions})
	}
	c.Messages = append(c.Messages, conv...)

	if err := t.translateTools(req.Tools); err != nil {
		return nil, err
	}
	if len(c.Tools) > 0 {
		c.ParallelToolCalls = req.ParallelToolCalls
		if c.ToolChoice, err = translateToolChoice(req.ToolChoice); err != nil {
			return nil, err
		}
	}
	if req.Reasoning != nil && req.Reasoning.Effort != "" {
		effort, err := reasoningEffort(req.Reasoning.Effort)
		if err != nil {
			return nil, err
		}
		c.Reasoning = &translate.ChatReasoning{Effort: effort}
	}
	if req.Text != nil && req.Text.Format != nil {
		if c.ResponseFormat, err = responseFormat(req.Text.Format); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// translateInput turns "input" (a string or a list of items) into chat
// messages.
func translateInput(raw json.RawMessage) ([]translate.ChatMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, invalid("input", "input is not a valid JSON string: %v", err)
		}
		if s == "" {
			return nil, nil
		}
		return []translate.ChatMessage{{Role: "user", Content: s}}, nil
	}
	var items []Item
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, invalid("input", "input must be a string or a list of items: %v", err)
	}
	var msgs []translate.ChatMessage
	for i, it := range items {
		param := fmt.Sprintf("input[%d]", i)
		typ := it.Type
		if typ == "" && it.Role != "" {
			typ = "message"
		}
		switch typ {
		case "message":
			m, extra, err := translateMessage(param, it)
			if err != nil {
				return nil, err
			}
			if m != nil {
				msgs = append(msgs, *m)
			}
			msgs = append(msgs, extra...)
		case "function_call", "custom_tool_call":
			if it.CallID == "" || it.Name == "" {
				return nil, invalid(param, "%s needs call_id and name", typ)
			}
			args := it.Arguments
			if typ == "custom_tool_call" {
				args = customArguments(it.Input)
			} else if args == "" {
				args = "{}"
			}
			call := translate.ChatToolCall{ID: it.CallID, Type: "function", Function: translate.ChatFunctionCall{Name: chatName(it.Namespace, it.Name), Arguments: args}}
			// Adjacent calls are one assistant turn, as the chat API has them.
			if n := len(msgs); n > 0 && msgs[n-1].Role == "assistant" {
				msgs[n-1].ToolCalls = append(msgs[n-1].ToolCalls, call)
			} else {
				msgs = append(msgs, translate.ChatMessage{Role: "assistant", ToolCalls: []translate.ChatToolCall{call}})
			}
		case "function_call_output", "custom_tool_call_output":
			if it.CallID == "" {
				return nil, invalid(param, "%s needs call_id", typ)
			}
			text, images, err := flattenOutput(param, it.Output)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, translate.ChatMessage{Role: "tool", ToolCallID: it.CallID, Content: text})
			if len(images) > 0 {
				msgs = append(msgs, translate.ChatMessage{Role: "user", Content: images})
			}
		case "reasoning":
			// The model's earlier thinking: chat models take no reasoning
			// input, and the answer that followed it is in the history.
		case "item_reference":
			return nil, invalid(param, "item_reference is not supported; send the items themselves, or previous_response_id")
		default:
			return nil, invalid(param, "input items of type %q are not supported; Freelane takes message, function_call, function_call_output, custom_tool_call, custom_tool_call_output and reasoning items", it.Type)
		}
	}
	return msgs, nil
}

// customArguments wraps a freeform tool's raw input as the arguments of the
// one-string function it is upstream.
func customArguments(input string) string {
	b, _ := json.Marshal(map[string]string{customInputParam: input})
	return string(b)
}

func translateMessage(param string, it Item) (*translate.ChatMessage, []translate.ChatMessage, error) {
	role := it.Role
	switch role {
	case "system", "developer":
		// OpenRouter's handling of "developer" differs between providers;
		// every provider takes "system".
		role = "system"
	case "user", "assistant":
	default:
		return nil, nil, invalid(param+".role", "message role %q is not supported; use system, developer, user or assistant", it.Role)
	}
	content := bytes.TrimSpace(it.Content)
	if len(content) == 0 || isNull(content) {
		return nil, nil, invalid(param+".content", "message content is missing")
	}
	if content[0] == '"' {
		var s string
		if err := json.Unmarshal(content, &s); err != nil {
			return nil, nil, invalid(param+".content", "message content is not a valid JSON string: %v", err)
		}
		return &translate.ChatMessage{Role: role, Content: s}, nil, nil
	}
	var parts []Part
	if err := json.Unmarshal(content, &parts); err != nil {
		return nil, nil, invalid(param+".content", "message content must be a string or a list of parts: %v", err)
	}
	var chatParts []translate.ChatPart
	var texts []string
	onlyText := true
	for j, p := range parts {
		pp := fmt.Sprintf("%s.content[%d]", param, j)
		cp, err := translatePart(pp, p)
		if err != nil {
			return nil, nil, err
		}
		if cp.Type == "text" {
			texts = append(texts, cp.Text)
		} else {
			onlyText = false
		}
		chatParts = append(chatParts, cp)
	}
	if onlyText || role != "user" {
		// Text alone is sent as a string: every provider takes that, and
		// system and assistant turns take nothing else everywhere.
		if !onlyText {
			return nil, nil, invalid(param+".content", "only user messages may carry images or files")
		}
		text := strings.Join(texts, "\n\n")
		if role == "assistant" && text == "" {
			return nil, nil, nil
		}
		return &translate.ChatMessage{Role: role, Content: text}, nil, nil
	}
	return &translate.ChatMessage{Role: role, Content: chatParts}, nil, nil
}

func translatePart(param string, p Part) (translate.ChatPart, error) {
	switch p.Type {
	case "input_text", "output_text", "text", "refusal":
		return translate.ChatPart{Type: "text", Text: p.Text}, nil
	case "input_image":
		if p.ImageURL == "" {
			return translate.ChatPart{}, invalid(param, "input_image needs image_url (a URL or a data: URL); uploaded files (file_id) are not available on free models")
		}
		detail := p.Detail
		if detail == "auto" {
			detail = ""
		}
		return translate.ChatPart{Type: "image_url", ImageURL: &translate.ChatImageURL{URL: p.ImageURL, Detail: detail}}, nil
	case "input_file":
		data := p.FileData
		if data == "" {
			data = p.FileURL
		}
		if data == "" {
			return translate.ChatPart{}, invalid(param, "input_file needs file_data or file_url; uploaded files (file_id) are not available on free models")
		}
		return translate.ChatPart{Type: "file", File: &translate.ChatFile{Filename: p.Filename, FileData: data}}, nil
	}
	return translate.ChatPart{}, invalid(param, "content parts of type %q are not supported; use input_text, input_image or input_file", p.Type)
}

// noOutput stands in for an empty tool output: some models stop when a tool
// result is empty.
const noOutput = "(no output)"

// flattenOutput turns a tool output (a string or parts) into the tool
// message's text, plus the images it held, which go in a user message after
// it (chat tool messages carry text only).
func flattenOutput(param string, raw json.RawMessage) (string, []translate.ChatPart, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return noOutput, nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", nil, invalid(param+".output", "output is not a valid JSON string: %v", err)
		}
		if s == "" {
			s = noOutput
		}
		return s, nil, nil
	}
	var parts []Part
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, invalid(param+".output", "output must be a string or a list of parts: %v", err)
	}
	var texts []string
	var images []translate.ChatPart
	for j, p := range parts {
		cp, err := translatePart(fmt.Sprintf("%s.output[%d]", param, j), p)
		if err != nil {
			return "", nil, err
		}
		if cp.Type == "text" {
			texts = append(texts, cp.Text)
		} else {
			images = append(images, cp)
		}
	}
	text := strings.Join(texts, "\n\n")
	if text == "" {
		text = noOutput
	}
	return text, images, nil
}

func (t *Translation) translateTools(tools []Tool) error {
	for i, tool := range tools {
		param := fmt.Sprintf("tools[%d]", i)
		if tool.Type == "namespace" {
			// Codex groups tools (sub-agents, MCP servers) in namespaces.
			if tool.Name == "" {
				return invalid(param+".name", "namespace tools need a name")
			}
			for j, inner := range tool.Tools {
				if err := t.addTool(fmt.Sprintf("%s.tools[%d]", param, j), tool.Name, inner); err != nil {
					return err
				}
			}
			continue
		}
		if err := t.addTool(param, "", tool); err != nil {
			return err
		}
	}
	return nil
}

func (t *Translation) addTool(param, namespace string, tool Tool) error {
	var fn translate.ChatFunction
	switch tool.Type {
	case "function":
		params := tool.Parameters
		if len(params) == 0 || isNull(params) {
			params = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		fn = translate.ChatFunction{Description: tool.Description, Parameters: params, Strict: tool.Strict}
	case "custom":
		fn = customFunction(tool)
	default:
		if droppedTools[tool.Type] && namespace == "" {
			t.Dropped = append(t.Dropped, tool.Type)
			return nil
		}
		return &RequestError{Code: "unsupported_tool", Param: param, Message: fmt.Sprintf(
			"the tool %q is a hosted OpenAI tool that no free model can run; remove it from tools (Freelane serves function, custom and namespace tools)", tool.Type)}
	}
	if tool.Name == "" {
		return invalid(param+".name", "%s tools need a name", tool.Type)
	}
	fn.Name = chatName(namespace, tool.Name)
	if _, dup := t.Tools[fn.Name]; dup {
		return invalid(param+".name", "two tools are named %q", fn.Name)
	}
	t.Tools[fn.Name] = ToolRef{Namespace: namespace, Name: tool.Name, Custom: tool.Type == "custom"}
	t.Chat.Tools = append(t.Chat.Tools, translate.ChatTool{Type: "function", Function: fn})
	return nil
}

// customFunction describes a freeform tool as a function of one string, with
// its grammar in the description so the model knows the input's form.
func customFunction(tool Tool) translate.ChatFunction {
	desc := tool.Description
	inputDesc := "The raw input text for this tool."
	if f := tool.Format; f != nil && f.Type == "grammar" && f.Definition != "" {
		inputDesc = fmt.Sprintf("The raw input text for this tool. It must follow this %s grammar:\n%s", f.Syntax, f.Definition)
	}
	params, _ := json.Marshal(map[string]any{
		"type": "object",
		"properties": map[string]any{
			customInputParam: map[string]string{"type": "string", "description": inputDesc},
		},
		"required":             []string{customInputParam},
		"additionalProperties": false,
	})
	return translate.ChatFunction{Name: tool.Name, Description: desc, Parameters: params}
}

func translateToolChoice(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		switch s {
		case "none", "auto", "required":
			return s, nil
		}
		return nil, invalid("tool_choice", "tool_choice %q is not supported; use none, auto, required or a function", s)
	}
	var choice struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Mode string `json:"mode"`
	}
	if err := json.Unmarshal(raw, &choice); err != nil {
		return nil, invalid("tool_choice", "tool_choice must be a string or an object: %v", err)
	}
	switch choice.Type {
	case "function", "custom":
		if choice.Name == "" {
			return nil, invalid("tool_choice.name", "tool_choice of type %s needs a name", choice.Type)
		}
		return map[string]any{"type": "function", "function": map[string]string{"name": choice.Name}}, nil
	case "allowed_tools":
		// Chat has no allowed subset; the mode alone still holds.
		if choice.Mode == "required" {
			return "required", nil
		}
		return "auto", nil
	}
	return nil, &RequestError{Code: "unsupported_tool", Param: "tool_choice", Message: fmt.Sprintf(
		"tool_choice %q names a hosted OpenAI tool that no free model can run", choice.Type)}
}

// reasoningEffort maps the Responses effort onto OpenRouter's reasoning
// effort, which has no "max".
func reasoningEffort(e string) (string, error) {
	switch e {
	case "none", "minimal", "low", "medium", "high", "xhigh":
		return e, nil
	case "max":
		return "xhigh", nil
	}
	return "", invalid("reasoning.effort", "reasoning.effort %q is not supported; use none, minimal, low, medium, high, xhigh or max", e)
}

func responseFormat(f *TextFormat) (*translate.ResponseFormat, error) {
	switch f.Type {
	case "", "text":
		return nil, nil
	case "json_object":
		return &translate.ResponseFormat{Type: "json_object"}, nil
	case "json_schema":
		if f.Name == "" || len(f.Schema) == 0 || isNull(f.Schema) {
			return nil, invalid("text.format", "text.format of type json_schema needs name and schema")
		}
		return &translate.ResponseFormat{Type: "json_schema", JSONSchema: &translate.JSONSchema{
			Name: f.Name, Description: f.Description, Schema: f.Schema, Strict: f.Strict}}, nil
	}
	return nil, invalid("text.format.type", "text.format type %q is not supported; use text, json_object or json_schema", f.Type)
}
