package capture

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

const redacted = "[redacted]"

// sensitiveHeaders are client headers whose values are credentials, in
// lower case.
var sensitiveHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"set-cookie":          true,
	"x-api-key":           true,
	"api-key":             true,
}

// minSecretLen keeps a very short configured secret from blanking out
// unrelated text that happens to contain it.
const minSecretLen = 6

var (
	// bearerPattern matches an Authorization-style credential wherever it
	// appears, e.g. echoed inside an upstream error message.
	bearerPattern = regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+`)
	// openRouterKeyPattern matches OpenRouter API keys, configured or not.
	openRouterKeyPattern = regexp.MustCompile(`sk-or-[A-Za-z0-9_-]+`)
)

// redactHeaders returns a copy of headers with credential values replaced.
func redactHeaders(headers map[string]string) map[string]string {
	if len(headers) == 0 {
		return nil
	}
	out := make(map[string]string, len(headers))
	for name, value := range headers {
		if sensitiveHeaders[strings.ToLower(name)] {
			value = redacted
		}
		out[name] = value
	}
	return out
}

// redactJSON scrubs an encoded record. It works on the serialized bytes so
// that no field, present or future, can carry a secret past it. Secrets are
// matched in their JSON-escaped form, which is how they appear inside the
// encoded strings; the replacement contains no JSON metacharacters, so the
// document stays valid.
func redactJSON(data []byte, secrets []string) []byte {
	for _, secret := range secrets {
		if len(secret) < minSecretLen {
			continue
		}
		// Bodies are kept as received, so a secret may also appear in the
		// HTML-safe form encoding/json produces by default (\u003c for <).
		for _, escapeHTML := range []bool{false, true} {
			if escaped := jsonEscaped(secret, escapeHTML); bytes.Contains(data, escaped) {
				data = bytes.ReplaceAll(data, escaped, []byte(redacted))
			}
		}
	}
	// The patterns are slow next to a plain scan and rarely match, so they
	// only run when their fixed part is present.
	if containsFold(data, "bearer") {
		data = bearerPattern.ReplaceAll(data, []byte("Bearer "+redacted))
	}
	if bytes.Contains(data, []byte("sk-or-")) {
		data = openRouterKeyPattern.ReplaceAll(data, []byte(redacted))
	}
	return data
}

// containsFold reports whether data contains the lower-case ASCII word,
// ignoring ASCII case.
func containsFold(data []byte, word string) bool {
	for i := 0; i+len(word) <= len(data); i++ {
		if data[i]|0x20 == word[0] && bytes.EqualFold(data[i:i+len(word)], []byte(word)) {
			return true
		}
	}
	return false
}

// jsonEscaped returns s as it appears between the quotes of a JSON string.
func jsonEscaped(s string, escapeHTML bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return out[1 : len(out)-1]
}
