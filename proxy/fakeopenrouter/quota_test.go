package fakeopenrouter

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/internal/testclock"
)

func keyQuota(t *testing.T, s *Server) map[string]any {
	t.Helper()
	resp := doRequest(t, s, http.MethodGet, "/key", "Bearer "+DefaultAPIKey, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /key: status %d", resp.StatusCode)
	}
	data := decodeBody(t, resp)["data"].(map[string]any)
	return data["free_model_daily_requests"].(map[string]any)
}

func TestKey_DocumentedShapeWithoutTheKey(t *testing.T) {
	s := New(t)
	resp := doRequest(t, s, http.MethodGet, "/key", "Bearer "+DefaultAPIKey, "")
	body := decodeBody(t, resp)
	data := body["data"].(map[string]any)
	for _, k := range []string{"label", "limit", "limit_remaining", "limit_reset", "include_byok_in_limit",
		"usage", "usage_daily", "usage_weekly", "usage_monthly", "byok_usage", "is_free_tier",
		"is_management_key", "is_provisioning_key", "creator_user_id", "expires_at", "rate_limit",
		"free_model_daily_requests"} {
		if _, ok := data[k]; !ok {
			t.Errorf("data lacks %q", k)
		}
	}
	if label := data["label"].(string); label == DefaultAPIKey {
		t.Errorf("label exposes the key: %q", label)
	}
	q := data["free_model_daily_requests"].(map[string]any)
	if q["limit"] != float64(50) || q["used"] != float64(0) || q["remaining"] != float64(50) {
		t.Errorf("free_model_daily_requests = %v", q)
	}
}

func TestKeyLabel_MasksTheKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"sk-or-v1-test-key", "sk-or-v1-..."},
		{"sk-or-v1-au7aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa890", "sk-or-v1-au...890"},
	}
	for _, tt := range tests {
		if got := keyLabel(tt.key); got != tt.want {
			t.Errorf("keyLabel(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestDailyCounter_CountsFreeCallsIncludingFailures(t *testing.T) {
	s := New(t)
	s.Script("google/gemma-3-12b-it:free", ServerError(http.StatusBadGateway))
	postChat(t, s, chatBody("google/gemma-3-12b-it:free", false)) // fails, still counts
	postChat(t, s, chatBody("google/gemma-3-12b-it:free", true))
	postChat(t, s, chatBody("openai/gpt-4o", false)) // paid: not counted
	postChat(t, s, chatBody("free", false))          // rejected before routing: not counted
	q := keyQuota(t, s)
	if q["used"] != float64(2) || q["remaining"] != float64(48) {
		t.Errorf("free_model_daily_requests = %v, want used 2, remaining 48", q)
	}
}

func TestDailyLimit_CapsTheNextCall(t *testing.T) {
	clock := testclock.New(time.Date(2026, 9, 27, 23, 59, 0, 0, time.UTC))
	s := New(t, WithDailyLimit(2), WithClock(clock.Now))
	for i := range 2 {
		if resp := postChat(t, s, chatBody("google/gemma-3-12b-it:free", false)); resp.StatusCode != http.StatusOK {
			t.Fatalf("call %d: status %d", i, resp.StatusCode)
		}
	}
	resp := postChat(t, s, chatBody("deepseek/deepseek-r1-0528:free", false))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third call: status %d, want 429", resp.StatusCode)
	}
	const wantReset = "1790553600000" // 2026-09-28T00:00Z in epoch milliseconds
	if got := resp.Header.Get("X-RateLimit-Reset"); got != wantReset {
		t.Errorf("X-RateLimit-Reset header = %q, want %s", got, wantReset)
	}
	e := errorOf(t, decodeBody(t, resp))
	meta := e["metadata"].(map[string]any)
	headers := meta["headers"].(map[string]any)
	if headers["X-RateLimit-Reset"] != wantReset || headers["X-RateLimit-Limit"] != "2" || headers["X-RateLimit-Remaining"] != "0" {
		t.Errorf("metadata.headers = %v", headers)
	}
	if meta["limit_source"] != "openrouter_free_tier_daily" || e["code"] != float64(429) {
		t.Errorf("error = %v", e)
	}
	if v, ok := meta["provider_name"]; !ok || v != nil {
		t.Errorf("provider_name = %v (present %v), want null", v, ok)
	}
	// Paid calls are not capped.
	if resp := postChat(t, s, chatBody("openai/gpt-4o", false)); resp.StatusCode != http.StatusOK {
		t.Errorf("paid call: status %d", resp.StatusCode)
	}

	clock.Set(time.Date(2026, 9, 28, 0, 0, 1, 0, time.UTC))
	if resp := postChat(t, s, chatBody("google/gemma-3-12b-it:free", false)); resp.StatusCode != http.StatusOK {
		t.Errorf("after midnight UTC: status %d, want 200", resp.StatusCode)
	}
	if q := keyQuota(t, s); q["used"] != float64(1) {
		t.Errorf("after reset used = %v, want 1", q["used"])
	}
}

func TestSetFreeQuota_ReportedAndEnforced(t *testing.T) {
	clock := testclock.New(time.Date(2026, 5, 7, 12, 0, 0, 0, time.UTC))
	s := New(t, WithDailyLimit(1000), WithClock(clock.Now))
	s.SetFreeQuota(999, 1000)
	q := keyQuota(t, s)
	if q["used"] != float64(999) || q["limit"] != float64(1000) || q["remaining"] != float64(1) {
		t.Errorf("free_model_daily_requests = %v", q)
	}
	postChat(t, s, chatBody("google/gemma-3-12b-it:free", false))
	resp := postChat(t, s, chatBody("google/gemma-3-12b-it:free", false))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", resp.StatusCode)
	}
	e := errorOf(t, decodeBody(t, resp))
	if e["message"] != "Rate limit exceeded: free-models-per-day-high-balance." {
		t.Errorf("message = %v", e["message"])
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if want := time.Date(2026, 5, 8, 0, 0, 0, 0, time.UTC); err != nil || !time.UnixMilli(reset).Equal(want) {
		t.Errorf("X-RateLimit-Reset = %q, want the next 00:00 UTC", resp.Header.Get("X-RateLimit-Reset"))
	}
}
