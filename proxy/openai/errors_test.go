package openai

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestErrorType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		want   string
	}{
		{400, "invalid_request_error"},
		{401, "authentication_error"},
		{403, "permission_error"},
		{404, "not_found_error"},
		{405, "invalid_request_error"},
		{413, "invalid_request_error"},
		{415, "invalid_request_error"},
		{422, "invalid_request_error"},
		{429, "rate_limit_error"},
		{500, "api_error"},
		{502, "api_error"},
		{503, "api_error"},
		{504, "api_error"},
	}
	for _, tt := range tests {
		if got := ErrorType(tt.status); got != tt.want {
			t.Errorf("ErrorType(%d) = %q, want %q", tt.status, got, tt.want)
		}
	}
}

func TestWriteError_OpenAIEnvelope(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteError(rec, http.StatusTooManyRequests, "daily_limit", `free "daily" cap reached`)

	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("status = %d, want 429", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, rec.Body)
	}
	e := raw["error"]
	if e["message"] != `free "daily" cap reached` || e["type"] != "rate_limit_error" || e["code"] != "daily_limit" {
		t.Errorf("error body = %v", e)
	}
	if v, ok := e["param"]; !ok || v != nil {
		t.Errorf("param = %v (present %v), want null", v, ok)
	}
}

func TestErrorJSON_EmptyCodeIsNull(t *testing.T) {
	t.Parallel()
	var resp ErrorResponse
	if err := json.Unmarshal(ErrorJSON(502, "", "upstream down"), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Error.Code != nil || resp.Error.Type != "api_error" || resp.Error.Message != "upstream down" {
		t.Errorf("got %+v", resp.Error)
	}
}
