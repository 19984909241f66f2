package dashboard

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/freelane/freelane/assets"
	"github.com/freelane/freelane/proxy/capture"
)

var testNow = time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)

var testWeb = fstest.MapFS{
	"index.html": {Data: []byte(`<!doctype html><link rel="stylesheet" href="/debug/static/app.css"><script src="/debug/static/app.js" defer></script>`)},
	"app.js":     {Data: []byte(`console.log("dashboard")`)},
	"app.css":    {Data: []byte(`body{margin:0}`)},
}

func newTestHandler(t testing.TB, src *fakeSource) http.Handler {
	t.Helper()
	return New(src, Options{
		Logger: slog.New(slog.DiscardHandler),
		Web:    testWeb,
		Now:    func() time.Time { return testNow },
	})
}

func do(t *testing.T, h http.Handler, method, target, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decodeObject(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	var obj map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
		t.Fatalf("decoding %s: %v", rec.Body, err)
	}
	return obj
}

func requireKeys(t *testing.T, where string, obj map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s: missing key %q in %v", where, k, obj)
		}
	}
}

func TestGetEndpoints_Shapes(t *testing.T) {
	h := newTestHandler(t, newFakeSource(testNow))
	tests := []struct {
		target string
		check  func(t *testing.T, obj map[string]any)
	}{
		{"/debug/stats", func(t *testing.T, obj map[string]any) {
			requireKeys(t, "stats", obj, "date", "total", "success", "failed", "timeout", "retry", "last_updated", "history", "models", "quota")
			if got := obj["total"]; got != 37.0 {
				t.Errorf("total = %v, want 37", got)
			}
			history := obj["history"].([]any)
			if len(history) != 30 {
				t.Errorf("history has %d days, want 30", len(history))
			}
			requireKeys(t, "history[0]", history[0].(map[string]any), "date", "total", "success", "failed", "timeout", "retry", "last_updated")
			model := obj["models"].([]any)[0].(map[string]any)
			requireKeys(t, "models[0]", model, "model", "calls", "success", "failed", "timeout", "success_rate", "p50_ms", "p95_ms")
			quota := obj["quota"].(map[string]any)
			requireKeys(t, "quota", quota, "used", "limit", "remaining", "reset_at", "estimated", "source")
			if quota["reset_at"] != "2026-03-11T00:00:00Z" {
				t.Errorf("reset_at = %v, want next 00:00 UTC", quota["reset_at"])
			}
			if quota["source"] != "estimate" || quota["estimated"] != true {
				t.Errorf("quota source/estimated = %v/%v, want estimate/true", quota["source"], quota["estimated"])
			}
		}},
		{"/debug/stats?days=7", func(t *testing.T, obj map[string]any) {
			if n := len(obj["history"].([]any)); n != 7 {
				t.Errorf("history has %d days, want 7", n)
			}
		}},
		{"/debug/concurrency", func(t *testing.T, obj map[string]any) {
			requireKeys(t, "concurrency", obj, "limit", "in_flight", "queued", "recent")
			requireKeys(t, "recent[0]", obj["recent"].([]any)[0].(map[string]any), "time", "model", "outcome", "duration_ms", "attempts", "stream", "status")
		}},
		{"/debug/status", func(t *testing.T, obj map[string]any) {
			requireKeys(t, "status", obj, "version", "running", "debug", "key_present", "key_fingerprint", "listen_addr", "uptime", "catalog", "dumps")
			requireKeys(t, "catalog", obj["catalog"].(map[string]any), "count", "fetched_at", "source")
			requireKeys(t, "dumps", obj["dumps"].(map[string]any), "files", "bytes")
		}},
		{"/debug/models", func(t *testing.T, obj map[string]any) {
			models := obj["models"].([]any)
			if len(models) != 4 {
				t.Fatalf("got %d models, want 4", len(models))
			}
			first := models[0].(map[string]any)
			requireKeys(t, "models[0]", first, "id", "name", "context_length", "tools", "vision", "reasoning", "health", "preferred", "preferred_rank")
			requireKeys(t, "health", first["health"].(map[string]any), "successes", "failures", "success_rate", "latency_ms")
			if _, ok := first["health"].(map[string]any)["cooldown_until"]; ok {
				t.Errorf("cooldown_until present for a model that is not cooling down")
			}
			requireKeys(t, "health", models[1].(map[string]any)["health"].(map[string]any), "cooldown_until", "last_error")
		}},
		{"/debug/requests", func(t *testing.T, obj map[string]any) {
			requireKeys(t, "requests", obj, "debug", "dumps", "requests")
			reqs := obj["requests"].([]any)
			if len(reqs) != 12 {
				t.Errorf("got %d saved calls, want 12", len(reqs))
			}
			requireKeys(t, "requests[0]", reqs[0].(map[string]any), "id", "time", "model", "outcome", "duration_ms", "attempts", "stream", "bytes")
		}},
		{"/debug/requests?limit=3", func(t *testing.T, obj map[string]any) {
			if n := len(obj["requests"].([]any)); n != 3 {
				t.Errorf("got %d saved calls, want 3", n)
			}
		}},
		{"/debug/mode", func(t *testing.T, obj map[string]any) {
			if obj["debug"] != true {
				t.Errorf("debug = %v, want true", obj["debug"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tt.target, "", "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			tt.check(t, decodeObject(t, rec))
		})
	}
}

func TestStats_QuotaFromOpenRouterIsNotEstimated(t *testing.T) {
	src := &quotaSource{fakeSource: newFakeSource(testNow), quota: QuotaView{Used: 12, Limit: 1000, Remaining: 988,
		ResetAt: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), Source: QuotaSourceOpenRouter}}
	h := New(src, Options{Logger: slog.New(slog.DiscardHandler), Web: testWeb})
	var got StatsView
	if err := json.Unmarshal(do(t, h, http.MethodGet, "/debug/stats", "", "").Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Quota != src.quota {
		t.Errorf("quota = %+v, want %+v", got.Quota, src.quota)
	}
}

type quotaSource struct {
	*fakeSource
	quota QuotaView
}

func (q *quotaSource) Stats(days int) StatsView {
	s := q.fakeSource.Stats(days)
	s.Quota = q.quota
	return s
}

func TestPutRoutes(t *testing.T) {
	tests := []struct {
		name        string
		target      string
		contentType string
		body        string
		wantStatus  int
		wantCode    string
		wantMessage string // substring of the error message
		check       func(t *testing.T, src *fakeSource)
	}{
		{name: "mode_off", target: "/debug/mode", contentType: "application/json", body: `{"debug":false}`, wantStatus: 200,
			check: func(t *testing.T, src *fakeSource) {
				if src.Status().Debug {
					t.Error("debug mode still on")
				}
			}},
		{name: "mode_charset_param_ok", target: "/debug/mode", contentType: "application/json; charset=utf-8", body: `{"debug":false}`, wantStatus: 200},
		{name: "mode_form_content_type", target: "/debug/mode", contentType: "application/x-www-form-urlencoded", body: `debug=false`,
			wantStatus: 415, wantCode: "unsupported_media_type", wantMessage: "application/json"},
		{name: "mode_text_plain", target: "/debug/mode", contentType: "text/plain", body: `{"debug":false}`, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "mode_no_content_type", target: "/debug/mode", body: `{"debug":false}`, wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "mode_bad_json", target: "/debug/mode", contentType: "application/json", body: `{"debug":`, wantStatus: 400, wantCode: "invalid_json", wantMessage: "truncated"},
		{name: "mode_syntax_error", target: "/debug/mode", contentType: "application/json", body: `{debug:true}`, wantStatus: 400, wantCode: "invalid_json", wantMessage: "not valid JSON"},
		{name: "mode_wrong_type", target: "/debug/mode", contentType: "application/json", body: `{"debug":"yes"}`, wantStatus: 400, wantCode: "invalid_json", wantMessage: `"debug" must be a boolean`},
		{name: "mode_missing_field", target: "/debug/mode", contentType: "application/json", body: `{}`, wantStatus: 400, wantCode: "missing_field", wantMessage: `"debug" is required`},
		{name: "mode_unknown_field", target: "/debug/mode", contentType: "application/json", body: `{"debug":true,"x":1}`, wantStatus: 400, wantCode: "invalid_json", wantMessage: `unknown field "x"`},
		{name: "mode_two_objects", target: "/debug/mode", contentType: "application/json", body: `{"debug":true}{"debug":false}`, wantStatus: 400, wantCode: "invalid_json", wantMessage: "single JSON object"},
		{name: "mode_empty_body", target: "/debug/mode", contentType: "application/json", body: ``, wantStatus: 400, wantCode: "invalid_json", wantMessage: "empty"},
		{name: "mode_too_large", target: "/debug/mode", contentType: "application/json", body: `{"debug":true,"pad":"` + strings.Repeat("x", maxBodyBytes) + `"}`,
			wantStatus: 413, wantCode: "body_too_large"},
		{name: "preferred_set_in_order_without_duplicates", target: "/debug/models/preferred", contentType: "application/json",
			body: `{"models":["qwen/qwen3-coder:free"," google/gemma-3-27b-it:free","qwen/qwen3-coder:free"]}`, wantStatus: 200,
			check: func(t *testing.T, src *fakeSource) {
				want := []string{"qwen/qwen3-coder:free", "google/gemma-3-27b-it:free"}
				if !slices.Equal(src.preferred, want) {
					t.Errorf("preferred = %q, want %q", src.preferred, want)
				}
			}},
		{name: "preferred_clear", target: "/debug/models/preferred", contentType: "application/json", body: `{"models":[]}`, wantStatus: 200,
			check: func(t *testing.T, src *fakeSource) {
				if len(src.preferred) != 0 {
					t.Errorf("preferred = %q, want none", src.preferred)
				}
			}},
		{name: "preferred_paid_model", target: "/debug/models/preferred", contentType: "application/json", body: `{"models":["openai/gpt-4o"]}`,
			wantStatus: 400, wantCode: "invalid_model", wantMessage: `"openai/gpt-4o" is not in the free catalog`,
			check: func(t *testing.T, src *fakeSource) {
				if !slices.Equal(src.preferred, []string{"deepseek/deepseek-chat-v3.1:free"}) {
					t.Errorf("preferred changed to %q by a rejected request", src.preferred)
				}
			}},
		{name: "preferred_not_array", target: "/debug/models/preferred", contentType: "application/json", body: `{"models":"qwen/qwen3-coder:free"}`,
			wantStatus: 400, wantCode: "invalid_json", wantMessage: `"models" must be an array`},
		{name: "preferred_missing", target: "/debug/models/preferred", contentType: "application/json", body: `{"model":[]}`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "preferred_form", target: "/debug/models/preferred", contentType: "multipart/form-data; boundary=x", body: `--x--`, wantStatus: 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource(testNow)
			rec := do(t, newTestHandler(t, src), http.MethodPut, tt.target, tt.contentType, tt.body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus >= 400 {
				assertErrorEnvelope(t, rec, tt.wantCode, tt.wantMessage)
			}
			if tt.check != nil {
				tt.check(t, src)
			}
		})
	}
}

// PREFERRED_MODELS is a comma list, so an id with a comma (even one the
// catalog lists) would be saved as two ids that match nothing.
func TestPutPreferred_RefusesACommaInAModelID(t *testing.T) {
	src := newFakeSource(testNow)
	odd := "vendor/a,b:free"
	src.extraModels = []ModelView{{ID: odd, Name: "Odd (free)"}}
	rec := do(t, newTestHandler(t, src), http.MethodPut, "/debug/models/preferred", "application/json",
		`{"models":["qwen/qwen3-coder:free","`+odd+`"]}`)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400; body %s", rec.Code, rec.Body)
	}
	assertErrorEnvelope(t, rec, "invalid_model", "comma")
	if !slices.Equal(src.preferred, []string{"deepseek/deepseek-chat-v3.1:free"}) {
		t.Errorf("preferred changed to %q by a rejected request", src.preferred)
	}
}

func assertErrorEnvelope(t *testing.T, rec *httptest.ResponseRecorder, wantCode, wantMessage string) {
	t.Helper()
	var env struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body, err)
	}
	if env.Error.Message == "" || env.Error.Type == "" || env.Error.Code == "" {
		t.Errorf("incomplete error envelope: %s", rec.Body)
	}
	if wantCode != "" && env.Error.Code != wantCode {
		t.Errorf("error code = %q, want %q", env.Error.Code, wantCode)
	}
	if !strings.Contains(env.Error.Message, wantMessage) {
		t.Errorf("error message = %q, want it to contain %q", env.Error.Message, wantMessage)
	}
	wantType := "invalid_request_error"
	switch {
	case rec.Code == http.StatusNotFound:
		wantType = "not_found_error"
	case rec.Code >= 500:
		wantType = "api_error"
	}
	if env.Error.Type != wantType {
		t.Errorf("error type = %q, want %q for status %d", env.Error.Type, wantType, rec.Code)
	}
}

