package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// BenchModel is the free model the load asks for; the upstream lists it
// first so Freelane routes every call to it.
const BenchModel = "bench/instant-model:free"

// catalogJSON is a minimal /models answer with two free models that pass
// Freelane's free filter.
const catalogJSON = `{"data":[` +
	`{"id":"` + BenchModel + `","name":"Bench: Instant (free)","created":1733506137,"context_length":131072,` +
	`"architecture":{"modality":"text->text","input_modalities":["text"],"output_modalities":["text"]},` +
	`"pricing":{"prompt":"0","completion":"0","request":"0","image":"0"},` +
	`"top_provider":{"context_length":131072,"max_completion_tokens":8192},"supported_parameters":["max_tokens","tools"]},` +
	`{"id":"bench/spare-model:free","name":"Bench: Spare (free)","created":1733506137,"context_length":65536,` +
	`"architecture":{"modality":"text->text","input_modalities":["text"],"output_modalities":["text"]},` +
	`"pricing":{"prompt":"0","completion":"0"},` +
	`"top_provider":{"context_length":65536,"max_completion_tokens":4096},"supported_parameters":["max_tokens"]}]}`

const keyJSON = `{"data":{"label":"sk-or-v1-ben...ch0","is_free_tier":false,` +
	`"free_model_daily_requests":{"limit":100000000,"remaining":100000000,"used":0}}}`

// completionJSON is a typical short non-streamed answer, shaped like
// OpenRouter's (provider, usage, native_finish_reason).
const completionJSON = `{"id":"gen-1750000000-benchAAAAAAAAAAAAAAAA","object":"chat.completion","created":1750000000,` +
	`"model":"` + BenchModel + `","provider":"Bench","system_fingerprint":null,"choices":[{"index":0,"logprobs":null,` +
	`"finish_reason":"stop","native_finish_reason":"stop","message":{"role":"assistant",` +
	`"content":"Hello! How can I help you today? Ask me anything about your code.","refusal":null,"reasoning":null}}],` +
	`"usage":{"prompt_tokens":12,"completion_tokens":16,"total_tokens":28}}`

// streamEvents is a typical short stream: the keep-alive comment, four
// content deltas, the finish chunk, the usage chunk and [DONE], each
// written and flushed on its own as OpenRouter does.
var streamEvents = func() [][]byte {
	chunk := func(delta, finish string) []byte {
		return []byte(`data: {"id":"gen-1750000000-benchAAAAAAAAAAAAAAAA","object":"chat.completion.chunk","created":1750000000,` +
			`"model":"` + BenchModel + `","provider":"Bench","choices":[{"index":0,"delta":` + delta +
			`,"finish_reason":` + finish + `,"native_finish_reason":` + finish + `}]}` + "\n\n")
	}
	events := [][]byte{[]byte(": OPENROUTER PROCESSING\n\n")}
	for _, piece := range []string{"Hello! ", "How can I ", "help you ", "today?"} {
		events = append(events, chunk(`{"role":"assistant","content":"`+piece+`"}`, "null"))
	}
	events = append(events,
		chunk(`{"role":"assistant","content":""}`, `"stop"`),
		[]byte(`data: {"id":"gen-1750000000-benchAAAAAAAAAAAAAAAA","object":"chat.completion.chunk","created":1750000000,`+
			`"model":"`+BenchModel+`","provider":"Bench","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":16,"total_tokens":28}}`+"\n\n"),
		[]byte("data: [DONE]\n\n"))
	return events
}()

// holdAfter is the number of stream events written before a held stream
// waits: the keep-alive and the first content delta, so the client has
// its first byte.
const holdAfter = 2

// Upstream is an instant OpenRouter: canned answers, no decoding, no
// bookkeeping beyond a call counter. It is safe for concurrent use.
type Upstream struct {
	srv *http.Server
	ln  net.Listener

	conns atomic.Int64 // connections accepted

	mu    sync.Mutex
	calls int
	hold  chan struct{} // non-nil: streams pause after holdAfter events until it is closed
	held  int           // streams currently paused
}

// StartUpstream serves an instant upstream on a loopback port.
func StartUpstream() (*Upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the instant upstream: %w", err)
	}
	u := &Upstream{ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/models", u.serveJSON(catalogJSON))
	mux.HandleFunc("GET /api/v1/key", u.serveJSON(keyJSON))
	mux.HandleFunc("POST /api/v1/chat/completions", u.handleChat)
	u.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				u.conns.Add(1)
			}
		}}
	// The label tells the upstream's work apart in a CPU profile of an
	// in-process run.
	pprof.Do(context.Background(), pprof.Labels("side", "upstream"), func(context.Context) {
		go func() { _ = u.srv.Serve(ln) }()
	})
	return u, nil
}

// URL is the server root, e.g. http://127.0.0.1:41234.
func (u *Upstream) URL() string { return "http://" + u.ln.Addr().String() }

// BaseURL is what OPENROUTER_BASE_URL points at.
func (u *Upstream) BaseURL() string { return u.URL() + "/api/v1" }

// ChatPath is the chat endpoint's path relative to URL.
const ChatPath = "/api/v1/chat/completions"

// Calls is the number of chat calls answered so far.
func (u *Upstream) Calls() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls
}

// Hold makes new streams pause after their first content delta until the
// returned release is called; Held reports how many are paused.
func (u *Upstream) Hold() (release func()) {
	ch := make(chan struct{})
	u.mu.Lock()
	u.hold = ch
	u.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			u.mu.Lock()
			u.hold = nil
			u.mu.Unlock()
			close(ch)
		})
	}
}

// Held is the number of streams currently paused by Hold.
func (u *Upstream) Held() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.held
}

// Close stops the server and drops its connections.
func (u *Upstream) Close() error {
	if err := u.srv.Close(); err != nil {
		return fmt.Errorf("closing the instant upstream: %w", err)
	}
	return nil
}

func (u *Upstream) serveJSON(body string) http.HandlerFunc {
	b := []byte(body)
	length := strconv.Itoa(len(b))
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", length)
		_, _ = w.Write(b)
	}
}

var (
	completionBytes  = []byte(completionJSON)
	completionLength = strconv.Itoa(len(completionJSON))
	streamTrue       = [][]byte{[]byte(`"stream":true`), []byte(`"stream": true`)}
	bodyPool         = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

func (u *Upstream) handleChat(w http.ResponseWriter, r *http.Request) {
	buf := bodyPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bodyPool.Put(buf) }()
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return // the client went away mid-body
	}
	stream := bytes.Contains(buf.Bytes(), streamTrue[0]) || bytes.Contains(buf.Bytes(), streamTrue[1])
	u.mu.Lock()
	u.calls++
	hold := u.hold
	u.mu.Unlock()

	h := w.Header()
	if !stream {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", completionLength)
		_, _ = w.Write(completionBytes)
		return
	}
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	for i, ev := range streamEvents {
		if i == holdAfter && hold != nil && !u.wait(r.Context(), hold) {
			return
		}
		if _, err := w.Write(ev); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// wait pauses a held stream; false when its client left first.
func (u *Upstream) wait(ctx context.Context, hold <-chan struct{}) bool {
	u.mu.Lock()
	u.held++
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		u.held--
		u.mu.Unlock()
	}()
	select {
	case <-hold:
		return true
	case <-ctx.Done():
		return false
	}
}

// drain reads and closes a response body so its connection is reused.
func drain(body io.ReadCloser) error {
	_, err := io.Copy(io.Discard, body)
	if cerr := body.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the answer: %w", err)
	}
	return nil
}
