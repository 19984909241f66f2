package openai

import "bytes"

// The request fields Freelane forwards to OpenRouter: an allow-list, because
// OpenRouter keeps adding features billed to credits even on a free model
// (server tools, plugins, presets). A top-level field not listed here is
// removed: Freelane cannot know that a field it has never heard of is free.
// Each entry notes what the field costs on a ":free" model; "free" means it
// changes at most how many free tokens a call uses.

// fieldRule is what the rewrite does with one top-level request field.
type fieldRule uint8

const (
	fieldDrop     fieldRule = iota // removed: it may bill or pick a model, or is unknown
	fieldKeep                      // forwarded byte for byte
	fieldModel                     // replaced by the free model Freelane chose
	fieldTools                     // forwarded minus the entries that are not plain function tools
	fieldPlugins                   // forwarded minus the plugins that are not known to be free
	fieldProvider                  // forwarded minus the keys that steer routing
)

var requestFields = map[string]fieldRule{
	// OpenAI Chat Completions.
	"messages":              fieldKeep,  // free (file parts: see the README's Security section)
	"model":                 fieldModel, // picks the model, hence billing: always set by Freelane
	"stream":                fieldKeep,  // free
	"stream_options":        fieldKeep,  // free (usage is always returned)
	"max_tokens":            fieldKeep,  // free
	"max_completion_tokens": fieldKeep,  // free
	"temperature":           fieldKeep,  // free
	"top_p":                 fieldKeep,  // free
	"frequency_penalty":     fieldKeep,  // free
	"presence_penalty":      fieldKeep,  // free
	"stop":                  fieldKeep,  // free
	"seed":                  fieldKeep,  // free
	"n":                     fieldKeep,  // free (more free tokens)
	"logit_bias":            fieldKeep,  // free
	"logprobs":              fieldKeep,  // free
	"top_logprobs":          fieldKeep,  // free
	"response_format":       fieldKeep,  // free
	"tools":                 fieldTools, // function tools free; "openrouter:*" server tools (web_search, advisor...) bill
	"tool_choice":           fieldKeep,  // free
	"parallel_tool_calls":   fieldKeep,  // free
	"functions":             fieldKeep,  // legacy function tools, free
	"function_call":         fieldKeep,  // free
	"reasoning_effort":      fieldKeep,  // free (reasoning tokens are output tokens)
	"verbosity":             fieldKeep,  // free
	"prediction":            fieldKeep,  // free
	"user":                  fieldKeep,  // a label, free
	"metadata":              fieldKeep,  // labels, free
	"prompt_cache_key":      fieldKeep,  // free
	"safety_identifier":     fieldKeep,  // a label, free
	// Dropped on purpose: "modalities" and "audio" (image and audio output
	// have their own prices), "service_tier" (a pricier tier), "store".

	// OpenRouter's documented free parameters.
	"top_k":              fieldKeep,     // free
	"min_p":              fieldKeep,     // free
	"top_a":              fieldKeep,     // free
	"repetition_penalty": fieldKeep,     // free
	"structured_outputs": fieldKeep,     // free
	"reasoning":          fieldKeep,     // free (reasoning tokens are output tokens)
	"include_reasoning":  fieldKeep,     // legacy form of reasoning, free
	"usage":              fieldKeep,     // deprecated, no effect
	"transforms":         fieldKeep,     // legacy middle-out compression, free
	"session_id":         fieldKeep,     // sticky routing among the model's own endpoints, free
	"plugins":            fieldPlugins,  // see freePlugins
	"provider":           fieldProvider, // see providerKeys
	// Dropped on purpose: "models" and "route" (fallback to other, paid,
	// models), "preset" (a saved preset brings back models, plugins and
	// server tools), "web_search_options" (web search bills per call),
	// "debug" and "trace" (not needed, and unknown to billing notes).
}

// freePlugins are the OpenRouter plugins known not to bill. The others do or
// may: "web" and "web-fetch" (per search or fetch), "file-parser" with the
// "mistral-ocr" engine (per page; it is also the fallback engine when none
// is named), and the routers "auto-router", "auto-beta-router",
// "pareto-router" and "fusion", which pick the model, paid ones included.
// "file-parser" is kept only with the free "pdf-text" engine (see keepPlugin).
var freePlugins = map[string]bool{
	"response-healing":    true, // repairs malformed JSON answers, free
	"context-compression": true, // middle-out compression, free
}