func TestSourceFailures_Answer500(t *testing.T) {
	src := newFakeSource(testNow)
	src.failSet = errors.New("writing .env: permission denied")
	h := newTestHandler(t, src)
	for _, target := range []string{"/debug/mode", "/debug/models/preferred"} {
		body := `{"debug":false}`
		if strings.Contains(target, "preferred") {
			body = `{"models":["qwen/qwen3-coder:free"]}`
		}
		rec := do(t, h, http.MethodPut, target, "application/json", body)
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("PUT %s: status = %d, want 500", target, rec.Code)
		}
		assertErrorEnvelope(t, rec, "save_failed", "permission denied")
	}
}

func TestSourceStatusError_AnswersWithItsStatus(t *testing.T) {
	pinned := &StatusError{Status: http.StatusConflict, Code: "preferred_models_pinned",
		Message: "PREFERRED_MODELS is set in the environment, which overrides .env"}
	tests := []struct {
		name        string
		method      string
		target      string
		body        string
		err         error
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{name: "preferred_pinned", method: http.MethodPut, target: "/debug/models/preferred", body: `{"models":["qwen/qwen3-coder:free"]}`,
			err: pinned, wantStatus: 409, wantCode: "preferred_models_pinned", wantMessage: pinned.Message},
		{name: "preferred_pinned_wrapped", method: http.MethodPut, target: "/debug/models/preferred", body: `{"models":[]}`,
			err: fmt.Errorf("saving PREFERRED_MODELS: %w", pinned), wantStatus: 409, wantCode: "preferred_models_pinned", wantMessage: pinned.Message},
		{name: "mode_refused", method: http.MethodPut, target: "/debug/mode", body: `{"debug":true}`,
			err:        &StatusError{Status: http.StatusForbidden, Code: "read_only", Message: "the dump folder is read-only"},
			wantStatus: 403, wantCode: "read_only", wantMessage: "read-only"},
		{name: "list_refused", method: http.MethodGet, target: "/debug/requests",
			err:        &StatusError{Status: http.StatusServiceUnavailable, Code: "busy", Message: "try again"},
			wantStatus: 503, wantCode: "busy", wantMessage: "try again"},
		{name: "no_code_keeps_the_routes", method: http.MethodPut, target: "/debug/models/preferred", body: `{"models":[]}`,
			err: &StatusError{Status: http.StatusConflict, Message: "pinned"}, wantStatus: 409, wantCode: "save_failed", wantMessage: "pinned"},
		{name: "status_out_of_range_is_500", method: http.MethodPut, target: "/debug/models/preferred", body: `{"models":[]}`,
			err: &StatusError{Code: "x", Message: "no status"}, wantStatus: 500, wantCode: "save_failed", wantMessage: "no status"},
		{name: "list_plain_error_is_500", method: http.MethodGet, target: "/debug/requests",
			err: errors.New("reading dump folder: permission denied"), wantStatus: 500, wantCode: "list_failed", wantMessage: "permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource(testNow)
			src.failSet, src.failList = tt.err, tt.err
			contentType := ""
			if tt.body != "" {
				contentType = "application/json"
			}
			rec := do(t, newTestHandler(t, src), tt.method, tt.target, contentType, tt.body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			assertErrorEnvelope(t, rec, tt.wantCode, tt.wantMessage)
		})
	}
}

