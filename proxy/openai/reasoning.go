package openai

import (
	"encoding/json"
	"slices"
)

const (
	quotedReasoning = `"reasoning"`
	// reasoningContentKey is the DeepSeek-style field many clients display.
	reasoningContentKey = `"reasoning_content":`
)

// FixReasoning applies the non-streamed reasoning rules (see the package
// documentation) to a chat completion response body. It returns the body
// unchanged, without decoding it, when no "reasoning" field holds a
// non-empty string; changed reports whether out differs from body.
func FixReasoning(body []byte) (out []byte, changed bool) {
	if !hasNonEmptyStringField(body, quotedReasoning) || !json.Valid(body) {
		return body, false
	}
	open := skipSpace(body, 0)
	if kindOf(body[open:]) != kindObject {
		return body, false
	}
	var edits []edit
	top := newObjectIter(body, open)
	for m, ok := top.next(); ok; m, ok = top.next() {
		if !keyIs(m.key, "choices") || kindOf(body[m.valueStart:]) != kindArray {
			continue
		}
		choices := newArrayIter(body, m.valueStart)
		for s, e, ok := choices.next(); ok; s, e, ok = choices.next() {
			if kindOf(body[s:e]) != kindObject {
				continue
			}
			choice := newObjectIter(body, s)
			for cm, ok := choice.next(); ok; cm, ok = choice.next() {
				if keyIs(cm.key, "message") && kindOf(body[cm.valueStart:]) == kindObject {
					edits = appendMessageEdits(edits, body, cm.valueStart)
				}
			}
		}
	}
	if len(edits) == 0 {
		return body, false
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	return applyEdits(body, edits), true
}

// messageFields locates the fields of a message or delta object that the
// reasoning rules look at. A zero member means the field is absent.
type messageFields struct {
	content, reasoning, reasoningContent, toolCalls, functionCall member
	hasContent, hasReasoning, hasReasoningContent                 bool
}

// callsTool reports whether the message or delta carries a non-empty
// "tool_calls" list or a legacy "function_call": such an answer is the call
// itself, with nothing for the content to say.
func (f *messageFields) callsTool(body []byte) bool {
	return (f.toolCalls.valueEnd > 0 && !isEmptyValue(f.toolCalls.value(body))) ||
		(f.functionCall.valueEnd > 0 && !isEmptyValue(f.functionCall.value(body)))
}

func findMessageFields(body []byte, start int) messageFields {
	var f messageFields
	obj := newObjectIter(body, start)
	for m, ok := obj.next(); ok; m, ok = obj.next() {
		switch {
		case keyIs(m.key, "content"):
			f.content, f.hasContent = m, true
		case keyIs(m.key, "reasoning"):
			f.reasoning, f.hasReasoning = m, true
		case keyIs(m.key, "reasoning_content"):
			f.reasoningContent, f.hasReasoningContent = m, true
		case keyIs(m.key, "tool_calls"):
			f.toolCalls = m
		case keyIs(m.key, "function_call"):
			f.functionCall = m
		}
	}
	return f
}

// value returns the bytes of a member's value.
func (m member) value(body []byte) []byte { return body[m.valueStart:m.valueEnd] }

// appendMessageEdits adds the edits rules 1 and 2 call for on the message
// object at body[start].
func appendMessageEdits(edits []edit, body []byte, start int) []edit {
	f := findMessageFields(body, start)
	if !f.hasReasoning {
		return edits
	}
	reasoning := f.reasoning.value(body)
	if !isNonEmptyString(reasoning) {
		return edits
	}
	// A tool call is the answer: the reasoning must not turn into visible
	// text beside it, so it is only mirrored as rule 2 does.
	contentEmpty := (!f.hasContent || isEmptyValue(f.content.value(body))) && !f.callsTool(body)
	switch {
	case contentEmpty && f.hasContent:
		// Rule 1: the reasoning becomes the content.
		edits = append(edits,
			edit{start: f.content.valueStart, end: f.content.valueEnd, text: reasoning},
			edit{start: f.reasoning.valueStart, end: f.reasoning.valueEnd, text: []byte("null")})
	case contentEmpty:
		// Rule 1 without a content field: add one in front of "reasoning".
		text := make([]byte, 0, len(`"content":,`)+len(reasoning))
		text = append(append(append(text, `"content":`...), reasoning...), ',')
		edits = append(edits,
			edit{start: f.reasoning.keyStart, end: f.reasoning.keyStart, text: text},
			edit{start: f.reasoning.valueStart, end: f.reasoning.valueEnd, text: []byte("null")})
	case !f.hasReasoningContent:
		// Rule 2: mirror the reasoning for DeepSeek-style clients.
		edits = append(edits, edit{start: f.reasoning.keyStart, end: f.reasoning.keyStart, text: reasoningContentMember(reasoning)})
	}
	return edits
}

// reasoningContentMember returns `"reasoning_content":<reasoning>,`.
func reasoningContentMember(reasoning []byte) []byte {
	text := make([]byte, 0, len(reasoningContentKey)+len(reasoning)+1)
	return append(append(append(text, reasoningContentKey...), reasoning...), ',')
}
