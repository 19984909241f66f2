package responses

import (
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/translate"
)

// Builder turns the pieces of a chat answer into a Responses object and,
// when it has a writer, into the Responses event stream as they arrive.
//
// Call Start once (the model that answers is known), then Text, Reasoning
// and ToolCall in the order the pieces arrive, Finish and Usage when they
// come, and Complete at the end, or Fail when the answer broke off. Output
// items follow the answer: a new item starts whenever the kind of piece
// changes (reasoning, text, a new tool call), and each is closed before the
// next opens, so output_index never goes back.
type Builder struct {
	resp    Response
	w       io.Writer // nil: not streamed
	err     error     // the first write error: the client has gone
	seq     int
	started bool
	tools   map[string]ToolRef
	cur     *openItem
	finish  string
	usage   *Usage
	text    strings.Builder          // all text, for the stored conversation
	calls   []translate.ChatToolCall // all tool calls, for the stored conversation
}

// openItem is the output item being written.
type openItem struct {
	kind   string // "message", "reasoning", "function_call"
	index  int
	id     string
	text   strings.Builder // text, reasoning or arguments
	callID string
	name   string
	tool   int // the chat tool-call index
}

// NewBuilder prepares the answer to req, translated as tr. w receives the
// event stream; nil builds the response only.
func NewBuilder(req *Request, tr *Translation, id string, now time.Time, w io.Writer) *Builder {
	b := &Builder{w: w, tools: tr.Tools}
	r := &b.resp
	r.ID, r.Object, r.CreatedAt, r.Status = id, "response", now.Unix(), "in_progress"
	r.Model = req.Model
	r.Output = []any{}
	if req.Instructions != "" {
		r.Instructions = &req.Instructions
	}
	r.MaxOutputTokens, r.Temperature, r.TopP = req.MaxOutputTokens, req.Temperature, req.TopP
	r.ParallelToolCalls = req.ParallelToolCalls == nil || *req.ParallelToolCalls
	if req.PreviousResponseID != "" {
		r.PreviousResponseID = &req.PreviousResponseID
	}
	if req.Reasoning != nil {
		if req.Reasoning.Effort != "" {
			r.Reasoning.Effort = &req.Reasoning.Effort
		}
		if s := cmpOr(req.Reasoning.Summary, req.Reasoning.GenerateSummary); s != "" {
			r.Reasoning.Summary = &s
		}
	}
	r.Store = req.Stored()
	r.Text.Format = TextFormat{Type: "text"}
	if req.Text != nil && req.Text.Format != nil {
		r.Text.Format = *req.Text.Format
	}
	r.ToolChoice = req.ToolChoice
	if len(r.ToolChoice) == 0 {
		r.ToolChoice = json.RawMessage(`"auto"`)
	}
	r.Tools = req.Tools
	if r.Tools == nil {
		r.Tools = []Tool{}
	}
	r.Metadata = req.Metadata
	if len(r.Metadata) == 0 {
		r.Metadata = json.RawMessage(`{}`)
	}
	return b
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Err is the first error writing the stream (the client left).
func (b *Builder) Err() error { return b.err }

// Start names the model that answers and opens the stream.
func (b *Builder) Start(model string) {
	if b.started {
		return
	}
	b.started = true
	if model != "" {
		b.resp.Model = model
	}
	b.emit("response.created", map[string]any{"response": &b.resp})
	b.emit("response.in_progress", map[string]any{"response": &b.resp})
}

// Text adds answer text.
func (b *Builder) Text(delta string) {
	it := b.extend("message", "msg", delta)
	if it == nil {
		return
	}
	b.text.WriteString(delta)
	b.emit("response.output_text.delta", map[string]any{
		"item_id": it.id, "output_index": it.index, "content_index": 0, "delta": delta, "logprobs": []any{}})
}

// Reasoning adds reasoning text, returned as a reasoning summary.
func (b *Builder) Reasoning(delta string) {
	it := b.extend("reasoning", "rs", delta)
	if it == nil {
		return
	}
	b.emit("response.reasoning_summary_text.delta", map[string]any{
		"item_id": it.id, "output_index": it.index, "summary_index": 0, "delta": delta})
}

// extend adds delta to the open item of kind, opening one (its id starting
// with prefix) if another kind is open; nil for an empty delta.
func (b *Builder) extend(kind, prefix, delta string) *openItem {
	if delta == "" {
		return nil
	}
	b.Start("")
	if b.cur == nil || b.cur.kind != kind {
		b.open(&openItem{kind: kind, id: NewID(prefix)})
	}
	b.cur.text.WriteString(delta)
	return b.cur
}

// ToolCall adds a fragment of the chat tool call at index: the first one
// carries its id and name, the rest more of its JSON arguments. A non-stream
// answer passes each call whole.
func (b *Builder) ToolCall(index int, id, name, args string) {
	b.Start("")
	c := b.cur
	if c == nil || c.kind != "function_call" || c.tool != index || (id != "" && c.callID != "" && id != c.callID) {
		if id == "" {
			id = NewID("call")
		}
		c = &openItem{kind: "function_call", tool: index, callID: id, name: name, id: NewID("fc")}
		if b.ref(name).Custom {
			c.id = NewID("ctc")
		}
		b.open(c)
	}
	if c.name == "" {
		c.name = name
	}
	if args == "" {
		return
	}
	c.text.WriteString(args)
	if !b.ref(c.name).Custom {
		b.emit("response.function_call_arguments.delta", map[string]any{
			"item_id": c.id, "output_index": c.index, "delta": args})
	}
}

// Finish records the chat finish_reason.
func (b *Builder) Finish(reason string) {
	if reason != "" {
		b.finish = reason
	}
}

// Usage records the answer's usage; a missing total is the sum.
func (b *Builder) Usage(u Usage) {
	if u.TotalTokens == 0 {
		u.TotalTokens = u.InputTokens + u.OutputTokens
	}
	b.usage = &u
}

// ref is the client's tool behind the upstream function name. A name the
// client did not offer (a model inventing tools) goes back as it came.
func (b *Builder) ref(chatName string) ToolRef {
	if r, ok := b.tools[chatName]; ok {
		return r
	}
	return ToolRef{Name: chatName}
}

// open closes the current item and starts it.
func (b *Builder) open(it *openItem) {
	b.closeItem()
	it.index = len(b.resp.Output)
	b.cur = it
	var item any
	switch it.kind {
	case "message":
		item = MessageItem{Type: "message", ID: it.id, Status: "in_progress", Role: "assistant", Content: []OutputText{}}
	case "reasoning":
		item = ReasoningItem{Type: "reasoning", ID: it.id, Summary: []SummaryPart{}}
	case "function_call":
		if ref := b.ref(it.name); ref.Custom {
			item = CustomToolCallItem{Type: "custom_tool_call", ID: it.id, Status: "in_progress", CallID: it.callID, Name: ref.Name, Namespace: ref.Namespace}
		} else {
			item = FunctionCallItem{Type: "function_call", ID: it.id, Status: "in_progress", CallID: it.callID, Name: ref.Name, Namespace: ref.Namespace}
		}
	}
	b.resp.Output = append(b.resp.Output, item)
	b.emit("response.output_item.added", map[string]any{"output_index": it.index, "item": item})
	switch it.kind {
	case "message":
		b.emit("response.content_part.added", map[string]any{"item_id": it.id, "output_index": it.index, "content_index": 0,
			"part": OutputText{Type: "output_text", Annotations: []any{}, Logprobs: []any{}}})
	case "reasoning":
		b.emit("response.reasoning_summary_part.added", map[string]any{"item_id": it.id, "output_index": it.index, "summary_index": 0,
			"part": SummaryPart{Type: "summary_text"}})
	}
}

// closeItem finishes the current item, if any.
func (b *Builder) closeItem() {
	it := b.cur
	if it == nil {
		return
	}
	b.cur = nil
	text := it.text.String()
	var item any
	switch it.kind {
	case "message":
		part := OutputText{Type: "output_text", Text: text, Annotations: []any{}, Logprobs: []any{}}
		b.emit("response.output_text.done", map[string]any{"item_id": it.id, "output_index": it.index, "content_index": 0, "text": text, "logprobs": []any{}})
		b.emit("response.content_part.done", map[string]any{"item_id": it.id, "output_index": it.index, "content_index": 0, "part": part})
		item = MessageItem{Type: "message", ID: it.id, Status: "completed", Role: "assistant", Content: []OutputText{part}}
	case "reasoning":
		part := SummaryPart{Type: "summary_text", Text: text}
		b.emit("response.reasoning_summary_text.done", map[string]any{"item_id": it.id, "output_index": it.index, "summary_index": 0, "text": text})
		b.emit("response.reasoning_summary_part.done", map[string]any{"item_id": it.id, "output_index": it.index, "summary_index": 0, "part": part})
		item = ReasoningItem{Type: "reasoning", ID: it.id, Summary: []SummaryPart{part}}
	case "function_call":
		args := text
		if args == "" {
			args = "{}"
		}
		b.calls = append(b.calls, translate.ChatToolCall{ID: it.callID, Type: "function", Function: translate.ChatFunctionCall{Name: it.name, Arguments: args}})
		if ref := b.ref(it.name); ref.Custom {
			input := customInput(args)
			b.emit("response.custom_tool_call_input.delta", map[string]any{"item_id": it.id, "output_index": it.index, "delta": input})
			b.emit("response.custom_tool_call_input.done", map[string]any{"item_id": it.id, "output_index": it.index, "input": input})
			item = CustomToolCallItem{Type: "custom_tool_call", ID: it.id, Status: "completed", CallID: it.callID, Name: ref.Name, Namespace: ref.Namespace, Input: input}
		} else {
			b.emit("response.function_call_arguments.done", map[string]any{"item_id": it.id, "output_index": it.index, "name": ref.Name, "arguments": args})
			item = FunctionCallItem{Type: "function_call", ID: it.id, Status: "completed", CallID: it.callID, Name: ref.Name, Namespace: ref.Namespace, Arguments: args}
		}
	}
	b.resp.Output[it.index] = item
	b.emit("response.output_item.done", map[string]any{"output_index": it.index, "item": item})
}

// customInput takes a freeform tool's raw input back out of the arguments
// of the one-string function it was upstream. Arguments that are not that
// object are passed as they are: the model wrote the input directly.
func customInput(args string) string {
	var v map[string]json.RawMessage
	if json.Unmarshal([]byte(args), &v) == nil {
		var s string
		if raw, ok := v[customInputParam]; ok && json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return args
}

// Complete closes the answer: completed, or incomplete when the model
// stopped at the token limit or a content filter.
func (b *Builder) Complete() *Response {
	b.Start("")
	b.closeItem()
	r := &b.resp
	r.Usage = b.usage
	if r.Usage == nil {
		r.Usage = &Usage{}
	}
	event := "response.completed"
	switch b.finish {
	case "length":
		r.Status, r.IncompleteDetails, event = "incomplete", &IncompleteDetails{Reason: "max_output_tokens"}, "response.incomplete"
	case "content_filter":
		r.Status, r.IncompleteDetails, event = "incomplete", &IncompleteDetails{Reason: "content_filter"}, "response.incomplete"
	default:
		r.Status = "completed"
	}
	b.emit(event, map[string]any{"response": r})
	return r
}

// Fail ends an answer that broke off after it began: the items so far are
// closed and response.failed carries the error.
func (b *Builder) Fail(code, message string) *Response {
	b.Start("")
	b.closeItem()
	r := &b.resp
	r.Status = "failed"
	r.Error = &ResponseError{Code: code, Message: message}
	r.Usage = b.usage
	b.emit("response.failed", map[string]any{"response": r})
	return r
}

// Reply is the assistant turn of the answer, for the stored conversation.
func (b *Builder) Reply() translate.ChatMessage {
	m := translate.ChatMessage{Role: "assistant", ToolCalls: b.calls}
	if t := b.text.String(); t != "" {
		m.Content = t
	}
	return m
}

// emit writes one event when streaming.
func (b *Builder) emit(typ string, fields map[string]any) {
	if b.w == nil || b.err != nil {
		return
	}
	fields["type"] = typ
	fields["sequence_number"] = b.seq
	b.seq++
	data, err := json.Marshal(fields)
	if err != nil {
		b.err = err
		return
	}
	buf := make([]byte, 0, len(typ)+len(data)+16)
	buf = append(buf, "event: "...)
	buf = append(buf, typ...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...)
	buf = append(buf, '\n', '\n')
	if _, err := b.w.Write(buf); err != nil {
		b.err = err
	}
}