func TestGetRequest(t *testing.T) {
	known := newFakeSource(testNow).captures[0].ID
	tests := []struct {
		name        string
		target      string
		failCapture error // what the Source answers, if not the saved body
		wantStatus  int
		wantCode    string
		wantAsked   bool // whether the id may reach the Source at all
	}{
		{name: "known", target: "/debug/requests/" + known, wantStatus: 200, wantAsked: true},
		{name: "unknown", target: "/debug/requests/20260101-000000-ffff", wantStatus: 404, wantCode: "not_found", wantAsked: true},
		{name: "leading_dash", target: "/debug/requests/-x", wantStatus: 404, wantCode: "not_found"},
		{name: "leading_underscore", target: "/debug/requests/_x", wantStatus: 404, wantCode: "not_found"},
		{name: "dot", target: "/debug/requests/a.b", wantStatus: 404, wantCode: "not_found"},
		{name: "json_suffix", target: "/debug/requests/" + known + ".json", wantStatus: 404, wantCode: "not_found"},
		{name: "dot_dot", target: "/debug/requests/a..b", wantStatus: 404, wantCode: "not_found"},
		{name: "encoded_slash", target: "/debug/requests/..%2f..%2fetc", wantStatus: 404, wantCode: "not_found"},
		{name: "encoded_backslash", target: "/debug/requests/a%5cb", wantStatus: 404, wantCode: "not_found"},
		{name: "bad_chars", target: "/debug/requests/a%20b", wantStatus: 404, wantCode: "not_found"},
		{name: "too_long", target: "/debug/requests/" + strings.Repeat("a", 129), wantStatus: 404, wantCode: "not_found"},
		{name: "longest", target: "/debug/requests/" + strings.Repeat("a", 128), wantStatus: 404, wantCode: "not_found", wantAsked: true},
		{name: "source_says_invalid", target: "/debug/requests/" + known, failCapture: fmt.Errorf("reading capture: %w", capture.ErrInvalidID),
			wantStatus: 404, wantCode: "not_found", wantAsked: true},
		{name: "source_says_not_exist", target: "/debug/requests/" + known, failCapture: fmt.Errorf("reading capture: %w", fs.ErrNotExist),
			wantStatus: 404, wantCode: "not_found", wantAsked: true},
		{name: "source_fails", target: "/debug/requests/" + known, failCapture: errors.New("disk on fire"),
			wantStatus: 500, wantCode: "read_failed", wantAsked: true},
		{name: "source_refuses", target: "/debug/requests/" + known,
			failCapture: &StatusError{Status: http.StatusForbidden, Code: "debug_off", Message: "debug mode is off"},
			wantStatus:  403, wantCode: "debug_off", wantAsked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource(testNow)
			src.failCapture = tt.failCapture
			rec := do(t, newTestHandler(t, src), http.MethodGet, tt.target, "", "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if asked := len(src.asked) > 0; asked != tt.wantAsked {
				t.Errorf("Source.Capture called with %q; want called = %t", src.asked, tt.wantAsked)
			}
			if tt.wantStatus != 200 {
				assertErrorEnvelope(t, rec, tt.wantCode, "")
				return
			}
			if got, want := rec.Body.String(), string(src.captureBody[known]); got != want {
				t.Errorf("body = %s, want the saved capture %s", got, want)
			}
		})
	}
}

