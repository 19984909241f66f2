package upstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/freelane/freelane/proxy/internal/truncate"
)

// Kind is the class of an upstream failure; each class calls for a different
// reaction (see the package documentation).
type Kind int

// The kinds of upstream failure.
const (
	KindModelBusy      Kind = iota // provider rate limit, overload, 5xx, 408, error inside a 200
	KindDailyCap                   // free-models-per-day: account-wide, until ResetAt
	KindMinuteCap                  // free-models-per-min: account-wide, about a minute
	KindModelGone                  // no endpoints, free variant ended, unknown model
	KindTimeout                    // no answer in time
	KindNetwork                    // the connection to OpenRouter broke (see KindUnreachable)
	KindAuth                       // 401: missing, invalid or disabled key
	KindPayment                    // 402: negative balance or credits needed
	KindForbidden                  // 403: moderation, guardrail, region
	KindInvalidRequest             // 400/413/422: the request itself is wrong
	// KindUnreachable: Freelane could not connect to OpenRouter at all
	// (refused, no route, name not resolved, dial timed out, HTTPS_PROXY
	// down). No model is at fault, and every other one would fail the same.
	KindUnreachable
)

var kindNames = [...]string{
	KindModelBusy:      "model_busy",
	KindDailyCap:       "daily_cap",
	KindMinuteCap:      "minute_cap",
	KindModelGone:      "model_gone",
	KindTimeout:        "timeout",
	KindNetwork:        "network",
	KindAuth:           "auth",
	KindPayment:        "payment",
	KindForbidden:      "forbidden",
	KindInvalidRequest: "invalid_request",
	KindUnreachable:    "unreachable",
}

// String returns a stable snake_case name, used in logs and captures.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// TryAnotherModel reports whether another free model may well succeed where
// this one failed.
func (k Kind) TryAnotherModel() bool {
	switch k {
	case KindModelBusy, KindModelGone, KindTimeout, KindNetwork:
		return true
	}
	return false
}

// Error is a classified upstream failure.
type Error struct {
	Status     int           // HTTP status of the answer (or the one to report, for transport failures)
	Kind       Kind          // what to do about it
	Message    string        // OpenRouter's message, with the provider's own text when it adds any
	Code       string        // error.code (number or string), else availability code or error_type
	Provider   string        // the provider that failed, when named
	ResetAt    time.Time     // when a rate limit resets (X-RateLimit-Reset); zero when unknown
	RetryAfter time.Duration // from the Retry-After header; zero when absent
	Err        error         // the transport error behind KindTimeout/KindNetwork, if any
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("openrouter %d %s: %s", e.Status, e.Kind, e.Message)
	}
	return fmt.Sprintf("openrouter %s: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// errorObject is the "error" object of an OpenRouter answer. Fields are
// loosely typed because real bodies vary: code may be a number or a string,
// raw may be a string or an object.
type errorObject struct {
	Code       json.RawMessage `json:"code"`
	Message    string          `json:"message"`
	ErrorType  string          `json:"error_type"`
	HTTPStatus int             `json:"http_status"`
	Metadata   struct {
		Headers      map[string]json.RawMessage `json:"headers"`
		LimitSource  string                     `json:"limit_source"`
		ProviderName *string                    `json:"provider_name"`
		Raw          json.RawMessage            `json:"raw"`
		ErrorType    string                     `json:"error_type"`
	} `json:"metadata"`
	Availability *struct {
		Code       string          `json:"code"`
		RetryAfter json.RawMessage `json:"retry_after"`
	} `json:"availability"`
}

// maxMessageBytes bounds a message taken from a non-JSON body (an HTML error
// page, say) so that logs stay readable.
const maxMessageBytes = 300

// ParseError classifies a non-2xx answer from OpenRouter from its status,
// headers and body. It never fails: an unreadable body still yields an
// Error classified by status.
func ParseError(status int, h http.Header, body []byte) *Error {
	var env struct {
		Error *errorObject `json:"error"`
	}
	e := &Error{Status: status}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		fill(e, env.Error)
	} else {
		e.Message = plainMessage(status, body)
	}
	e.Kind = classify(status, e, env.Error)
	if e.ResetAt.IsZero() {
		e.ResetAt = parseReset(h.Get("X-RateLimit-Reset"))
	}
	if ra := parseRetryAfter(h.Get("Retry-After"), time.Now()); ra > 0 {
		e.RetryAfter = ra
	}
	return e
}

