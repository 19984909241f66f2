package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ChatRequest is what Freelane needs to know about a chat completion request
// to route it; the body itself is forwarded as the client sent it.
type ChatRequest struct {
	Model  string // the model the client named; empty when absent or null
	Stream bool
	// Tools is true when the request carries a non-empty "tools" (or legacy
	// "functions") list, so only tool-capable models may answer it.
	Tools bool
	// Images is true when a message has an image part, so only models that
	// accept image input may answer it.
	Images bool
	// WantsReasoning is true when the client asked for reasoning explicitly:
	// "include_reasoning": true, or a "reasoning" object without
	// "exclude": true or "enabled": false.
	WantsReasoning bool
	// Removed names the fields and entries the rewrite leaves out because
	// they may bill credits or pick a model, or are unknown (see fields.go),
	// joined with ", " for a log line; empty when none.
	Removed string
}

// rewriteFlags are what the rewrite must know about the whole body.
type rewriteFlags struct {
	// toolsEmptied is true when "tools" had entries and the rewrite keeps
	// none, so "tool_choice" and "parallel_tool_calls" go too.
	toolsEmptied bool
	// addFileParser asks for the file-parser plugin with the free pdf-text
	// engine: a message has a file part, and without a named engine
	// OpenRouter parses a file for a model that cannot read it itself with
	// "mistral-ocr", billed per page.
	addFileParser bool
}

// flagsOf returns the rewrite flags of the JSON object at body[open].
func flagsOf(body []byte, open int) rewriteFlags {
	hadTools, keptTools, files, freeParser := false, false, false, false
	it := newObjectIter(body, open)
	for m, ok := it.next(); ok; m, ok = it.next() {
		isArray := kindOf(body[m.valueStart:m.valueEnd]) == kindArray
		switch {
		case !isArray:
		case keyIs(m.key, "tools"):
			hadTools = hadTools || !isEmptyValue(m.value(body))
			keptTools = keptTools || keptAny(body, m.valueStart, keepTool)
		case keyIs(m.key, "plugins"):
			freeParser = freeParser || keptAny(body, m.valueStart, isFreeFileParser)
		case keyIs(m.key, "messages"):
			files = files || hasFilePart(body, m.valueStart)
		}
	}
	return rewriteFlags{toolsEmptied: hadTools && !keptTools, addFileParser: files && !freeParser}
}

// hasFilePart reports whether a message of the array at body[start] has a
// content part that is a file.
func hasFilePart(body []byte, start int) bool {
	arr := newArrayIter(body, start)
	for s, e, ok := arr.next(); ok; s, e, ok = arr.next() {
		if kindOf(body[s:e]) != kindObject {
			continue
		}
		msg := newObjectIter(body, s)
		for m, ok := msg.next(); ok; m, ok = msg.next() {
			if keyIs(m.key, "content") && kindOf(body[m.valueStart:m.valueEnd]) == kindArray && hasPartOfType(body, m.valueStart, filePartTypes) {
				return true
			}
		}
	}
	return false
}

// onlineSuffix turns on OpenRouter's paid web search for a model id. Only
// catalog ids ending in ":free" are ever sent, so it never reaches upstream.
const onlineSuffix = ":online"

// FreeModel is the model id to route: the requested id without the
// ":online" suffix, which the rewrite drops, so "x:free:online" routes as
// the free model x:free it names.
func (r ChatRequest) FreeModel() string { return strings.TrimSuffix(r.Model, onlineSuffix) }

// RequestError describes why a request body was rejected, in the terms of the
// OpenAI error envelope.
type RequestError struct {
	Param   string // the offending parameter, e.g. "messages[1].role"; empty for the body as a whole
	Code    string // e.g. "invalid_json", "invalid_type", "missing_required_parameter"
	Message string // a sentence a person can act on
}

func (e *RequestError) Error() string { return e.Message }

// Codes used in RequestError.Code.
const (
	CodeInvalidJSON      = "invalid_json"
	CodeInvalidType      = "invalid_type"
	CodeMissingParameter = "missing_required_parameter"
	CodeInvalidValue     = "invalid_value"
)

func typeError(param, want string) *RequestError {
	return &RequestError{
		Param:   param,
		Code:    CodeInvalidType,
		Message: fmt.Sprintf("Invalid type for '%s': expected %s.", param, want),
	}
}

// InspectedBody is a chat request body that inspection accepted: valid JSON
// whose top level is an object. Only InspectChatBody makes one, which is
// what lets its RewriteForUpstream skip validating the body again on every
// attempt. It refers to the inspected bytes, which must not change.
type InspectedBody struct {
	raw   []byte
	flags rewriteFlags
}

// InspectChatBody validates the shape of a chat completion request body and
// reports the facts routing needs. It checks only what Freelane relies on or
// what would otherwise turn into a confusing upstream error; every other field
// is left for OpenRouter to judge. The returned error is a *RequestError. It
// also returns the accepted body, ready to be rewritten for each attempt
// without a second validation pass.
func InspectChatBody(body []byte) (ChatRequest, InspectedBody, error) {
	req, err := inspect(body)
	if err != nil {
		return ChatRequest{}, InspectedBody{}, err
	}
	return req, InspectedBody{raw: body, flags: flagsOf(body, skipSpace(body, 0))}, nil
}