func TestUnknownRouteAndParameters(t *testing.T) {
	h := newTestHandler(t, newFakeSource(testNow))
	tests := []struct {
		target     string
		wantStatus int
		wantCode   string
	}{
		{"/debug/nope", 404, "not_found"},
		{"/debug/static/missing.js", 404, "not_found"},
		{"/debug/stats?days=0", 400, "invalid_parameter"},
		{"/debug/stats?days=abc", 400, "invalid_parameter"},
		{"/debug/requests?limit=-1", 400, "invalid_parameter"},
	}
	for _, tt := range tests {
		rec := do(t, h, http.MethodGet, tt.target, "", "")
		if rec.Code != tt.wantStatus {
			t.Errorf("GET %s: status = %d, want %d", tt.target, rec.Code, tt.wantStatus)
			continue
		}
		assertErrorEnvelope(t, rec, tt.wantCode, "")
	}
	if rec := do(t, h, http.MethodPost, "/debug/mode", "application/json", `{"debug":true}`); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /debug/mode: status = %d, want 405", rec.Code)
	}
}

func TestPage_SecurityAndCaching(t *testing.T) {
	h := newTestHandler(t, newFakeSource(testNow))
	for _, target := range []string{"/debug", "/debug/"} {
		rec := do(t, h, http.MethodGet, target, "", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status = %d", target, rec.Code)
		}
		hdr := rec.Header()
		if got := hdr.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
			t.Errorf("GET %s: Content-Type = %q", target, got)
		}
		if hdr.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: X-Frame-Options = %q", target, hdr.Get("X-Frame-Options"))
		}
		csp := hdr.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP allows inline code: %q", csp)
		}
		body := rec.Body.String()
		js := newStaticFile("app.js", testWeb["app.js"].Data)
		if !strings.Contains(body, `"/debug/static/app.js?v=`+js.hash+`"`) {
			t.Errorf("index does not reference the versioned app.js: %s", body)
		}
	}

	index := do(t, h, http.MethodGet, "/debug/", "", "")
	etag := index.Header().Get("ETag")
	if etag == "" || index.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("index ETag %q, Cache-Control %q", etag, index.Header().Get("Cache-Control"))
	}
	req := httptest.NewRequest(http.MethodGet, "/debug/", nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("revalidating the index: status = %d, want 304", rec.Code)
	}

	js := newStaticFile("app.js", testWeb["app.js"].Data)
	tests := []struct {
		target    string
		wantCache string
	}{
		{"/debug/static/app.js?v=" + js.hash, "public, max-age=31536000, immutable"},
		{"/debug/static/app.js?v=stale", "no-cache"},
		{"/debug/static/app.js", "no-cache"},
	}
	for _, tt := range tests {
		rec := do(t, h, http.MethodGet, tt.target, "", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status = %d", tt.target, rec.Code)
		}
		if got := rec.Header().Get("Cache-Control"); got != tt.wantCache {
			t.Errorf("GET %s: Cache-Control = %q, want %q", tt.target, got, tt.wantCache)
		}
		if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/javascript") {
			t.Errorf("GET %s: Content-Type = %q", tt.target, got)
		}
		if rec.Body.String() != string(testWeb["app.js"].Data) {
			t.Errorf("GET %s: body = %q", tt.target, rec.Body)
		}
	}
}

