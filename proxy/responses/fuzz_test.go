package responses

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzToChat feeds arbitrary request bodies to the translator: it must
// answer a translation or a RequestError, never panic, and what it
// translates must be a chat request with messages.
func FuzzToChat(f *testing.F) {
	for _, tc := range translateCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(`{"input":[{"type":"function_call_output","call_id":"c","output":[{"type":"input_image"}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req Request
		if json.Unmarshal(body, &req) != nil {
			return
		}
		tr, err := ToChat(&req, nil)
		if err != nil {
			if _, ok := err.(*RequestError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		out, err := json.Marshal(tr.Chat)
		if err != nil {
			t.Fatalf("chat request does not marshal: %v", err)
		}
		if len(tr.Chat.Messages) == 0 {
			t.Fatalf("no messages in %s", out)
		}
		// The answer side takes the same translation.
		b := NewBuilder(&req, tr, "resp_f", time.Unix(0, 0), nil)
		for name, ref := range tr.Tools {
			if ref.Custom {
				b.ToolCall(0, "c", name, customArguments(string(body)))
			}
		}
		resp := b.Complete()
		for _, it := range resp.Output {
			// JSON carries UTF-8 only: other bytes come back replaced.
			if c, ok := it.(CustomToolCallItem); ok && utf8.Valid(body) && c.Input != string(body) {
				t.Fatalf("custom input %q came back as %q", body, c.Input)
			}
		}
	})
}
