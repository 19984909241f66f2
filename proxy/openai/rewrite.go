package openai

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// errNotObject is returned for bodies that are not a JSON object.
var errNotObject = errors.New("request body is not a JSON object")

// RewriteForUpstream returns a copy of the chat request body with the
// top-level "model" set to model (replaced, or added when absent) and only
// the fields of the allow-list in fields.go: every other top-level field is
// removed, and so are the entries of "tools", "plugins" and "provider" that
// may bill or pick a model. When no tool is left, "tool_choice" and
// "parallel_tool_calls" go too. Every byte kept, whitespace included, is as
// sent. Only top-level keys and those three fields are touched.
func RewriteForUpstream(body []byte, model string) ([]byte, error) {
	if !json.Valid(body) {
		return nil, errors.New("rewriting request body: not valid JSON")
	}
	open := skipSpace(body, 0)
	if kindOf(body[open:]) != kindObject {
		return nil, errNotObject
	}
	return rewriteObject(body, open, model, flagsOf(body, open)), nil
}

// rewriteObject does the rewrite of RewriteForUpstream on a valid JSON
// object whose opening brace is at body[open], with what inspection learned.
func rewriteObject(body []byte, open int, model string, flags rewriteFlags) []byte {
	// Removals only shrink the body, so this bound makes the output buffer
	// the single allocation.
	out := make([]byte, 0, len(body)+len(`,"model":`)+len(model)*6+2+len(`,"plugins":[]`)+len(freeFileParser))
	out = append(out, body[:open+1]...)

	w := newListWriter(body, open)
	sawModel, addFileParser := false, flags.addFileParser
	it := newObjectIter(body, open)
	for m, ok := it.next(); ok; m, ok = it.next() {
		rule := ruleFor(m.key)
		kind := kindOf(body[m.valueStart:m.valueEnd])
		if flags.toolsEmptied && (rule == fieldTools || keyIs(m.key, "tool_choice") || keyIs(m.key, "parallel_tool_calls")) {
			rule = fieldDrop
		}
		switch {
		case rule == fieldModel:
			sawModel = true
			out = w.before(out, m.keyStart)
			out = append(out, body[m.keyStart:m.valueStart]...)
			out = appendJSONString(out, model)
			out = w.after(out, m.valueEnd)
		case rule == fieldKeep, rule == fieldTools && kind != kindArray:
			out = w.keep(out, m.keyStart, m.valueEnd)
		case rule == fieldTools, rule == fieldPlugins && kind == kindArray:
			keepEntry := keepTool
			if rule == fieldPlugins {
				keepEntry = keepPlugin
			}
			add := ""
			if rule == fieldPlugins && addFileParser {
				add, addFileParser = freeFileParser, false
			}
			out = w.before(out, m.keyStart)
			out = append(out, body[m.keyStart:m.valueStart]...)
			out = appendKeptEntries(out, body, m.valueStart, keepEntry, add)
			out = w.after(out, m.valueEnd)
		case rule == fieldProvider && kind == kindObject:
			out = w.before(out, m.keyStart)
			out = append(out, body[m.keyStart:m.valueStart]...)
			out = appendProviderKeys(out, body, m.valueStart)
			out = w.after(out, m.valueEnd)
		default:
			w.skip(m.keyStart)
		}
	}
	if !sawModel {
		out = w.appendNew(out)
		out = appendJSONString(append(out, `"model":`...), model)
	}
	if addFileParser {
		out = w.appendNew(out)
		out = append(append(append(out, `"plugins":[`...), freeFileParser...), ']')
	}
	out = w.finish(out, it.close)
	return append(out, body[it.close+1:]...)
}

// appendKeptEntries appends the array at body[start] minus the entries
// keep refuses, plus the entry add when it is not empty.
func appendKeptEntries(out, body []byte, start int, keep func(body []byte, start, end int) bool, add string) []byte {
	out = append(out, '[')
	w := newListWriter(body, start)
	arr := newArrayIter(body, start)
	for s, e, ok := arr.next(); ok; s, e, ok = arr.next() {
		if keep(body, s, e) {
			out = w.keep(out, s, e)
		} else {
			w.skip(s)
		}
	}
	if add != "" {
		out = append(w.appendNew(out), add...)
	}
	return w.finish(out, arr.close)
}

// appendProviderKeys appends the provider object at body[start] with only
// the keys of providerKeys.
func appendProviderKeys(out, body []byte, start int) []byte {
	out = append(out, '{')
	w := newListWriter(body, start)
	obj := newObjectIter(body, start)
	for m, ok := obj.next(); ok; m, ok = obj.next() {
		if key, ok := keyText(m.key); ok && providerKeys[key] {
			out = w.keep(out, m.keyStart, m.valueEnd)
		} else {
			w.skip(m.keyStart)
		}
	}
	return w.finish(out, obj.close)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(out []byte, s string) []byte {
	// json.Marshal escapes <, > and & as well, which is valid but not needed;
	// strconv.Quote is not JSON (it emits \x and \U escapes). Encode by hand.
	const hex = "0123456789abcdef"
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD") // as encoding/json does
	}
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20:
			out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}

// listWriter copies the elements of a JSON object or array while dropping
// some of them, keeping the original separators and whitespace around the
// elements that stay.
type listWriter struct {
	body       []byte
	open       int  // index of the opening bracket
	firstStart int  // start of the first element, -1 before any
	keptEnd    int  // end of the last element written
	wroteAny   bool // an element has been written
	lastKept   bool // the last element visited was written
	sepEnd     int  // where the separator after the last written element ends; -1 while unknown
}

func newListWriter(body []byte, open int) listWriter {
	return listWriter{body: body, open: open, firstStart: -1, sepEnd: -1}
}

// visit records that an element starting at start follows the previous one.
func (w *listWriter) visit(start int) {
	if w.firstStart < 0 {
		w.firstStart = start
	}
	if w.lastKept {
		w.sepEnd = start
	}
}

// keep writes the element body[start:end] unchanged.
func (w *listWriter) keep(out []byte, start, end int) []byte {
	out = w.before(out, start)
	out = append(out, w.body[start:end]...)
	return w.after(out, end)
}

// before writes what precedes a kept element that starts at start: the
// whitespace after the opening bracket for the first one, else the separator
// that followed the previous kept element.
func (w *listWriter) before(out []byte, start int) []byte {
	w.visit(start)
	if !w.wroteAny {
		return append(out, w.body[w.open+1:w.firstStart]...)
	}
	return append(out, w.body[w.keptEnd:w.sepEnd]...)
}

// after records that a kept element ending at end has been written.
func (w *listWriter) after(out []byte, end int) []byte {
	w.wroteAny, w.lastKept, w.sepEnd = true, true, -1
	w.keptEnd = end
	return out
}

// skip drops the element that starts at start.
func (w *listWriter) skip(start int) {
	w.visit(start)
	w.lastKept = false
}

// appendNew writes a comma if needed before an element that was not in the
// original list; the caller then writes the element itself.
func (w *listWriter) appendNew(out []byte) []byte {
	if w.wroteAny {
		out = append(out, ',')
	}
	w.wroteAny, w.lastKept = true, false
	return out
}

// finish writes the whitespace before the closing bracket at body[close] and the bracket.
func (w *listWriter) finish(out []byte, close int) []byte {
	from := close
	for from > w.open+1 {
		switch w.body[from-1] {
		case ' ', '\t', '\n', '\r':
			from--
			continue
		}
		break
	}
	return append(out, w.body[from:close+1]...)
}
