package openai

import (
	"bytes"
	"encoding/json"
)

// This file holds a minimal in-place JSON scanner. Callers check the whole
// document with json.Valid first, so the scanner only has to find where
// values start and end; it still never indexes past the input, so a caller
// mistake degrades to "not found" rather than a panic.

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string whose opening quote is at b[i].
func stringEnd(b []byte, i int) int {
	i++
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			n++
		}
		i++
		if n%2 == 0 {
			return i
		}
	}
}

// valueEnd returns the index just past the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// member is one "key": value pair of an object, as offsets into the document.
type member struct {
	keyStart   int // the key's opening quote
	key        []byte
	valueStart int
	valueEnd   int
}

// objectIter walks the members of an object in place.
type objectIter struct {
	b     []byte
	i     int
	close int // index of the closing brace once the walk has ended
}

// newObjectIter starts a walk of the object whose '{' is at b[open].
func newObjectIter(b []byte, open int) objectIter {
	return objectIter{b: b, i: open + 1, close: -1}
}

// next returns the next member, or false at the end of the object.
func (it *objectIter) next() (member, bool) {
	b := it.b
	i := skipSpace(b, it.i)
	if i < len(b) && b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	if i >= len(b) || b[i] != '"' {
		it.close = min(i, len(b)-1)
		it.i = len(b)
		return member{}, false
	}
	m := member{keyStart: i}
	ke := stringEnd(b, i)
	m.key = b[i+1 : max(i+1, ke-1)]
	i = skipSpace(b, ke)
	if i < len(b) && b[i] == ':' {
		i++
	}
	m.valueStart = skipSpace(b, i)
	m.valueEnd = valueEnd(b, m.valueStart)
	it.i = m.valueEnd
	return m, true
}

// arrayIter walks the elements of an array in place.
type arrayIter struct {
	b     []byte
	i     int
	close int
}

// newArrayIter starts a walk of the array whose '[' is at b[open].
func newArrayIter(b []byte, open int) arrayIter {
	return arrayIter{b: b, i: open + 1, close: -1}
}

// next returns the start and end of the next element, or false at the end.
func (it *arrayIter) next() (start, end int, ok bool) {
	b := it.b
	i := skipSpace(b, it.i)
	if i < len(b) && b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	if i >= len(b) || b[i] == ']' {
		it.close = min(i, len(b)-1)
		it.i = len(b)
		return 0, 0, false
	}
	end = valueEnd(b, i)
	it.i = end
	return i, end, true
}

// keyIs reports whether a raw (still escaped) object key equals name.
func keyIs(raw []byte, name string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == name // compiled to a comparison, no allocation
	}
	var s string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	return json.Unmarshal(quoted, &s) == nil && s == name
}

// valueKind is the JSON type of a value, read from its first byte.
type valueKind byte

const (
	kindInvalid valueKind = iota
	kindObject
	kindArray
	kindString
	kindNumber
	kindBool
	kindNull
)

func kindOf(v []byte) valueKind {
	if len(v) == 0 {
		return kindInvalid
	}
	switch v[0] {
	case '{':
		return kindObject
	case '[':
		return kindArray
	case '"':
		return kindString
	case 't', 'f':
		return kindBool
	case 'n':
		return kindNull
	default:
		return kindNumber
	}
}

// isEmptyValue reports whether v is null, "", [] or {} (whitespace allowed inside).
func isEmptyValue(v []byte) bool {
	switch kindOf(v) {
	case kindNull:
		return true
	case kindString:
		return len(v) == 2
	case kindArray, kindObject:
		return skipSpace(v, 1) == len(v)-1
	default:
		return false
	}
}

// isNonEmptyString reports whether v is a JSON string with at least one character.
func isNonEmptyString(v []byte) bool {
	return kindOf(v) == kindString && len(v) > 2
}

// hasNonEmptyStringField reports, without decoding, whether doc contains
// "name": "<something>" anywhere. It is the fast path that lets documents
// without the field skip all further work.
func hasNonEmptyStringField(doc []byte, quotedName string) bool {
	for i := 0; ; {
		j := bytes.Index(doc[i:], []byte(quotedName))
		if j < 0 {
			return false
		}
		i += j + len(quotedName)
		k := skipSpace(doc, i)
		if k < len(doc) && doc[k] == ':' {
			k = skipSpace(doc, k+1)
			if k+1 < len(doc) && doc[k] == '"' && doc[k+1] != '"' {
				return true
			}
		}
	}
}

// edit replaces doc[start:end] with text; start == end inserts.
type edit struct {
	start, end int
	text       []byte
}

// applyEdits returns doc with the edits applied. Edits must be sorted by
// start and must not overlap.
func applyEdits(doc []byte, edits []edit) []byte {
	n := len(doc)
	for _, e := range edits {
		n += len(e.text) - (e.end - e.start)
	}
	out := make([]byte, 0, n)
	prev := 0
	for _, e := range edits {
		out = append(out, doc[prev:e.start]...)
		out = append(out, e.text...)
		prev = e.end
	}
	return append(out, doc[prev:]...)
}

// unquote returns the text of the JSON string v. Strings without escapes,
// the common case, cost one allocation for the result and no decoding.
func unquote(v []byte) (string, bool) {
	if kindOf(v) != kindString || len(v) < 2 {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// stringIs reports whether the JSON string v has the text s, without allocating
// unless v contains escapes.
func stringIs(v []byte, s string) bool {
	if kindOf(v) != kindString || len(v) < 2 {
		return false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner) == s
	}
	text, ok := unquote(v)
	return ok && text == s
}