// RewriteForUpstream is the package's RewriteForUpstream for a body that
// inspection has already validated, so it cannot fail.
func (b InspectedBody) RewriteForUpstream(model string) []byte {
	return rewriteObject(b.raw, skipSpace(b.raw, 0), model, b.flags)
}

func inspect(body []byte) (ChatRequest, error) {
	var req ChatRequest
	if !json.Valid(body) {
		msg := "The request body is not valid JSON."
		var syntaxErr *json.SyntaxError
		if err := json.Unmarshal(body, new(json.RawMessage)); errors.As(err, &syntaxErr) {
			msg = fmt.Sprintf("The request body is not valid JSON: %s (at byte %d).", syntaxErr.Error(), syntaxErr.Offset)
		}
		return req, &RequestError{Code: CodeInvalidJSON, Message: msg}
	}
	open := skipSpace(body, 0)
	if kindOf(body[open:]) != kindObject {
		return req, &RequestError{Code: CodeInvalidType, Message: "The request body must be a JSON object."}
	}
	return inspectFields(body, open)
}

// inspectFields is inspect for a valid JSON object whose opening brace is at
// body[open].
func inspectFields(body []byte, open int) (ChatRequest, error) {
	var req ChatRequest
	var removed []string
	sawMessages, hadTools := false, false
	it := newObjectIter(body, open)
	for m, ok := it.next(); ok; m, ok = it.next() {
		v := body[m.valueStart:m.valueEnd]
		kind := kindOf(v)
		var err *RequestError
		switch {
		case keyIs(m.key, "messages"):
			sawMessages = true
			err = inspectMessages(body, m.valueStart, &req)
		case keyIs(m.key, "model"):
			switch kind {
			case kindString:
				req.Model, _ = unquote(v) // json.Valid has vouched for the escapes
				if strings.HasSuffix(req.Model, onlineSuffix) {
					removed = append(removed, "model suffix "+onlineSuffix)
				}
			case kindNull:
			default:
				err = typeError("model", "a string")
			}
		case keyIs(m.key, "stream"):
			switch kind {
			case kindBool:
				req.Stream = v[0] == 't'
			case kindNull:
			default:
				err = typeError("stream", "a boolean")
			}
		case keyIs(m.key, "functions"):
			switch kind {
			case kindArray:
				req.Tools = req.Tools || !isEmptyValue(v)
			case kindNull:
			default:
				err = typeError(string(m.key), "an array")
			}
		case keyIs(m.key, "tools"):
			switch kind {
			case kindArray:
				hadTools = hadTools || !isEmptyValue(v)
				removed = appendRemovedEntries(removed, body, m.valueStart, "tools", "type", keepTool)
				req.Tools = req.Tools || keptAny(body, m.valueStart, keepTool)
			case kindNull:
			default:
				err = typeError(string(m.key), "an array")
			}
		case keyIs(m.key, "max_tokens"), keyIs(m.key, "max_completion_tokens"):
			if kind != kindNull && !isNonNegativeInteger(v) {
				err = typeError(string(m.key), "a non-negative integer")
			}
		case keyIs(m.key, "temperature"), keyIs(m.key, "top_p"):
			if kind != kindNull && kind != kindNumber {
				err = typeError(string(m.key), "a number")
			}
		case keyIs(m.key, "plugins"):
			if kind == kindArray {
				removed = appendRemovedEntries(removed, body, m.valueStart, "plugins", "id", keepPlugin)
			} else if kind != kindNull {
				removed = append(removed, "plugins")
			}
		case keyIs(m.key, "provider"):
			if kind == kindObject {
				removed = appendRemovedProviderKeys(removed, body, m.valueStart)
			} else if kind != kindNull {
				removed = append(removed, "provider")
			}
		case ruleFor(m.key) == fieldDrop:
			removed = append(removed, string(m.key))
		case keyIs(m.key, "include_reasoning"):
			if kind == kindBool {
				req.WantsReasoning = v[0] == 't'
			}
		case keyIs(m.key, "reasoning"):
			if kind == kindObject {
				req.WantsReasoning = reasoningShown(body, m.valueStart)
			}
		}
		if err != nil {
			return ChatRequest{}, err
		}
	}
	if hadTools && !req.Tools {
		removed = append(removed, "tool_choice", "parallel_tool_calls")
	}
	req.Removed = strings.Join(removed, ", ")
	if !sawMessages {
		return ChatRequest{}, &RequestError{
			Param:   "messages",
			Code:    CodeMissingParameter,
			Message: "Missing required parameter: 'messages'.",
		}
	}
	return req, nil
}

