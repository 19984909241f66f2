package openai

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ChunkInfo is what one streamed chunk tells the relay.
type ChunkInfo struct {
	Content   bool   // a delta carried non-empty content, tool calls or a function call
	Reasoning bool   // a delta carried non-empty reasoning
	Finish    string // the first non-empty finish_reason, if any
	Model     string // the top-level model, if any
	Error     bool   // the chunk has a top-level "error" object (an in-band failure)
	// NoChoices is true when the chunk holds no choice object ("choices" is
	// empty or absent): the usage chunk that OpenAI sends last.
	NoChoices bool
}

// StreamState applies the streamed reasoning rules (see the package
// documentation) to one response stream. It is not safe for concurrent use;
// a stream is relayed by one goroutine.
type StreamState struct {
	wantsReasoning bool
	sawContent     bool
	sawReasoning   bool
	reasoning      strings.Builder // the reasoning text, kept while no content has been seen

	// Identity of the stream, copied from the first chunk that names it.
	id, model, created []byte
	modelString        string // cached so an unchanged model costs no allocation per chunk
}

// NewStreamState returns the state for one stream. wantsReasoning is
// ChatRequest.WantsReasoning of the request being answered.
func NewStreamState(wantsReasoning bool) *StreamState {
	return &StreamState{wantsReasoning: wantsReasoning}
}

// Chunk takes the payload of one "data:" event (never "[DONE]") and returns
// the payload to forward and what it contained. A chunk without reasoning is
// returned as is, without allocation; a chunk with reasoning gains
// "reasoning_content" in each delta that has "reasoning". A payload that is
// not a JSON object is returned unchanged with an empty ChunkInfo.
func (s *StreamState) Chunk(data []byte) (out []byte, info ChunkInfo) {
	if !json.Valid(data) {
		return data, info
	}
	open := skipSpace(data, 0)
	if kindOf(data[open:]) != kindObject {
		return data, info
	}
	withReasoning := hasNonEmptyStringField(data, quotedReasoning)
	var edits []edit
	sawChoice := false
	top := newObjectIter(data, open)
	for m, ok := top.next(); ok; m, ok = top.next() {
		v := m.value(data)
		switch {
		case keyIs(m.key, "model") && kindOf(v) == kindString:
			info.Model = s.modelName(v)
		case keyIs(m.key, "id") && s.id == nil && kindOf(v) == kindString:
			s.id = bytes.Clone(v)
		case keyIs(m.key, "created") && s.created == nil && kindOf(v) == kindNumber:
			s.created = bytes.Clone(v)
		case keyIs(m.key, "error") && kindOf(v) == kindObject:
			info.Error = true
		case keyIs(m.key, "choices") && kindOf(v) == kindArray:
			var found bool
			edits, found = s.scanChoices(data, m.valueStart, withReasoning, edits, &info)
			sawChoice = sawChoice || found
		}
	}
	info.NoChoices = !sawChoice
	s.sawContent = s.sawContent || info.Content
	s.sawReasoning = s.sawReasoning || info.Reasoning
	if len(edits) == 0 {
		return data, info
	}
	return applyEdits(data, edits), info
}

// scanChoices reads the choices array at data[start], filling info and
// collecting the reasoning_content insertions; sawChoice reports whether the
// array holds a choice object.
func (s *StreamState) scanChoices(data []byte, start int, withReasoning bool, edits []edit, info *ChunkInfo) (_ []edit, sawChoice bool) {
	choices := newArrayIter(data, start)
	for cs, ce, ok := choices.next(); ok; cs, ce, ok = choices.next() {
		if kindOf(data[cs:ce]) != kindObject {
			continue
		}
		sawChoice = true
		choice := newObjectIter(data, cs)
		for m, ok := choice.next(); ok; m, ok = choice.next() {
			v := m.value(data)
			switch {
			case keyIs(m.key, "finish_reason") && isNonEmptyString(v) && info.Finish == "":
				info.Finish = finishReason(v)
			case keyIs(m.key, "delta") && kindOf(v) == kindObject:
				edits = s.scanDelta(data, m.valueStart, withReasoning, edits, info)
			}
		}
	}
	return edits, sawChoice
}

func (s *StreamState) scanDelta(data []byte, start int, withReasoning bool, edits []edit, info *ChunkInfo) []edit {
	f := findMessageFields(data, start)
	if f.hasContent && !isEmptyValue(f.content.value(data)) {
		info.Content = true
	}
	if f.callsTool(data) {
		info.Content = true
	}
	if !withReasoning || !f.hasReasoning {
		return edits
	}
	reasoning := f.reasoning.value(data)
	if !isNonEmptyString(reasoning) {
		return edits
	}
	info.Reasoning = true
	if !s.wantsReasoning && !s.sawContent && !info.Content {
		var text string
		if json.Unmarshal(reasoning, &text) == nil {
			s.reasoning.WriteString(text)
		}
	}
	if !f.hasReasoningContent {
		edits = append(edits, edit{start: f.reasoning.keyStart, end: f.reasoning.keyStart, text: reasoningContentMember(reasoning)})
	}
	return edits
}

// MayAddFinal reports whether Final may still return a chunk: no content has
// been seen and the client did not ask for reasoning. While it holds, a
// relay keeps back the chunks that close the stream (a finish_reason, the
// usage chunk), so that the content chunk Final makes comes before them, as
// clients that stop reading at the finish or at the usage expect.
func (s *StreamState) MayAddFinal() bool {
	return !s.wantsReasoning && !s.sawContent
}

// modelName returns the model string, reusing the previous one when equal.
func (s *StreamState) modelName(quoted []byte) string {
	if s.model != nil && bytes.Equal(quoted, s.model) {
		return s.modelString
	}
	name, ok := unquote(quoted)
	if !ok {
		return ""
	}
	s.model = bytes.Clone(quoted)
	s.modelString = name
	return name
}

// finishReason returns the finish reason without allocating for the usual values.
func finishReason(quoted []byte) string {
	for _, known := range [...]string{"stop", "length", "tool_calls", "content_filter", "error"} {
		if stringIs(quoted, known) {
			return known
		}
	}
	reason, _ := unquote(quoted) // an undecodable reason reads as none
	return reason
}

// Final returns one extra chunk payload to send when the stream carried
// reasoning but no content and the client did not ask for reasoning: its
// delta.content is the whole reasoning text, so a client that reads only
// content still gets the answer. It goes before the chunks held back while
// MayAddFinal held, then [DONE]. It returns nil otherwise.
func (s *StreamState) Final() []byte {
	if s.wantsReasoning || s.sawContent || !s.sawReasoning || s.reasoning.Len() == 0 {
		return nil
	}
	out := make([]byte, 0, 160+len(s.id)+len(s.model)+s.reasoning.Len()*11/10)
	out = append(out, '{')
	if s.id != nil {
		out = append(append(append(out, `"id":`...), s.id...), ',')
	}
	out = append(out, `"object":"chat.completion.chunk",`...)
	if s.created != nil {
		out = append(append(append(out, `"created":`...), s.created...), ',')
	}
	if s.model != nil {
		out = append(append(append(out, `"model":`...), s.model...), ',')
	}
	out = append(out, `"choices":[{"index":0,"delta":{"role":"assistant","content":`...)
	out = appendJSONString(out, s.reasoning.String())
	return append(out, `},"finish_reason":null}]}`...)
}
