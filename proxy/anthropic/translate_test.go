package anthropic

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/freelane/freelane/proxy/translate"
)

func TestFromChat_StatusAndType(t *testing.T) {
	tests := []struct {
		name       string
		in         translate.Error
		status     int
		typ        string
		noRetry    bool
		retryAfter string
	}{
		{"bad_request", translate.Error{Status: 400, Code: "invalid_request"}, 400, "invalid_request_error", false, ""},
		{"missing_key", translate.Error{Status: 401, Code: "missing_api_key"}, 401, "authentication_error", false, ""},
		{"forbidden", translate.Error{Status: 403}, 403, "permission_error", false, ""},
		{"not_found", translate.Error{Status: 404}, 404, "not_found_error", false, ""},
		{"too_large", translate.Error{Status: 413}, 413, "request_too_large", false, ""},
		{"daily_cap", translate.Error{Status: 429, Code: "free_daily_limit_reached", RetryAfter: "3600"}, 429, "rate_limit_error", true, "3600"},
		{"minute_cap", translate.Error{Status: 429, Code: "free_minute_limit_reached", RetryAfter: "20"}, 429, "rate_limit_error", false, "20"},
		{"models_busy", translate.Error{Status: 503, Code: "free_models_busy", RetryAfter: "30"}, 529, "overloaded_error", false, "30"},
		{"queue_full", translate.Error{Status: 503, Code: "queue_timeout"}, 529, "overloaded_error", false, ""},
		{"unreachable", translate.Error{Status: 502, Code: "upstream_unreachable"}, 502, "api_error", false, ""},
		{"internal", translate.Error{Status: 500}, 500, "api_error", false, ""},
		{"timeout", translate.Error{Status: 504, Code: "upstream_timeout"}, 504, "timeout_error", false, ""},
		{"nonsense_status", translate.Error{Status: 200}, 502, "api_error", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromChat(&tt.in)
			if got.Status != tt.status || got.Type != tt.typ || got.NoRetry != tt.noRetry || got.RetryAfter != tt.retryAfter {
				t.Errorf("FromChat = %+v, want %d %s noRetry=%v retryAfter=%q", got, tt.status, tt.typ, tt.noRetry, tt.retryAfter)
			}
		})
	}
}

func TestFromStreamError_Timeout(t *testing.T) {
	if got := FromStreamError(&translate.Error{Status: 502, Code: "upstream_timeout"}); got.Type != "timeout_error" {
		t.Errorf("type %q, want timeout_error", got.Type)
	}
}

func TestErrorInfo_JSON(t *testing.T) {
	got := string(NewError(http.StatusTooManyRequests, "slow down").JSON("req_1"))
	want := `{"error":{"message":"slow down","type":"rate_limit_error"},"request_id":"req_1","type":"error"}`
	if got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
}

func TestFamilyAndResolveModel(t *testing.T) {
	pins := map[string]string{"haiku": "small:free", "opus": "big:free"}
	for _, tt := range []struct{ in, family, model string }{
		{"claude-3-5-haiku-20241022", "haiku", "small:free"},
		{"claude-haiku-4-5", "haiku", "small:free"},
		{"anthropic/claude-opus-4.1", "opus", "big:free"},
		{"claude-sonnet-4-5-20250929", "sonnet", "claude-sonnet-4-5-20250929"},
		{"CLAUDE-OPUS-4", "opus", "big:free"},
		{"qwen/qwen3-coder:free", "", "qwen/qwen3-coder:free"},
		{"my-haiku-model", "", "my-haiku-model"},
	} {
		if f := Family(tt.in); f != tt.family {
			t.Errorf("Family(%q) = %q, want %q", tt.in, f, tt.family)
		}
		if m := ResolveModel(tt.in, pins); m != tt.model {
			t.Errorf("ResolveModel(%q) = %q, want %q", tt.in, m, tt.model)
		}
	}
}

func TestDecodeRequest_Refusals(t *testing.T) {
	for _, body := range []string{
		`{`,
		`{"max_tokens":1,"messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","max_tokens":1,"messages":[]}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"tool","content":"x"}]}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":5}]}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user"}]}`,
		`{"model":"m","max_tokens":1,"system":5,"messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"tool"}}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"maybe"}}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],"thinking":{"type":"enabled"}}`,
		`{"model":"m","max_tokens":"1","messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}]} {}`,
	} {
		_, err := DecodeRequest([]byte(body), false)
		if _, ok := err.(*RequestError); !ok {
			t.Errorf("DecodeRequest(%s) = %v, want a RequestError", body, err)
		}
	}
	if _, err := DecodeRequest([]byte(`{"model":"m","messages":[{"role":"user","content":"x"}]}`), true); err != nil {
		t.Errorf("count_tokens body without max_tokens refused: %v", err)
	}
}

