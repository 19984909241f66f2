package translate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// recordingSink writes down what it was told, one line per call.
type recordingSink struct {
	got     []string
	waiting chan struct{}
	failAt  string // a call name that returns errGone
}

var errGone = errors.New("client gone")

func (s *recordingSink) add(name, format string, args ...any) error {
	s.got = append(s.got, name+" "+fmt.Sprintf(format, args...))
	if name == s.failAt {
		return errGone
	}
	return nil
}

func (s *recordingSink) Error(e *Error) error {
	return s.add("error", "%d %s %s %q retry=%s", e.Status, e.Code, e.Type, e.Message, e.RetryAfter)
}
func (s *recordingSink) Completion(h http.Header, c *Completion) error {
	return s.add("completion", "model=%s %+v usage=%+v via=%s", c.Model, *c, *c.Usage, h.Get("X-Freelane-Model"))
}
func (s *recordingSink) StreamStart(h http.Header) error {
	return s.add("start", "via=%s", h.Get("X-Freelane-Model"))
}
func (s *recordingSink) Chunk(c *Chunk) error {
	u := ""
	if c.Usage != nil {
		u = fmt.Sprintf(" usage=%+v", *c.Usage)
	}
	return s.add("chunk", "text=%q reasoning=%q tools=%+v finish=%q%s", c.Text, c.Reasoning, c.ToolCalls, c.FinishReason, u)
}
func (s *recordingSink) KeepAlive() error { return s.add("keepalive", "") }
func (s *recordingSink) StreamError(e *Error) error {
	return s.add("stream-error", "%d %s %q", e.Status, e.Code, e.Message)
}
func (s *recordingSink) StreamEnd(complete bool) error { return s.add("end", "complete=%v", complete) }
func (s *recordingSink) Waiting() error {
	err := s.add("waiting", "")
	if s.waiting != nil {
		select {
		case s.waiting <- struct{}{}:
		default:
		}
	}
	return err
}
func (s *recordingSink) Flush() error { return s.add("flush", "") }

const chatStream = "data: {\"id\":\"c1\",\"model\":\"m:free\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"reasoning\":\"think\",\"reasoning_content\":\"think\"}}]}\n\n" +
	": OPENROUTER PROCESSING\n\n" +
	"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\r\n\r\n" +
	"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"Read\",\"arguments\":\"\"}}]}}]}\n\n" +
	"data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"p\\\":1}\"}}]}}]}\n\n" +
	"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n" +
	"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15,\"prompt_tokens_details\":{\"cached_tokens\":2},\"completion_tokens_details\":{\"reasoning_tokens\":3}}}\n\n" +
	"data: [DONE]\n\n"

