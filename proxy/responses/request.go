package responses

import "encoding/json"

// Request is the part of a Responses API request Freelane reads. Fields it
// does not list (include, metadata, service_tier,
// truncation, client_metadata, safety_identifier, ...) change nothing on a
// free model and are ignored.
type Request struct {
	Model              string          `json:"model"`
	Instructions       string          `json:"instructions"`
	Input              json.RawMessage `json:"input"`
	Tools              []Tool          `json:"tools"`
	ToolChoice         json.RawMessage `json:"tool_choice"`
	ParallelToolCalls  *bool           `json:"parallel_tool_calls"`
	MaxOutputTokens    *int            `json:"max_output_tokens"`
	Temperature        *float64        `json:"temperature"`
	TopP               *float64        `json:"top_p"`
	Reasoning          *ReasoningParam `json:"reasoning"`
	Text               *TextParam      `json:"text"`
	Stream             bool            `json:"stream"`
	Store              *bool           `json:"store"`
	PreviousResponseID string          `json:"previous_response_id"`
	User               string          `json:"user"`
	PromptCacheKey     string          `json:"prompt_cache_key"`
	Metadata           json.RawMessage `json:"metadata"`
	Background         bool            `json:"background"`
	Conversation       json.RawMessage `json:"conversation"`
}

// Stored reports whether the answer is kept for previous_response_id: the
// API's default is true; Codex sends false.
func (r *Request) Stored() bool { return r.Store == nil || *r.Store }

// ReasoningParam is the request's "reasoning" object.
type ReasoningParam struct {
	Effort string `json:"effort"`
	// Summary (or its old name GenerateSummary) asks for reasoning summaries;
	// Freelane returns the model's reasoning text as the summary either way.
	Summary         string `json:"summary"`
	GenerateSummary string `json:"generate_summary"`
}

// TextParam is the request's "text" object.
type TextParam struct {
	Format    *TextFormat `json:"format"`
	Verbosity string      `json:"verbosity"`
}

// TextFormat is text.format: "text", "json_object" or a flat "json_schema".
type TextFormat struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
	Description string          `json:"description,omitempty"`
}

// Tool is one entry of "tools": a function, a freeform custom tool, or a
// hosted OpenAI tool (only its type matters then).
type Tool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
	Format      *CustomFormat   `json:"format,omitempty"`
	// Tools are the tools of a "namespace" tool.
	Tools []Tool `json:"tools,omitempty"`
}

// CustomFormat is a custom tool's input format: free text or a grammar.
type CustomFormat struct {
	Type       string `json:"type"`
	Syntax     string `json:"syntax,omitempty"`
	Definition string `json:"definition,omitempty"`
}

// Item is one entry of "input". Which fields are set depends on Type.
type Item struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	// message
	Role    string          `json:"role,omitempty"`
	Content json.RawMessage `json:"content,omitempty"`
	// function_call, custom_tool_call and their outputs
	CallID    string          `json:"call_id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Namespace string          `json:"namespace,omitempty"`
	Arguments string          `json:"arguments,omitempty"`
	Input     string          `json:"input,omitempty"`
	Output    json.RawMessage `json:"output,omitempty"`
	// reasoning
	Summary []SummaryPart `json:"summary,omitempty"`
}

// Part is one content part of a message or of a tool output.
type Part struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
	Detail   string `json:"detail,omitempty"`
	FileID   string `json:"file_id,omitempty"`
	FileData string `json:"file_data,omitempty"`
	FileURL  string `json:"file_url,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// SummaryPart is one part of a reasoning item's summary.
type SummaryPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}
