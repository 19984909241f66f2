package responses

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type event struct {
	name string
	data map[string]any
}

// readEvents parses an event stream, checking each event's framing: the
// event line names the data's type, and sequence numbers count up from 0.
func readEvents(t *testing.T, stream []byte) []event {
	t.Helper()
	var evs []event
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(nil, 1<<20)
	var name string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var data map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &data); err != nil {
				t.Fatalf("event %q: %v", name, err)
			}
			if data["type"] != name {
				t.Errorf("event line %q, data type %v", name, data["type"])
			}
			if seq := data["sequence_number"]; seq != float64(len(evs)) {
				t.Errorf("event %d (%s) has sequence_number %v", len(evs), name, seq)
			}
			evs = append(evs, event{name, data})
		}
	}
	return evs
}

func names(evs []event) string {
	var n []string
	for _, e := range evs {
		n = append(n, e.name)
	}
	return strings.Join(n, "\n")
}

func newTestBuilder(t *testing.T, req string, w *bytes.Buffer) *Builder {
	t.Helper()
	var r Request
	if err := json.Unmarshal([]byte(req), &r); err != nil {
		t.Fatal(err)
	}
	tr, err := ToChat(&r, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out *bytes.Buffer
	if w != nil {
		out = w
	}
	if out == nil {
		return NewBuilder(&r, tr, "resp_1", time.Unix(1767000000, 0), nil)
	}
	return NewBuilder(&r, tr, "resp_1", time.Unix(1767000000, 0), out)
}

// TestBuilderStreamSequence is the golden event sequence of an answer with
// reasoning, text and a function call.
func TestBuilderStreamSequence(t *testing.T) {
	var buf bytes.Buffer
	b := newTestBuilder(t, `{"model":"openai/gpt-5","input":"x","stream":true,"tools":[{"type":"function","name":"shell"}]}`, &buf)
	b.Start("free/model:free")
	b.Reasoning("think")
	b.Reasoning("ing")
	b.Text("Hel")
	b.Text("lo")
	b.ToolCall(0, "call_9", "shell", "")
	b.ToolCall(0, "", "", `{"command":`)
	b.ToolCall(0, "", "", `["ls"]}`)
	b.Finish("tool_calls")
	b.Usage(Usage{InputTokens: 10, OutputTokens: 5})
	resp := b.Complete()
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	evs := readEvents(t, buf.Bytes())
	want := strings.Join([]string{
		"response.created", "response.in_progress",
		"response.output_item.added", "response.reasoning_summary_part.added",
		"response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
		"response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
		"response.output_item.added", "response.content_part.added",
		"response.output_text.delta", "response.output_text.delta",
		"response.output_text.done", "response.content_part.done", "response.output_item.done",
		"response.output_item.added",
		"response.function_call_arguments.delta", "response.function_call_arguments.delta",
		"response.function_call_arguments.done", "response.output_item.done",
		"response.completed",
	}, "\n")
	if got := names(evs); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
	created := evs[0].data["response"].(map[string]any)
	if created["status"] != "in_progress" || created["model"] != "free/model:free" || len(created["output"].([]any)) != 0 {
		t.Errorf("response.created = %v", created)
	}
	if d := evs[len(evs)-2].data["item"].(map[string]any); d["call_id"] != "call_9" || d["arguments"] != `{"command":["ls"]}` || d["name"] != "shell" {
		t.Errorf("function call item = %v", d)
	}
	if i := evs[len(evs)-2].data["output_index"]; i != float64(2) {
		t.Errorf("function call output_index = %v, want 2", i)
	}
	done, _ := json.Marshal(evs[len(evs)-1].data["response"])
	final, _ := json.Marshal(resp)
	assertSameJSON(t, done, string(final))
	if resp.Status != "completed" || resp.Usage.TotalTokens != 15 || resp.Usage.InputTokens != 10 || len(resp.Output) != 3 {
		t.Errorf("final response: status %s usage %+v output %d", resp.Status, resp.Usage, len(resp.Output))
	}
	if msg := resp.Output[1].(MessageItem); msg.Content[0].Text != "Hello" {
		t.Errorf("message = %+v", msg)
	}
	if rs := resp.Output[0].(ReasoningItem); rs.Summary[0].Text != "thinking" {
		t.Errorf("reasoning = %+v", rs)
	}
	reply, _ := json.Marshal(b.Reply())
	assertSameJSON(t, reply, `{"role":"assistant","content":"Hello","tool_calls":[{"id":"call_9","type":"function","function":{"name":"shell","arguments":"{\"command\":[\"ls\"]}"}}]}`)
}

func TestBuilderCustomToolCall(t *testing.T) {
	var buf bytes.Buffer
	b := newTestBuilder(t, `{"model":"m","input":"x","stream":true,"tools":[{"type":"custom","name":"apply_patch"}]}`, &buf)
	b.ToolCall(0, "call_1", "apply_patch", `{"input":"*** Begin`)
	b.ToolCall(0, "", "", `\n*** End"}`)
	resp := b.Complete()
	evs := readEvents(t, buf.Bytes())
	want := "response.created\nresponse.in_progress\nresponse.output_item.added\nresponse.custom_tool_call_input.delta\nresponse.custom_tool_call_input.done\nresponse.output_item.done\nresponse.completed"
	if got := names(evs); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
	item := resp.Output[0].(CustomToolCallItem)
	if item.Type != "custom_tool_call" || item.Input != "*** Begin\n*** End" || item.CallID != "call_1" {
		t.Errorf("item = %+v", item)
	}
	if added := evs[2].data["item"].(map[string]any); added["type"] != "custom_tool_call" {
		t.Errorf("added item = %v", added)
	}
}

func TestBuilderNamespaceCall(t *testing.T) {
	b := newTestBuilder(t, `{"model":"m","input":"x","tools":[{"type":"namespace","name":"agents","tools":[{"type":"function","name":"spawn"}]}]}`, nil)
	b.ToolCall(0, "c1", "agents__spawn", "{}")
	b.ToolCall(1, "c2", "invented", "{}")
	resp := b.Complete()
	first, second := resp.Output[0].(FunctionCallItem), resp.Output[1].(FunctionCallItem)
	if first.Namespace != "agents" || first.Name != "spawn" {
		t.Errorf("namespaced call = %+v", first)
	}
	if second.Namespace != "" || second.Name != "invented" {
		t.Errorf("call of an unknown tool = %+v", second)
	}
}

func TestBuilderSeparateCallsAndIncomplete(t *testing.T) {
	b := newTestBuilder(t, `{"model":"m","input":"x","tools":[{"type":"function","name":"f"}]}`, nil)
	b.Start("free:free")
	// Some providers number every call 0; a new id is a new call.
	b.ToolCall(0, "a", "f", "{}")
	b.ToolCall(0, "b", "f", "{}")
	b.ToolCall(1, "", "f", "")
	b.Finish("length")
	resp := b.Complete()
	if len(resp.Output) != 3 {
		t.Fatalf("output = %+v, want three calls", resp.Output)
	}
	third := resp.Output[2].(FunctionCallItem)
	if third.CallID == "" || third.Arguments != "{}" {
		t.Errorf("third call = %+v, want a made-up call id and {}", third)
	}
	if resp.Status != "incomplete" || resp.IncompleteDetails.Reason != "max_output_tokens" || resp.Model != "free:free" {
		t.Errorf("status %s details %+v model %s", resp.Status, resp.IncompleteDetails, resp.Model)
	}
	if resp.Usage == nil {
		t.Error("usage is nil; Codex needs the integers")
	}
}

func TestBuilderFail(t *testing.T) {
	var buf bytes.Buffer
	b := newTestBuilder(t, `{"model":"m","input":"x","stream":true}`, &buf)
	b.Text("par")
	b.Fail("server_error", "broke off")
	evs := readEvents(t, buf.Bytes())
	last := evs[len(evs)-1]
	if last.name != "response.failed" {
		t.Fatalf("last event %s", last.name)
	}
	r := last.data["response"].(map[string]any)
	e := r["error"].(map[string]any)
	if r["status"] != "failed" || e["code"] != "server_error" || e["message"] != "broke off" {
		t.Errorf("failed response = %v", r)
	}
	if evs[len(evs)-2].name != "response.output_item.done" {
		t.Errorf("the open message was not closed before the failure: %s", names(evs))
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errClosed
}

var errClosed = &RequestError{Message: "closed"}

func TestBuilderStopsWritingAfterError(t *testing.T) {
	var r Request
	_ = json.Unmarshal([]byte(`{"model":"m","input":"x"}`), &r)
	tr, _ := ToChat(&r, nil)
	fw := &failingWriter{}
	b := NewBuilder(&r, tr, "resp_1", time.Now(), fw)
	b.Text("a")
	b.Text("b")
	b.Complete()
	if b.Err() == nil || fw.n != 1 {
		t.Errorf("err %v after %d writes; want one failed write", b.Err(), fw.n)
	}
}