// inspectMessages checks the messages array starting at body[start] and
// records image parts in req.
func inspectMessages(body []byte, start int, req *ChatRequest) *RequestError {
	if kindOf(body[start:]) != kindArray {
		return typeError("messages", "an array of message objects")
	}
	n := 0
	arr := newArrayIter(body, start)
	for s, e, ok := arr.next(); ok; s, e, ok = arr.next() {
		if kindOf(body[s:e]) != kindObject {
			return typeError(indexParam("messages", n, ""), "an object")
		}
		hasRole := false
		msg := newObjectIter(body, s)
		for m, ok := msg.next(); ok; m, ok = msg.next() {
			v := body[m.valueStart:m.valueEnd]
			switch {
			case keyIs(m.key, "role"):
				if kindOf(v) != kindString {
					return typeError(indexParam("messages", n, ".role"), "a string")
				}
				hasRole = true
			case keyIs(m.key, "content"):
				if kindOf(v) == kindArray && !req.Images && hasPartOfType(body, m.valueStart, imagePartTypes) {
					req.Images = true
				}
			}
		}
		if !hasRole {
			return &RequestError{
				Param:   indexParam("messages", n, ".role"),
				Code:    CodeMissingParameter,
				Message: fmt.Sprintf("Missing required parameter: '%s'.", indexParam("messages", n, ".role")),
			}
		}
		n++
	}
	if n == 0 {
		return &RequestError{
			Param:   "messages",
			Code:    CodeInvalidValue,
			Message: "Invalid value for 'messages': it must contain at least one message.",
		}
	}
	return nil
}

// Content part types that carry an image, and a file.
var (
	imagePartTypes = map[string]bool{"image_url": true, "input_image": true}
	filePartTypes  = map[string]bool{"file": true, "input_file": true}
)

// hasPartOfType reports whether the content parts array at body[start]
// holds a part whose "type" is in types.
func hasPartOfType(body []byte, start int, types map[string]bool) bool {
	parts := newArrayIter(body, start)
	for s, e, ok := parts.next(); ok; s, e, ok = parts.next() {
		if kindOf(body[s:e]) != kindObject {
			continue
		}
		part := newObjectIter(body, s)
		for m, ok := part.next(); ok; m, ok = part.next() {
			if !keyIs(m.key, "type") {
				continue
			}
			if stringIn(m.value(body), types) {
				return true
			}
		}
	}
	return false
}

// appendRemovedEntries appends, for each entry of the array at body[start]
// that keep refuses, its name for the log: e.g. tools[1] (openrouter:web_search),
// with the entry's label member when it is a string.
func appendRemovedEntries(removed []string, body []byte, start int, field, label string, keep func(body []byte, start, end int) bool) []string {
	n := 0
	arr := newArrayIter(body, start)
	for s, e, ok := arr.next(); ok; s, e, ok = arr.next() {
		if !keep(body, s, e) {
			name := indexParam(field, n, "")
			if text := memberText(body, s, e, label); text != "" {
				name += " (" + text + ")"
			}
			removed = append(removed, name)
		}
		n++
	}
	return removed
}

// keptAny reports whether keep accepts an entry of the array at body[start].
func keptAny(body []byte, start int, keep func(body []byte, start, end int) bool) bool {
	arr := newArrayIter(body, start)
	for s, e, ok := arr.next(); ok; s, e, ok = arr.next() {
		if keep(body, s, e) {
			return true
		}
	}
	return false
}

// appendRemovedProviderKeys appends provider.<key> for each key of the
// provider object at body[start] that the rewrite leaves out.
func appendRemovedProviderKeys(removed []string, body []byte, start int) []string {
	obj := newObjectIter(body, start)
	for m, ok := obj.next(); ok; m, ok = obj.next() {
		if key, ok := keyText(m.key); !ok || !providerKeys[key] {
			removed = append(removed, "provider."+string(m.key))
		}
	}
	return removed
}

// memberText is the string value of the member name of the object
// body[start:end], or "" when there is none.
func memberText(body []byte, start, end int, name string) string {
	if kindOf(body[start:end]) != kindObject {
		return ""
	}
	obj := newObjectIter(body, start)
	for m, ok := obj.next(); ok; m, ok = obj.next() {
		if keyIs(m.key, name) {
			text, _ := unquote(m.value(body))
			return text
		}
	}
	return ""
}

// reasoningShown reports whether a "reasoning" request object asks for the
// reasoning to be returned: it is, unless "exclude": true or "enabled": false.
func reasoningShown(body []byte, start int) bool {
	obj := newObjectIter(body, start)
	for m, ok := obj.next(); ok; m, ok = obj.next() {
		v := string(body[m.valueStart:m.valueEnd])
		if (keyIs(m.key, "exclude") && v == "true") || (keyIs(m.key, "enabled") && v == "false") {
			return false
		}
	}
	return true
}

// isNonNegativeInteger reports whether the JSON number v is a whole number
// >= 0. Exponent forms such as 1e3 are accepted when they denote one.
func isNonNegativeInteger(v []byte) bool {
	if kindOf(v) != kindNumber || v[0] == '-' {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			f, err := strconv.ParseFloat(string(v), 64)
			return err == nil && f >= 0 && f == float64(int64(f))
		}
	}
	return true
}

func indexParam(name string, i int, suffix string) string {
	return name + "[" + strconv.Itoa(i) + "]" + suffix
}