func TestCountTokens(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"model":"m","system":"abcd","messages":[
		{"role":"user","content":[{"type":"text","text":"abcdabcd"},{"type":"image","source":{"type":"url","url":"u"}}]},
		{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"ab","input":{}}]}],
		"tools":[{"name":"ab","description":"cd","input_schema":{}}]}`), true)
	if err != nil {
		t.Fatal(err)
	}
	// chars: 4 + 8 + (2+2) + (2+2+2) = 22 → 6 tokens; turns 8; image 1600.
	if got := CountTokens(req); got != 1614 {
		t.Errorf("CountTokens = %d, want 1614", got)
	}
}

func TestPage(t *testing.T) {
	all := []ModelInfo{NewModelInfo("a", "", 0), NewModelInfo("b", "", 0), NewModelInfo("c", "", 0)}
	p := Page(all, 2, "", "")
	if len(p.Data) != 2 || !p.HasMore || *p.FirstID != "a" || *p.LastID != "b" {
		t.Errorf("first page %+v", p)
	}
	p = Page(all, 2, "b", "")
	if len(p.Data) != 1 || p.HasMore || p.Data[0].ID != "c" {
		t.Errorf("after b: %+v", p)
	}
	p = Page(all, 1, "", "c")
	if len(p.Data) != 1 || !p.HasMore || p.Data[0].ID != "b" {
		t.Errorf("before c: %+v", p)
	}
	if p := Page(nil, 0, "", ""); p.Data == nil || p.FirstID != nil {
		t.Errorf("empty page %+v", p)
	}
}

// checkEvents asserts the stream rules every client relies on: message_start
// first, blocks numbered from 0 without gaps, each started once and stopped
// once before the next starts, no empty text block, message_stop last.
func checkEvents(t *testing.T, evs []Event) {
	t.Helper()
	if len(evs) == 0 {
		return
	}
	if evs[0].Name != "message_start" {
		t.Fatalf("first event %s", evs[0].Name)
	}
	open, next := -1, 0
	texts := map[int]int{}
	for _, ev := range evs[1:] {
		d, _ := ev.Data.(map[string]any)
		idx, _ := d["index"].(int)
		switch ev.Name {
		case "content_block_start":
			if open != -1 || idx != next {
				t.Fatalf("block %d started while %d open, next %d", idx, open, next)
			}
			open, next = idx, next+1
			if b := d["content_block"].(map[string]any); b["type"] == "text" {
				texts[idx] = 0
			}
		case "content_block_delta":
			if idx != open {
				t.Fatalf("delta for %d while %d open", idx, open)
			}
			if dd := d["delta"].(map[string]any); dd["type"] == "text_delta" && dd["text"] != "" {
				texts[idx]++
			}
		case "content_block_stop":
			if idx != open {
				t.Fatalf("stop for %d while %d open", idx, open)
			}
			open = -1
		case "message_start":
			t.Fatal("second message_start")
		}
	}
	for idx, n := range texts {
		if n == 0 {
			t.Fatalf("text block %d has no text", idx)
		}
	}
	last := evs[len(evs)-1].Name
	if last != "message_stop" && last != "error" {
		t.Fatalf("last event %s", last)
	}
}

func FuzzTranslator(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var c struct {
			Anthropic json.RawMessage   `json:"anthropic"`
			Request   json.RawMessage   `json:"request"`
			Chunks    []json.RawMessage `json:"chunks"`
		}
		_ = json.Unmarshal(data, &c)
		req := c.Anthropic
		if req == nil {
			req = c.Request
		}
		chunks, _ := json.Marshal(c.Chunks)
		f.Add([]byte(req), chunks)
	}
	f.Fuzz(func(t *testing.T, body, chunks []byte) {
		if req, err := DecodeRequest(body, false); err == nil {
			out, err := ToChat(req, ResolveModel(req.Model, goldenPins))
			if err != nil {
				t.Fatalf("ToChat refused a decoded request: %v", err)
			}
			if !json.Valid(out) {
				t.Fatalf("ToChat gave invalid JSON: %s", out)
			}
			CountTokens(req)
		}
		var list []json.RawMessage
		if json.Unmarshal(chunks, &list) != nil {
			return
		}
		s := NewStream("msg_f", "m", true, 1)
		evs := s.Start("m")
		for _, raw := range list {
			ch, err := translate.ParseChunk(raw)
			if e, ok := err.(*translate.Error); ok {
				evs = append(evs, s.Fail(FromStreamError(e))...)
				continue
			}
			if err == nil {
				evs = append(evs, s.Chunk(ch)...)
			}
		}
		evs = append(evs, s.End()...)
		for _, ev := range evs {
			if !json.Valid(ev.Frame()[len("event: ")+len(ev.Name)+len("\ndata: "):]) {
				t.Fatalf("event %s is not JSON", ev.Name)
			}
		}
		checkEvents(t, evs)
	})
}
