package proxy

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/freelane/freelane/proxy/config"
)

// Hot-path benchmarks: one chat call end to end through the real handler
// and a real loopback connection, against a canned upstream whose own cost
// is a few microseconds. proxy/loadtest measures the same under load.

const benchModel = "bench/instant-model:free"

const benchCatalog = `{"data":[{"id":"` + benchModel + `","name":"Bench (free)","created":1733506137,"context_length":131072,` +
	`"architecture":{"modality":"text->text","input_modalities":["text"],"output_modalities":["text"]},` +
	`"pricing":{"prompt":"0","completion":"0"},"top_provider":{"context_length":131072,"max_completion_tokens":8192},` +
	`"supported_parameters":["max_tokens","tools"]}]}`

const benchAnswer = `{"id":"gen-1","object":"chat.completion","created":1750000000,"model":"` + benchModel + `","provider":"Bench",` +
	`"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hello! How can I help you today?"}}],` +
	`"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}`

func benchChunk(content string) string {
	return `data: {"id":"gen-1","object":"chat.completion.chunk","created":1750000000,"model":"` + benchModel +
		`","provider":"Bench","choices":[{"index":0,"delta":{"role":"assistant","content":"` + content +
		`"},"finish_reason":null}]}` + "\n\n"
}

// benchStream is a stream of n content events, a finish event and [DONE].
func benchStream(n int) []byte {
	var b strings.Builder
	b.WriteString(": OPENROUTER PROCESSING\n\n")
	for i := range n {
		b.WriteString(benchChunk("word" + strconv.Itoa(i%10) + " "))
	}
	b.WriteString(`data: {"id":"gen-1","object":"chat.completion.chunk","created":1750000000,"model":"` + benchModel +
		`","provider":"Bench","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String())
}

// countingListener counts the writes made to the connections it accepts:
// each one is a system call on the client's connection.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, writes: l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// benchProxy is Freelane in front of a canned upstream whose stream answer
// is stream, written in one burst.
type benchProxy struct {
	url    string
	client *http.Client
	writes atomic.Int64 // writes to client connections
}

func newBenchProxy(b *testing.B, stream []byte) *benchProxy {
	b.Helper()
	up := http.NewServeMux()
	up.HandleFunc("GET /api/v1/models", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, benchCatalog) })
	up.HandleFunc("GET /api/v1/key", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"data":{"label":"bench","free_model_daily_requests":{"limit":1000000000,"remaining":1000000000,"used":0}}}`)
	})
	up.HandleFunc("POST /api/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(`"stream":true`)) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write(stream)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, benchAnswer)
	})
	upstream := httptest.NewServer(up)
	b.Cleanup(upstream.Close)

	home := b.TempDir()
	vars := map[string]string{
		"OPENROUTER_API_KEY":      testKey,
		"OPENROUTER_BASE_URL":     upstream.URL + "/api/v1",
		"LISTEN_ADDR":             "127.0.0.1:0",
		"MAX_CONCURRENT_REQUESTS": "1000",
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	cfg, err := config.LoadWith(home, lookup)
	if err != nil {
		b.Fatalf("loading config: %v", err)
	}
	srv, err := New(cfg, Options{Version: "bench", Logger: slog.New(slog.DiscardHandler), Env: lookup})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	if err := srv.catalog.Refresh(b.Context()); err != nil {
		b.Fatalf("loading the catalog: %v", err)
	}
	p := &benchProxy{}
	front := httptest.NewUnstartedServer(srv.Handler())
	front.Listener = countingListener{Listener: front.Listener, writes: &p.writes}
	front.Start()
	b.Cleanup(func() {
		front.Close()
		_ = srv.Close()
	})
	p.url, p.client = front.URL+"/v1/chat/completions", front.Client()
	return p
}

// call makes one chat call and returns the answer's size.
func (p *benchProxy) call(b *testing.B, body string) int {
	req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, p.url, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d, read error %v", resp.StatusCode, err)
	}
	return int(n)
}

const (
	benchChatBody   = `{"model":"` + benchModel + `","messages":[{"role":"user","content":"Say hello."}]}`
	benchStreamBody = `{"model":"` + benchModel + `","stream":true,"messages":[{"role":"user","content":"Say hello."}]}`
)

// BenchmarkChat_NonStream is one non-streamed call end to end: middleware,
// inspection, limiter, routing, rewrite, upstream round trip, relay, stats.
func BenchmarkChat_NonStream(b *testing.B) {
	p := newBenchProxy(b, nil)
	p.call(b, benchChatBody) // open the connections
	b.ReportAllocs()
	for b.Loop() {
		p.call(b, benchChatBody)
	}
}

// BenchmarkChat_Stream is one streamed call of 8 content events.
func BenchmarkChat_Stream(b *testing.B) {
	p := newBenchProxy(b, benchStream(8))
	p.call(b, benchStreamBody)
	b.ReportAllocs()
	before := p.writes.Load()
	for b.Loop() {
		p.call(b, benchStreamBody)
	}
	b.ReportMetric(float64(p.writes.Load()-before)/float64(b.N), "client-writes/op")
}

// BenchmarkStreamRelay_Event is the cost of relaying one event: each op is
// one event of a 1000-event stream that arrives in one burst.
func BenchmarkStreamRelay_Event(b *testing.B) {
	const events = 1000
	p := newBenchProxy(b, benchStream(events))
	p.call(b, benchStreamBody)
	b.ReportAllocs()
	before := p.writes.Load()
	calls := 0
	for i := 0; b.Loop(); i++ {
		if i%events == 0 {
			p.call(b, benchStreamBody)
			calls++
		}
	}
	b.ReportMetric(float64(p.writes.Load()-before)/float64(calls*events), "client-writes/event")
}
