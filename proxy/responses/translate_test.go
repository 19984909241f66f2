package responses

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/translate"
)

// translateCases is the golden table of the request translation: a Responses
// request and the Chat Completions request it becomes.
var translateCases = []struct {
	name string
	in   string
	want string
}{
	{"string input",
		`{"model":"m","input":"hi"}`,
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`},
	{"instructions first, stream asks for usage",
		`{"model":"m","instructions":"be brief","input":"hi","stream":true}`,
		`{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`},
	{"roles: developer and system become system, parts join",
		`{"model":"m","input":[{"role":"developer","content":"d"},{"type":"message","role":"system","content":[{"type":"input_text","text":"s"}]},{"role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_text","text":"b"}]},{"role":"assistant","content":[{"type":"output_text","text":"ok","annotations":[]}]}]}`,
		`{"model":"m","messages":[{"role":"system","content":"d"},{"role":"system","content":"s"},{"role":"user","content":"a\n\nb"},{"role":"assistant","content":"ok"}]}`},
	{"images and files stay parts",
		`{"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"what"},{"type":"input_image","image_url":"data:image/png;base64,AA","detail":"low"},{"type":"input_file","filename":"a.pdf","file_data":"data:application/pdf;base64,AA"}]}]}`,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA","detail":"low"}},{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,AA"}}]}]}`},
	{"function call round trip, adjacent calls merge, reasoning dropped",
		`{"model":"m","input":[{"role":"user","content":"ls"},{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"think"}]},{"type":"function_call","call_id":"c1","name":"shell","arguments":"{\"command\":[\"ls\"]}"},{"type":"function_call","call_id":"c2","name":"shell","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"a.go"},{"type":"function_call_output","call_id":"c2","output":""}]}`,
		`{"model":"m","messages":[{"role":"user","content":"ls"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"shell","arguments":"{\"command\":[\"ls\"]}"}},{"id":"c2","type":"function","function":{"name":"shell","arguments":"{}"}}]},{"role":"tool","content":"a.go","tool_call_id":"c1"},{"role":"tool","content":"(no output)","tool_call_id":"c2"}]}`},
	{"assistant text then call is one turn",
		`{"model":"m","input":[{"role":"assistant","content":"let me look"},{"type":"function_call","call_id":"c1","name":"f","arguments":"{}"}]}`,
		`{"model":"m","messages":[{"role":"assistant","content":"let me look","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`},
	{"tool output parts: text joined, images follow as user",
		`{"model":"m","input":[{"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":[{"type":"input_text","text":"x"},{"type":"input_image","image_url":"https://i/p.png"}]}]}`,
		`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"x","tool_call_id":"c1"},{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://i/p.png"}}]}]}`},
	{"custom tool: one string argument, call and output",
		`{"model":"m","tools":[{"type":"custom","name":"apply_patch","description":"edit files","format":{"type":"grammar","syntax":"lark","definition":"start: x"}}],"input":[{"type":"custom_tool_call","call_id":"c1","name":"apply_patch","input":"*** Begin"},{"type":"custom_tool_call_output","call_id":"c1","output":"done"}]}`,
		`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"apply_patch","arguments":"{\"input\":\"*** Begin\"}"}}]},{"role":"tool","content":"done","tool_call_id":"c1"}],"tools":[{"type":"function","function":{"name":"apply_patch","description":"edit files","parameters":{"additionalProperties":false,"properties":{"input":{"description":"The raw input text for this tool. It must follow this lark grammar:\nstart: x","type":"string"}},"required":["input"],"type":"object"}}}]}`},
	{"function tools, choice, parallel, sampling, web_search dropped",
		`{"model":"m","input":"x","tools":[{"type":"web_search"},{"type":"function","name":"f","description":"d","parameters":{"type":"object"},"strict":true},{"type":"function","name":"g"}],"tool_choice":{"type":"function","name":"f"},"parallel_tool_calls":false,"max_output_tokens":100,"temperature":0.5,"top_p":0.9,"user":"u"}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"},"strict":true}},{"type":"function","function":{"name":"g","parameters":{"type":"object","properties":{}}}}],"tool_choice":{"type":"function","function":{"name":"f"}},"parallel_tool_calls":false,"max_tokens":100,"temperature":0.5,"top_p":0.9,"user":"u"}`},
	{"namespace tools are qualified, and so are their calls",
		`{"model":"m","tools":[{"type":"namespace","name":"agents","description":"sub-agents","tools":[{"type":"function","name":"spawn","parameters":{"type":"object"}}]}],"input":[{"type":"function_call","call_id":"c1","namespace":"agents","name":"spawn","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"ok"}]}`,
		`{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"agents__spawn","arguments":"{}"}}]},{"role":"tool","content":"ok","tool_call_id":"c1"}],"tools":[{"type":"function","function":{"name":"agents__spawn","parameters":{"type":"object"}}}]}`},
	{"tool_choice without tools is dropped",
		`{"model":"m","input":"x","tools":[{"type":"web_search_preview"}],"tool_choice":"auto","parallel_tool_calls":true}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}]}`},
	{"allowed_tools keeps its mode",
		`{"model":"m","input":"x","tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"allowed_tools","mode":"required","tools":[{"type":"function","name":"f"}]}}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],"tool_choice":"required"}`},
	{"reasoning effort; max becomes xhigh",
		`{"model":"m","input":"x","reasoning":{"effort":"max","summary":"auto"}}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning":{"effort":"xhigh"}}`},
	{"reasoning summary alone changes nothing; the cache key goes along",
		`{"model":"m","input":"x","reasoning":{"summary":"auto"},"include":["reasoning.encrypted_content"],"store":false,"prompt_cache_key":"k"}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"prompt_cache_key":"k"}`},
	{"json schema output",
		`{"model":"m","input":"x","text":{"format":{"type":"json_schema","name":"p","schema":{"type":"object"},"strict":true}}}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"p","schema":{"type":"object"},"strict":true}}}`},
	{"json object output, text format is nothing",
		`{"model":"m","input":"x","text":{"format":{"type":"json_object"},"verbosity":"low"}}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`},
}