// providerKeys are the provider preferences kept: they only narrow which of
// the free model's own endpoints may answer. The others ("order", "sort",
// "allow_fallbacks", "preferred_*"...) steer routing, which is Freelane's job,
// and may widen it.
var providerKeys = map[string]bool{
	"data_collection":          true,
	"zdr":                      true,
	"enforce_distillable_text": true,
	"require_parameters":       true,
	"only":                     true,
	"ignore":                   true,
	"quantizations":            true,
	"max_price":                true, // an upper bound; free endpoints are within any bound
}

// toolTypes are the tool entry types kept: the client's own functions.
// OpenRouter's server tools ("openrouter:web_search", "openrouter:advisor",
// which runs any model, paid ones included) run and bill on OpenRouter's side.
var toolTypes = map[string]bool{"function": true, "custom": true}

// ruleFor returns the rule for the raw (still escaped) top-level key.
func ruleFor(rawKey []byte) fieldRule {
	key, ok := keyText(rawKey)
	if !ok {
		return fieldDrop
	}
	return requestFields[key]
}

// keyText is the text of a raw object key, without allocating when the key
// has no escapes.
func keyText(rawKey []byte) (string, bool) {
	for _, c := range rawKey {
		if c == '\\' {
			quoted := make([]byte, 0, len(rawKey)+2)
			quoted = append(append(append(quoted, '"'), rawKey...), '"')
			return unquote(quoted)
		}
	}
	return string(rawKey), true
}

// keepTool reports whether the tools entry body[start:end] is a plain
// function tool, the only kind forwarded.
func keepTool(body []byte, start, end int) bool {
	return kindOf(body[start:end]) == kindObject && memberTextIn(body, start, "type", toolTypes)
}

// keepPlugin reports whether the plugins entry body[start:end] is free: one
// of freePlugins, or "file-parser" whose "pdf" names the "pdf-text" engine.
func keepPlugin(body []byte, start, end int) bool {
	if kindOf(body[start:end]) != kindObject {
		return false
	}
	return memberTextIn(body, start, "id", freePlugins) || isFreeFileParser(body, start, end)
}

// freeFileParser is the plugin entry the rewrite adds for a request with a
// file part and no free file-parser of its own.
const freeFileParser = `{"id":"file-parser","pdf":{"engine":"pdf-text"}}`

// isFreeFileParser reports whether the plugins entry body[start:end] is
// "file-parser" whose "pdf" names the free "pdf-text" engine.
func isFreeFileParser(body []byte, start, end int) bool {
	if kindOf(body[start:end]) != kindObject || !memberTextIn(body, start, "id", fileParser) {
		return false
	}
	engine := false
	obj := newObjectIter(body, start)
	for m, ok := obj.next(); ok; m, ok = obj.next() {
		if keyIs(m.key, "pdf") {
			engine = kindOf(body[m.valueStart:]) == kindObject && memberTextIn(body, m.valueStart, "engine", pdfTextEngine)
		}
	}
	return engine
}

var (
	fileParser    = map[string]bool{"file-parser": true}
	pdfTextEngine = map[string]bool{"pdf-text": true} // the free engine; "native" may fall back to "mistral-ocr"
)

// memberTextIn reports whether the object at body[start] has a member name
// whose string value is in set, and no other member name (a duplicate key
// with another value is read by OpenRouter in ways Freelane cannot know).
func memberTextIn(body []byte, start int, name string, set map[string]bool) bool {
	found := false
	obj := newObjectIter(body, start)
	for m, ok := obj.next(); ok; m, ok = obj.next() {
		if !keyIs(m.key, name) {
			continue
		}
		if !stringIn(m.value(body), set) {
			return false
		}
		found = true
	}
	return found
}

// stringIn reports whether the JSON string v has a text in set, without
// allocating unless v contains escapes.
func stringIn(v []byte, set map[string]bool) bool {
	if kindOf(v) != kindString || len(v) < 2 {
		return false
	}
	if inner := v[1 : len(v)-1]; bytes.IndexByte(inner, '\\') < 0 {
		return set[string(inner)] // compiled to a lookup without a copy
	}
	text, ok := unquote(v)
	return ok && set[text]
}
