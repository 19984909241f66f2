package anthropic

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/freelane/freelane/proxy/translate"
)

// StatusOverloaded is Anthropic's status for overloaded_error: the SDKs and
// Claude Code retry it with backoff.
const StatusOverloaded = 529

// ErrorInfo is an error answer in Anthropic's terms.
type ErrorInfo struct {
	Status  int
	Type    string // invalid_request_error, authentication_error, ...
	Message string
	// RetryAfter is passed on as the retry-after header ("" for none).
	RetryAfter string
	// NoRetry sets x-should-retry: false, for waits no client should sleep
	// through (the daily free cap).
	NoRetry bool
}

// Error types by status, as the SDKs name them.
func errorType(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusPaymentRequired:
		return "billing_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusRequestTimeout, http.StatusGatewayTimeout:
		return "timeout_error"
	case StatusOverloaded:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

// NewError is the error for status and message, typed as the SDKs expect.
func NewError(status int, message string) ErrorInfo {
	return ErrorInfo{Status: status, Type: errorType(status), Message: message}
}

// FromChat maps the chat path's error onto Anthropic's: 503 (every free
// model busy or resting, Freelane's queue full, no model list yet) becomes
// 529 overloaded_error, which clients retry; the daily free cap stays a 429
// rate_limit_error but tells clients not to wait for it.
func FromChat(e *translate.Error) ErrorInfo {
	status := e.Status
	if status < 400 || status > 599 {
		status = http.StatusBadGateway
	}
	if status == http.StatusServiceUnavailable {
		status = StatusOverloaded
	}
	info := NewError(status, e.Message)
	info.RetryAfter = e.RetryAfter
	if e.Code == "free_daily_limit_reached" {
		info.NoRetry = true
	}
	return info
}

// FromStreamError maps an in-band error event of the chat stream.
func FromStreamError(e *translate.Error) ErrorInfo {
	info := FromChat(e)
	if e.Code == "upstream_timeout" {
		info.Type = "timeout_error"
	}
	return info
}

func (e ErrorInfo) body() map[string]any {
	return map[string]any{"type": "error", "error": map[string]string{"type": e.Type, "message": e.Message}}
}

// JSON is the error envelope {"type":"error","error":{type, message},
// "request_id"}.
func (e ErrorInfo) JSON(requestID string) []byte {
	b := e.body()
	if requestID != "" {
		b["request_id"] = requestID
	}
	out, _ := json.Marshal(b)
	return out
}

// Write sends the error as an HTTP answer with its headers.
func (e ErrorInfo) Write(w http.ResponseWriter, requestID string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	if requestID != "" {
		h.Set("Request-Id", requestID)
	}
	if e.RetryAfter != "" {
		h.Set("Retry-After", e.RetryAfter)
		if secs, err := strconv.Atoi(e.RetryAfter); err == nil {
			h.Set("Retry-After-Ms", strconv.Itoa(secs*1000))
		}
	}
	if e.NoRetry {
		h.Set("X-Should-Retry", "false")
	}
	w.WriteHeader(e.Status)
	_, _ = w.Write(append(e.JSON(requestID), '\n'))
}