func TestNew_DefaultWebHasThePage(t *testing.T) {
	h := New(newFakeSource(testNow), Options{Logger: slog.New(slog.DiscardHandler)})
	rec := do(t, h, http.MethodGet, "/debug/", "", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "/debug/static/app.js?v=") {
		t.Fatalf("embedded page: status %d, body %.200s", rec.Code, rec.Body)
	}
	for _, name := range []string{"app.js", "app.css"} {
		if _, err := fs.Stat(assets.Web(), name); err != nil {
			t.Errorf("embedded page lacks %s: %v", name, err)
		}
	}
}

// sseReader reads Server-Sent Events lines with the test's deadline.
type sseReader struct {
	lines chan string
}

func newSSEReader(t *testing.T, body io.Reader) *sseReader {
	r := &sseReader{lines: make(chan string, 64)}
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
	}()
	return r
}

// waitFor returns once a line equal to want arrives, failing at the deadline.
func (r *sseReader) waitFor(t *testing.T, want string, deadline <-chan time.Time) {
	t.Helper()
	for {
		select {
		case line, ok := <-r.lines:
			if !ok {
				t.Fatalf("event stream ended before %q", want)
			}
			if line == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %q line before the deadline", want)
		}
	}
}

func TestEvents_ChangeArrivesAfterNotification(t *testing.T) {
	src := newFakeSource(testNow)
	src.subscribed = make(chan struct{}, 1)
	srv := httptest.NewServer(newTestHandler(t, src))
	defer srv.Close()

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/debug/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/event-stream" {
		t.Fatalf("Content-Type = %q", got)
	}
	deadline := time.After(5 * time.Second)
	events := newSSEReader(t, resp.Body)
	events.waitFor(t, ": connected", deadline)
	<-src.subscribed

	for i, id := range []string{"id: 1", "id: 2"} {
		src.notify()
		events.waitFor(t, id, deadline)
		events.waitFor(t, "event: change", deadline)
		t.Logf("notification %d delivered", i+1)
	}

	// Closing the stream must end the subscription.
	resp.Body.Close()
	for src.subscriberCount() != 0 {
		select {
		case <-deadline:
			t.Fatal("subscription still open after the client left")
		default:
			// Poll: the handler notices the closed connection asynchronously.
			time.Sleep(time.Millisecond)
		}
	}
}

func TestEvents_KeepAlive(t *testing.T) {
	src := newFakeSource(testNow)
	h := New(src, Options{Logger: slog.New(slog.DiscardHandler), Web: testWeb, KeepAlive: 5 * time.Millisecond})
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/debug/events", nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	newSSEReader(t, resp.Body).waitFor(t, ": keep-alive", time.After(5*time.Second))
}

func BenchmarkStats(b *testing.B) {
	h := newTestHandler(b, newFakeSource(testNow))
	req := httptest.NewRequest(http.MethodGet, "/debug/stats", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