// fill copies what an error object says into e.
func fill(e *Error, obj *errorObject) {
	e.Message = obj.Message
	e.Code = codeString(obj.Code)
	if e.Code == "" && obj.Availability != nil {
		e.Code = obj.Availability.Code
	}
	if e.Code == "" {
		e.Code = obj.ErrorType
	}
	if p := obj.Metadata.ProviderName; p != nil {
		e.Provider = *p
	}
	if raw := rawText(obj.Metadata.Raw); raw != "" && raw != obj.Message {
		if e.Message == "" {
			e.Message = raw
		} else {
			e.Message += ": " + raw
		}
	}
	if e.Message == "" {
		e.Message = "OpenRouter returned an error without a message"
	}
	if v, ok := obj.Metadata.Headers["X-RateLimit-Reset"]; ok {
		e.ResetAt = parseReset(jsonScalar(v))
	}
	if e.RetryAfter == 0 && obj.Availability != nil {
		if secs, err := strconv.ParseFloat(jsonScalar(obj.Availability.RetryAfter), 64); err == nil && secs > 0 {
			e.RetryAfter = time.Duration(secs * float64(time.Second))
		}
	}
}

// classify decides the Kind. The order matters: the account-wide caps are
// recognised by their message whatever the status, because switching models
// cannot help with them and would only spend more of the quota.
func classify(status int, e *Error, obj *errorObject) Kind {
	var limitSource, availability string
	providerNamed := e.Provider != ""
	if obj != nil {
		limitSource = obj.Metadata.LimitSource
		if obj.Availability != nil {
			availability = obj.Availability.Code
		}
		if status == 0 || status == http.StatusOK {
			status = obj.HTTPStatus
		}
	}
	msg := strings.ToLower(e.Message)
	switch {
	case limitSource == "openrouter_free_tier_daily" || strings.Contains(msg, "free-models-per-day"):
		return KindDailyCap
	case strings.Contains(msg, "free-models-per-min"):
		return KindMinuteCap
	}
	switch availability {
	case "model_not_found", "no_endpoints", "model_deprecated", "model_unavailable_upstream",
		"free_variant_ended", "privacy_restricted", "constraint_filtered":
		return KindModelGone
	case "capacity_exhausted", "temporarily_unavailable":
		return KindModelBusy
	case "region_restricted":
		return KindForbidden
	}
	switch {
	case status == http.StatusNotFound:
		return KindModelGone
	case status == http.StatusUnauthorized:
		return KindAuth
	case status == http.StatusPaymentRequired:
		return KindPayment
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusTooManyRequests:
		if providerNamed || strings.Contains(msg, "rate-limited upstream") || limitSource == "upstream_provider_shared_pool" {
			return KindModelBusy
		}
		// OpenRouter's own limit without a daily marker: the per-minute
		// bucket. Trying another free model would hit the same bucket.
		return KindMinuteCap
	case status == http.StatusBadRequest, status == http.StatusRequestEntityTooLarge, status == http.StatusUnprocessableEntity:
		if strings.Contains(msg, "not a valid model id") || strings.Contains(msg, "no endpoints found") {
			return KindModelGone
		}
		return KindInvalidRequest
	case status == http.StatusRequestTimeout, status >= 500, status == 0, status == http.StatusOK:
		// 408, 5xx (502 model down, 503 no provider, 524 edge timeout,
		// 529 overloaded) and errors inside a 200: this model, right now.
		return KindModelBusy
	case status >= 400:
		return KindInvalidRequest
	}
	return KindModelBusy
}