func TestWriter_StreamInAnySplit(t *testing.T) {
	want := []string{
		"start via=m:free",
		`chunk text="" reasoning="think" tools=[] finish=""`,
		"keepalive ",
		`chunk text="Hi" reasoning="" tools=[] finish=""`,
		`chunk text="" reasoning="" tools=[{Index:0 ID:call_1 Name:Read Arguments:}] finish=""`,
		`chunk text="" reasoning="" tools=[{Index:0 ID: Name: Arguments:{"p":1}}] finish=""`,
		`chunk text="" reasoning="" tools=[] finish="tool_calls"`,
		`chunk text="" reasoning="" tools=[] finish="" usage={PromptTokens:10 CompletionTokens:5 TotalTokens:15 CachedTokens:2 CacheWriteTokens:0 ReasoningTokens:3}`,
		"end complete=true",
		"flush ",
	}
	for _, size := range []int{1, 7, 64, len(chatStream)} {
		t.Run(fmt.Sprintf("writes_of_%d", size), func(t *testing.T) {
			sink := &recordingSink{}
			w := NewWriter(httptest.NewRecorder(), sink)
			w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
			w.Header().Set("X-Freelane-Model", "m:free")
			w.WriteHeader(http.StatusOK)
			for rest := chatStream; rest != ""; {
				n := min(size, len(rest))
				if _, err := w.Write([]byte(rest[:n])); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got := withoutFlushes(sink.got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("sink calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// withoutFlushes drops the flushes but the last, which depend on the split.
func withoutFlushes(calls []string) []string {
	var out []string
	for i, c := range calls {
		if c == "flush " && i != len(calls)-1 {
			continue
		}
		out = append(out, c)
	}
	return out
}

func TestWriter_StreamErrorEvent(t *testing.T) {
	sink := &recordingSink{}
	w := NewWriter(httptest.NewRecorder(), sink)
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n")
	fmt.Fprint(w, "data: {\"error\":{\"message\":\"broke off\",\"type\":\"api_error\",\"code\":\"upstream_stream_error\"}}\n\n")
	fmt.Fprint(w, ": late comment\n\ndata: [DONE]\n\n")
	_ = w.Close()
	want := []string{"start via=", `chunk text="a" reasoning="" tools=[] finish=""`,
		`stream-error 502 upstream_stream_error "broke off"`, "flush "}
	if got := sink.got; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWriter_StreamWithoutDone(t *testing.T) {
	sink := &recordingSink{}
	w := NewWriter(httptest.NewRecorder(), sink)
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}") // no blank line
	_ = w.Close()
	want := []string{"start via=", `chunk text="a" reasoning="" tools=[] finish=""`, "end complete=false", "flush "}
	if got := sink.got; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWriter_ErrorAnswer(t *testing.T) {
	sink := &recordingSink{}
	w := NewWriter(httptest.NewRecorder(), sink)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "30")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprint(w, `{"error":{"message":"all busy","type":"api_error","param":null,"code":"free_models_busy"}}`+"\n")
	_ = w.Close()
	want := []string{`error 503 free_models_busy api_error "all busy" retry=30`, "flush "}
	if !reflect.DeepEqual(sink.got, want) {
		t.Errorf("got %q, want %q", sink.got, want)
	}
}

func TestWriter_ErrorAnswerNotJSON(t *testing.T) {
	sink := &recordingSink{}
	w := NewWriter(httptest.NewRecorder(), sink)
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprint(w, "upstream said no")
	_ = w.Close()
	if want := `error 502   "upstream said no" retry=`; sink.got[0] != want {
		t.Errorf("got %q, want %q", sink.got[0], want)
	}
}

func TestWriter_Completion(t *testing.T) {
	sink := &recordingSink{}
	w := NewWriter(httptest.NewRecorder(), sink)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Freelane-Model", "m:free")
	w.WriteHeader(http.StatusOK)
	body := `{"id":"c1","model":"m:free","choices":[{"message":{"role":"assistant","content":null,"reasoning":"r","reasoning_content":"r",` +
		`"tool_calls":[{"id":"call_1","type":"function","function":{"name":"Read","arguments":"{}"}},{"id":"call_2","type":"function","function":{"name":"Bash","arguments":"{\"c\":1}"}}]},` +
		`"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`
	// Written in two parts, as the chat handler does.
	fmt.Fprint(w, body[:len(body)-1])
	fmt.Fprint(w, body[len(body)-1:])
	_ = w.Close()
	want := `completion model=m:free {ID:c1 Model:m:free Text: Reasoning:r ToolCalls:[{ID:call_1 Name:Read Arguments:{}} {ID:call_2 Name:Bash Arguments:{"c":1}}] FinishReason:tool_calls Usage:`
	if len(sink.got) != 2 || !strings.HasPrefix(sink.got[0], want) || !strings.HasSuffix(sink.got[0], "usage={PromptTokens:3 CompletionTokens:4 TotalTokens:7 CachedTokens:0 CacheWriteTokens:0 ReasoningTokens:0} via=m:free") {
		t.Errorf("got %q", sink.got)
	}
}

func TestWriter_SinkFailureFailsWrite(t *testing.T) {
	sink := &recordingSink{failAt: "chunk"}
	w := NewWriter(httptest.NewRecorder(), sink)
	w.Header().Set("Content-Type", "text/event-stream")
	if _, err := fmt.Fprint(w, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"); !errors.Is(err, errGone) {
		t.Fatalf("Write error = %v, want the sink's", err)
	}
	if err := http.NewResponseController(w).Flush(); !errors.Is(err, errGone) {
		t.Errorf("Flush error = %v, want the sink's", err)
	}
}

func TestWriter_WaitingUntilAnswer(t *testing.T) {
	sink := &recordingSink{waiting: make(chan struct{}, 1)}
	w := NewWriter(httptest.NewRecorder(), sink)
	w.WaitEvery(time.Millisecond)
	select {
	case <-sink.waiting:
	case <-time.After(5 * time.Second):
		t.Fatal("Waiting was not called")
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_ = w.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	if sink.got[0] != "waiting " {
		t.Errorf("first call %q, want waiting", sink.got[0])
	}
	n := len(sink.got)
	if sink.got[n-3] != "start via=" {
		t.Errorf("calls %q: want the stream start after the waits", sink.got)
	}
}

func TestWriter_UnwrapReachesClient(t *testing.T) {
	rec := httptest.NewRecorder()
	w := NewWriter(rec, &recordingSink{})
	if w.Unwrap() != http.ResponseWriter(rec) {
		t.Error("Unwrap does not return the client's writer")
	}
}

func TestAPIFrom(t *testing.T) {
	ctx := context.Background()
	if got := APIFrom(ctx); got != APIChat {
		t.Errorf("default API = %q, want chat", got)
	}
	if got := APIFrom(WithAPI(ctx, APIAnthropic)); got != APIAnthropic {
		t.Errorf("API = %q, want anthropic", got)
	}
}

func FuzzWriterStream(f *testing.F) {
	f.Add([]byte(chatStream), 5)
	f.Add([]byte("data: {\"error\":\"x\"}\n\n"), 1)
	f.Fuzz(func(t *testing.T, data []byte, size int) {
		size = max(1, size%97)
		w := NewWriter(httptest.NewRecorder(), &recordingSink{})
		w.Header().Set("Content-Type", "text/event-stream")
		for len(data) > 0 {
			n := min(size, len(data))
			_, _ = w.Write(data[:n])
			data = data[n:]
		}
		_ = w.Close()
	})
}
