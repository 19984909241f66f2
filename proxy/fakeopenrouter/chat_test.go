package fakeopenrouter

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAuth_RequiresBearerKey(t *testing.T) {
	s := New(t, WithAPIKey("sk-or-v1-custom"))
	tests := []struct {
		name, path, method, auth, wantMessage string
		wantStatus                            int
	}{
		{"chat_missing", "/chat/completions", http.MethodPost, "", "No cookie auth credentials found", 401},
		{"chat_not_bearer", "/chat/completions", http.MethodPost, "sk-or-v1-custom", "No cookie auth credentials found", 401},
		{"chat_wrong_key", "/chat/completions", http.MethodPost, "Bearer sk-or-v1-other", "User not found.", 401},
		{"key_wrong_key", "/key", http.MethodGet, "Bearer " + DefaultAPIKey, "User not found.", 401},
		{"chat_right_key", "/chat/completions", http.MethodPost, "Bearer sk-or-v1-custom", "", 200},
		{"key_right_key", "/key", http.MethodGet, "Bearer sk-or-v1-custom", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := doRequest(t, s, tt.method, tt.path, tt.auth, chatBody("google/gemma-3-12b-it:free", false))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantMessage == "" {
				return
			}
			e := errorOf(t, decodeBody(t, resp))
			if e["message"] != tt.wantMessage || e["code"] != float64(401) {
				t.Errorf("error = %v, want message %q code 401", e, tt.wantMessage)
			}
		})
	}
	if got := len(s.Requests()); got != 1 {
		t.Errorf("recorded %d chat calls, want only the authorised one", got)
	}
}

func TestChat_NonStreamAnswerShape(t *testing.T) {
	s := New(t)
	const model = "meta-llama/llama-3.3-70b-instruct:free"
	s.Script(model, Answer("There are three r's."))
	resp := postChat(t, s, chatBody(model, false))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if id := resp.Header.Get("X-Generation-Id"); !strings.HasPrefix(id, "gen-") {
		t.Errorf("X-Generation-Id = %q", id)
	}
	if resp.Header.Get("X-RateLimit-Limit") != "" {
		t.Error("successful answer carries X-RateLimit-* headers")
	}
	body := decodeBody(t, resp)
	for k, want := range map[string]any{"object": "chat.completion", "model": model, "provider": "Chutes", "system_fingerprint": nil} {
		if body[k] != want {
			t.Errorf("%s = %v, want %v", k, body[k], want)
		}
	}
	if !strings.HasPrefix(body["id"].(string), "gen-") || body["id"] != resp.Header.Get("X-Generation-Id") {
		t.Errorf("id = %v", body["id"])
	}
	ch := firstChoice(body)
	msg := ch["message"].(map[string]any)
	if msg["content"] != "There are three r's." || msg["role"] != "assistant" || msg["reasoning"] != nil {
		t.Errorf("message = %v", msg)
	}
	if _, ok := msg["reasoning"]; !ok {
		t.Error("message.reasoning is absent, want null")
	}
	if ch["finish_reason"] != "stop" || ch["native_finish_reason"] != "stop" {
		t.Errorf("finish = %v / %v", ch["finish_reason"], ch["native_finish_reason"])
	}
	u := body["usage"].(map[string]any)
	if u["cost"] != float64(0) || u["total_tokens"].(float64) <= 0 {
		t.Errorf("usage = %v", u)
	}
	for _, k := range []string{"prompt_tokens_details", "cost_details", "completion_tokens_details", "is_byok"} {
		if _, ok := u[k]; !ok {
			t.Errorf("usage lacks %s", k)
		}
	}
}

func TestChat_DefaultAnswerNamesTheModel(t *testing.T) {
	s := New(t)
	body := decodeBody(t, postChat(t, s, chatBody("google/gemma-3-12b-it:free", false)))
	content := firstChoice(body)["message"].(map[string]any)["content"].(string)
	if !strings.Contains(content, "google/gemma-3-12b-it:free") {
		t.Errorf("content = %q, want it to name the model", content)
	}
}

func TestChat_RequestErrors(t *testing.T) {
	tests := []struct {
		name, body, wantMessage string
		wantStatus              int
	}{
		{"unknown_model", chatBody("free", false), "free is not a valid model ID", 400},
		{"too_many_models", `{"models":["a:free","b:free","c:free","d:free"],"messages":[{"role":"user","content":"hi"}]}`,
			"models array must have 3 items or fewer", 400},
		{"invalid_json", `{"model":`, "Invalid JSON in request body", 400},
		{"no_messages", `{"model":"google/gemma-3-12b-it:free"}`, `Input required: specify "prompt" or "messages"`, 400},
		{"tools_to_toolless_model", `{"model":"google/gemma-3-12b-it:free","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}`,
			"No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing", 404},
		{"image_to_text_model", `{"model":"google/gemma-3-12b-it:free","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}]}`,
			"No endpoints found that support image input", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(t)
			resp := postChat(t, s, tt.body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			e := errorOf(t, decodeBody(t, resp))
			if e["message"] != tt.wantMessage || e["code"] != float64(tt.wantStatus) {
				t.Errorf("error = %v", e)
			}
		})
	}
}