// BodyError returns the failure carried by a 200 non-streamed chat answer:
// a top-level "error", or a choice that ended in an error (even after
// partial content). It returns nil for a normal answer, without decoding unless the
// body mentions "error".
func BodyError(body []byte) *Error {
	if !bytes.Contains(body, []byte(`"error"`)) {
		return nil
	}
	var resp struct {
		Error    *errorObject `json:"error"`
		Provider string       `json:"provider"`
		Choices  []struct {
			FinishReason string       `json:"finish_reason"`
			Error        *errorObject `json:"error"`
			Message      struct {
				Content   json.RawMessage `json:"content"`
				ToolCalls json.RawMessage `json:"tool_calls"`
			} `json:"message"`
		} `json:"choices"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return nil
	}
	if resp.Error != nil {
		return inBandError(resp.Error, resp.Provider)
	}
	if len(resp.Choices) == 0 {
		return nil
	}
	// A choice that ended in an error is a failed answer even with partial
	// content: nothing has reached the client yet, so another model can give
	// a whole one.
	var failure *errorObject
	failed := false
	for _, c := range resp.Choices {
		if c.Error == nil && c.FinishReason != "error" {
			continue
		}
		failed = true
		if failure == nil && c.Error != nil {
			failure = c.Error
		}
	}
	if !failed {
		return nil
	}
	if failure == nil {
		failure = &errorObject{Message: "the model ended its answer with an error"}
	}
	return inBandError(failure, resp.Provider)
}

// ChunkError returns the failure carried by one stream chunk (the payload of
// a data: event) with a top-level "error" object, or nil.
func ChunkError(data []byte) *Error {
	if !bytes.Contains(data, []byte(`"error"`)) {
		return nil
	}
	var chunk struct {
		Error    *errorObject `json:"error"`
		Provider string       `json:"provider"`
	}
	if json.Unmarshal(data, &chunk) != nil || chunk.Error == nil {
		return nil
	}
	return inBandError(chunk.Error, chunk.Provider)
}

// inBandError classifies an error that arrived inside a 200 answer. It is
// reported as a 502 (the upstream failed) unless it names a more precise
// status the router reacts to, such as a rate limit.
func inBandError(obj *errorObject, provider string) *Error {
	e := &Error{Status: http.StatusOK}
	fill(e, obj)
	if e.Provider == "" {
		e.Provider = provider
	}
	e.Kind = classify(http.StatusOK, e, obj)
	e.Status = http.StatusBadGateway
	switch e.Kind {
	case KindDailyCap, KindMinuteCap:
		e.Status = http.StatusTooManyRequests
	}
	return e
}

// codeString renders error.code, which may be a number or a string.
func codeString(raw json.RawMessage) string {
	return jsonScalar(raw)
}

// jsonScalar renders a JSON string or number as text; other values give "".
func jsonScalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw)
	}
	return ""
}

// rawText renders metadata.raw: a string as is, an object as compact JSON.
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		return jsonScalar(raw)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return ""
	}
	return shorten(buf.String(), maxMessageBytes)
}

func isEmptyJSON(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "", "null", `""`, "[]":
		return true
	}
	return false
}

// plainMessage makes a message from a body that is not an OpenRouter error.
func plainMessage(status int, body []byte) string {
	text := strings.Join(strings.Fields(string(body)), " ")
	if text == "" || !utf8.ValidString(text) {
		if t := http.StatusText(status); t != "" {
			return t
		}
		return "HTTP " + strconv.Itoa(status)
	}
	return shorten(text, maxMessageBytes)
}

// shorten cuts s to n bytes on a rune boundary and marks the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return truncate.UTF8(s, n) + "…"
}

// parseReset reads X-RateLimit-Reset. OpenRouter sends epoch milliseconds;
// a value too small to be milliseconds is taken as seconds.
func parseReset(v string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	if n < 1e11 { // before 1973 in ms: must be seconds
		return time.Unix(n, 0).UTC()
	}
	return time.UnixMilli(n).UTC()
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