func TestToChatGolden(t *testing.T) {
	for _, tc := range translateCases {
		t.Run(tc.name, func(t *testing.T) {
			var req Request
			if err := json.Unmarshal([]byte(tc.in), &req); err != nil {
				t.Fatal(err)
			}
			tr, err := ToChat(&req, nil)
			if err != nil {
				t.Fatalf("ToChat: %v", err)
			}
			got, err := json.Marshal(tr.Chat)
			if err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, got, tc.want)
		})
	}
}

func assertSameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("got  %s\nwant %s", gb, wb)
	}
}

func TestToChatRefuses(t *testing.T) {
	cases := []struct {
		name, in, code, param, mention string
	}{
		{"hosted tool names the tool", `{"model":"m","input":"x","tools":[{"type":"code_interpreter","container":{"type":"auto"}}]}`, "unsupported_tool", "tools[0]", `"code_interpreter"`},
		{"file search", `{"model":"m","input":"x","tools":[{"type":"function","name":"f"},{"type":"file_search"}]}`, "unsupported_tool", "tools[1]", `"file_search"`},
		{"image generation", `{"model":"m","input":"x","tools":[{"type":"image_generation"}]}`, "unsupported_tool", "tools[0]", `"image_generation"`},
		{"computer use", `{"model":"m","input":"x","tools":[{"type":"computer_use_preview"}]}`, "unsupported_tool", "tools[0]", `"computer_use_preview"`},
		{"hosted tool choice", `{"model":"m","input":"x","tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"file_search"}}`, "unsupported_tool", "tool_choice", `"file_search"`},
		{"no input", `{"model":"m"}`, "invalid_request", "input", "missing"},
		{"empty string input", `{"model":"m","input":""}`, "invalid_request", "input", "missing"},
		{"input of a number", `{"model":"m","input":3}`, "invalid_request", "input", "string or a list"},
		{"unknown item", `{"model":"m","input":[{"type":"local_shell_call"}]}`, "invalid_request", "input[0]", `"local_shell_call"`},
		{"item reference", `{"model":"m","input":[{"type":"item_reference","id":"x"}]}`, "invalid_request", "input[0]", "item_reference"},
		{"bad role", `{"model":"m","input":[{"role":"tool","content":"x"}]}`, "invalid_request", "input[0].role", `"tool"`},
		{"message without content", `{"model":"m","input":[{"role":"user"}]}`, "invalid_request", "input[0].content", "missing"},
		{"uploaded file id", `{"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]}`, "invalid_request", "input[0].content[0]", "file_id"},
		{"image in system message", `{"model":"m","input":[{"role":"system","content":[{"type":"input_image","image_url":"u"}]}]}`, "invalid_request", "input[0].content", "only user"},
		{"call without id", `{"model":"m","input":[{"type":"function_call","name":"f"}]}`, "invalid_request", "input[0]", "call_id"},
		{"output without id", `{"model":"m","input":[{"type":"function_call_output","output":"x"}]}`, "invalid_request", "input[0]", "call_id"},
		{"unnamed function", `{"model":"m","input":"x","tools":[{"type":"function"}]}`, "invalid_request", "tools[0].name", "name"},
		{"duplicate tool", `{"model":"m","input":"x","tools":[{"type":"function","name":"f"},{"type":"custom","name":"f"}]}`, "invalid_request", "tools[1].name", `"f"`},
		{"hosted tool in a namespace", `{"model":"m","input":"x","tools":[{"type":"namespace","name":"n","tools":[{"type":"web_search"}]}]}`, "unsupported_tool", "tools[0].tools[0]", `"web_search"`},
		{"unnamed namespace", `{"model":"m","input":"x","tools":[{"type":"namespace","tools":[]}]}`, "invalid_request", "tools[0].name", "namespace"},
		{"bad effort", `{"model":"m","input":"x","reasoning":{"effort":"huge"}}`, "invalid_request", "reasoning.effort", `"huge"`},
		{"schema without name", `{"model":"m","input":"x","text":{"format":{"type":"json_schema","schema":{}}}}`, "invalid_request", "text.format", "name"},
		{"unknown format", `{"model":"m","input":"x","text":{"format":{"type":"yaml"}}}`, "invalid_request", "text.format.type", `"yaml"`},
		{"bad tool choice", `{"model":"m","input":"x","tools":[{"type":"function","name":"f"}],"tool_choice":"any"}`, "invalid_request", "tool_choice", `"any"`},
		{"background", `{"model":"m","input":"x","background":true}`, "invalid_request", "background", "background"},
		{"conversation", `{"model":"m","input":"x","conversation":"conv_1"}`, "invalid_request", "conversation", "previous_response_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var req Request
			if err := json.Unmarshal([]byte(tc.in), &req); err != nil {
				t.Fatal(err)
			}
			_, err := ToChat(&req, nil)
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RequestError", err)
			}
			if re.Code != tc.code || re.Param != tc.param || !strings.Contains(re.Message, tc.mention) {
				t.Errorf("got code %q param %q message %q; want %q, %q, mentioning %s", re.Code, re.Param, re.Message, tc.code, tc.param, tc.mention)
			}
		})
	}
}

