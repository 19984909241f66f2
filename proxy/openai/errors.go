package openai

import (
	"encoding/json"
	"net/http"
)

// ErrorBody is the inner object of an OpenAI error response.
type ErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	// Code is a string such as "model_not_found", a number, or nil.
	Code any `json:"code"`
}

// ErrorResponse is the OpenAI error envelope: {"error": {...}}.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorType returns the OpenAI error type that SDKs expect for an HTTP status.
func ErrorType(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status >= 500:
		return "api_error"
	case status >= 400:
		// 400, 405, 413, 415, 422 and any other client error.
		return "invalid_request_error"
	default:
		return "api_error"
	}
}

// ErrorJSON returns the OpenAI error envelope for status as JSON. It is the
// body WriteError sends, and the payload of an SSE error event once a stream
// has started. An empty code is encoded as null.
func ErrorJSON(status int, code, message string) []byte {
	resp := ErrorResponse{Error: ErrorBody{Message: message, Type: ErrorType(status)}}
	if code != "" {
		resp.Error.Code = code
	}
	out, err := json.Marshal(resp)
	if err != nil {
		// Marshalling strings cannot fail; keep a valid body regardless.
		return []byte(`{"error":{"message":"internal error","type":"api_error","param":null,"code":null}}`)
	}
	return out
}

// WriteError writes an OpenAI error response with the given status.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	body := ErrorJSON(status, code, message)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(status)
	body = append(body, '\n')
	_, _ = w.Write(body) // the client has gone if this fails; nothing left to tell it
}
