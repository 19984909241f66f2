package fakeopenrouter

import (
	"encoding/json"
	"testing"
)

func TestRunShell_UsesTheOfferedShellTool(t *testing.T) {
	cases := map[string]string{
		"exec_command":  `{"cmd":"echo hi"}`,
		"shell_command": `{"command":"echo hi"}`,
		"shell":         `{"command":["bash","-lc","echo hi"]}`,
	}
	for tool, want := range cases {
		t.Run(tool, func(t *testing.T) {
			s := New(t)
			s.Script(testModel, RunShell("echo hi"))
			body, _ := json.Marshal(map[string]any{
				"model":    testModel,
				"messages": []map[string]string{{"role": "user", "content": "run it"}},
				"tools": []map[string]any{
					{"type": "function", "function": map[string]any{"name": "view_image"}},
					{"type": "function", "function": map[string]any{"name": tool}},
				},
			})
			got := decodeBody(t, postChat(t, s, string(body)))
			msg := got["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
			calls, _ := msg["tool_calls"].([]any)
			if len(calls) != 1 {
				t.Fatalf("message = %v, want one tool call", msg)
			}
			fn := calls[0].(map[string]any)["function"].(map[string]any)
			if fn["name"] != tool || fn["arguments"] != want {
				t.Errorf("call = %v, want %s(%s)", fn, tool, want)
			}
		})
	}
	t.Run("no_shell_tool", func(t *testing.T) {
		s := New(t)
		got := decodeBody(t, plainCall(t, s, RunShell("echo hi")))
		msg := got["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
		if msg["content"] != "the request offered no shell tool" {
			t.Errorf("message = %v", msg)
		}
	})
}

func TestEchoLastMessage(t *testing.T) {
	s := New(t)
	s.Script(testModel, EchoLastMessage("It said: "), EchoLastMessage("parts: "))
	for _, tc := range []struct{ content, want string }{
		{`"hi there"`, "It said: hi there"},
		{`[{"type":"text","text":"a"},{"type":"text","text":"b"}]`, "parts: ab"},
	} {
		body := `{"model":"` + testModel + `","messages":[{"role":"user","content":"first"},{"role":"tool","tool_call_id":"c","content":` + tc.content + `}]}`
		got := decodeBody(t, postChat(t, s, body))
		msg := got["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
		if msg["content"] != tc.want {
			t.Errorf("content = %v, want %q", msg["content"], tc.want)
		}
	}
}