func TestChat_ToolsAndImagesReachCapableModels(t *testing.T) {
	s := New(t)
	body := `{"model":"qwen/qwen2.5-vl-72b-instruct:free","messages":[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}]}`
	if resp := postChat(t, s, body); resp.StatusCode != http.StatusOK {
		t.Errorf("vision model: status = %d", resp.StatusCode)
	}
	body = `{"model":"meta-llama/llama-3.3-70b-instruct:free","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}`
	if resp := postChat(t, s, body); resp.StatusCode != http.StatusOK {
		t.Errorf("tool model: status = %d", resp.StatusCode)
	}
}

func TestChat_ModelsFallbackNamesTheAnsweringModel(t *testing.T) {
	s := New(t)
	s.Script("google/gemma-3-12b-it:free", ProviderBusy())
	body := `{"model":"google/gemma-3-12b-it:free","models":["mistralai/mistral-small-3.2-24b-instruct:free"],"messages":[{"role":"user","content":"hi"}]}`
	resp := postChat(t, s, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200 from the fallback", resp.StatusCode)
	}
	if got := decodeBody(t, resp)["model"]; got != "mistralai/mistral-small-3.2-24b-instruct:free" {
		t.Errorf("model = %v, want the fallback", got)
	}
	if s.Calls("google/gemma-3-12b-it:free") != 1 || s.Calls("mistralai/mistral-small-3.2-24b-instruct:free") != 1 {
		t.Error("each model should have one attempt")
	}
	if s.FreeUsed() != 1 {
		t.Errorf("FreeUsed = %d, want one count per call", s.FreeUsed())
	}
}

func TestChat_FreeRouterNamesTheRoutedModel(t *testing.T) {
	s := New(t)
	body := decodeBody(t, postChat(t, s, chatBody("openrouter/free", false)))
	model := body["model"].(string)
	if !strings.HasSuffix(model, ":free") {
		t.Errorf("model = %q, want a :free model", model)
	}
	tools := `{"model":"openrouter/free","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}`
	if got := decodeBody(t, postChat(t, s, tools))["model"]; got != "meta-llama/llama-3.3-70b-instruct:free" {
		t.Errorf("with tools model = %v, want the tool-capable free model", got)
	}
	if s.PaidCalls() != 0 {
		t.Errorf("PaidCalls = %d", s.PaidCalls())
	}
}

func TestChat_PaidModelsAnswerButAreCounted(t *testing.T) {
	s := New(t)
	for _, id := range []string{"openai/gpt-4o", "openrouter/auto", "google/gemma-3-12b-it"} {
		if resp := postChat(t, s, chatBody(id, false)); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status = %d", id, resp.StatusCode)
		}
	}
	postChat(t, s, `{"model":"google/gemma-3-12b-it:free","models":["openai/gpt-4o"],"messages":[{"role":"user","content":"hi"}]}`)
	postChat(t, s, chatBody("openrouter/horizon-beta", false))
	if got := s.PaidCalls(); got != 4 {
		t.Errorf("PaidCalls = %d, want 4", got)
	}
	if got := s.FreeUsed(); got != 1 {
		t.Errorf("FreeUsed = %d, want 1 (only the :free call)", got)
	}
}

func TestRequests_RecordsEachCall(t *testing.T) {
	s := New(t)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.BaseURL()+"/chat/completions",
		strings.NewReader(chatBody("google/gemma-3-12b-it:free", true)))
	req.Header.Set("Authorization", "Bearer "+DefaultAPIKey)
	req.Header.Set("HTTP-Referer", "https://freelane.example")
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := s.Requests()
	if len(got) != 1 {
		t.Fatalf("len(Requests) = %d", len(got))
	}
	r := got[0]
	if r.Model != "google/gemma-3-12b-it:free" || !r.Stream || r.Header.Get("HTTP-Referer") != "https://freelane.example" {
		t.Errorf("request = %+v", r)
	}
	var echoed map[string]any
	if err := json.Unmarshal(r.Body, &echoed); err != nil || echoed["model"] != r.Model {
		t.Errorf("body = %q (%v)", r.Body, err)
	}

	instant := New(t, WithInstant())
	postChat(t, instant, chatBody("google/gemma-3-12b-it:free", false))
	if r := instant.Requests()[0]; r.Body != nil || r.Header != nil || r.Model == "" {
		t.Errorf("WithInstant request = %+v, want model only", r)
	}
}

func TestWaitCalls_ReturnsWhenCallsArrive(t *testing.T) {
	s := New(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.WaitCalls(ctx, 2) }()
	postChat(t, s, chatBody("google/gemma-3-12b-it:free", false))
	postChat(t, s, chatBody("google/gemma-3-12b-it:free", false))
	if err := <-errc; err != nil {
		t.Fatalf("WaitCalls: %v", err)
	}

	short, cancelShort := context.WithCancel(t.Context())
	cancelShort()
	if err := s.WaitCalls(short, 3); err == nil {
		t.Error("WaitCalls(3) with a cancelled context returned nil")
	}
}

func TestScript_QueueThenDefaults(t *testing.T) {
	s := New(t)
	const model = "google/gemma-3-12b-it:free"
	s.Script(model, Answer("first"), Answer("second"))
	s.Script("*", Answer("wildcard"))
	s.SetDefault(model, Answer("default"))
	var got []string
	for range 4 {
		body := decodeBody(t, postChat(t, s, chatBody(model, false)))
		got = append(got, firstChoice(body)["message"].(map[string]any)["content"].(string))
	}
	want := []string{"first", "second", "wildcard", "default"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("call %d answered %q, want %q", i, got[i], want[i])
		}
	}
}