func TestToChatDropsDefaultHostedTools(t *testing.T) {
	req := Request{Model: "m", Input: json.RawMessage(`"x"`), Tools: []Tool{{Type: "web_search"}, {Type: "custom", Name: "apply_patch"}}}
	tr, err := ToChat(&req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Dropped) != 1 || tr.Dropped[0] != "web_search" {
		t.Errorf("Dropped = %v, want [web_search]", tr.Dropped)
	}
	if !tr.Tools["apply_patch"].Custom || len(tr.Chat.Tools) != 1 {
		t.Errorf("Tools = %v, tools = %d; want apply_patch as the one tool", tr.Tools, len(tr.Chat.Tools))
	}
}

func TestToChatContinuesHistoryWithoutOldInstructions(t *testing.T) {
	history := []translate.ChatMessage{{Role: "user", Content: "a"}, {Role: "assistant", Content: "b"}}
	req := Request{Model: "m", Instructions: "new", Input: json.RawMessage(`"c"`)}
	tr, err := ToChat(&req, history)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(tr.Chat.Messages)
	assertSameJSON(t, got, `[{"role":"system","content":"new"},{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]`)
	conv, _ := json.Marshal(tr.Conversation)
	assertSameJSON(t, conv, `[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]`)
	// Without new input, the history alone is enough.
	if _, err := ToChat(&Request{Model: "m"}, history); err != nil {
		t.Errorf("history without input: %v", err)
	}
}
