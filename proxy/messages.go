package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/anthropic"
	"github.com/freelane/freelane/proxy/translate"
)

// defaultStreamPing is how long a Messages stream waits for the chat path's
// first event before it sends a ping (and from then on between pings):
// Claude Code shows "waiting for API response" after 20 s without data.
const defaultStreamPing = 10 * time.Second

// handleMessages serves POST /v1/messages (Anthropic Messages API) by
// translating it onto the chat path: routing, failover, the retry gate,
// the concurrency cap, statistics, debug capture and quota apply as for
// /v1/chat/completions.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	reqID := anthropic.NewID("req_")
	req, ok := s.readMessagesRequest(w, r, reqID, false)
	if !ok {
		return
	}
	cfg := s.config()
	chatBody, err := anthropic.ToChat(req, anthropic.ResolveModel(req.Model, cfg.ClaudeModels))
	if err != nil {
		anthropic.NewError(http.StatusBadRequest, err.Error()).Write(w, reqID)
		return
	}
	inner := r.Clone(translate.WithAPI(r.Context(), translate.APIAnthropic))
	inner.Body = io.NopCloser(bytes.NewReader(chatBody))
	inner.ContentLength = int64(len(chatBody))
	inner.Header.Set("Content-Type", "application/json")

	sink := &messagesSink{w: w, reqID: reqID, req: req, msgID: anthropic.NewID("msg_"), estimate: anthropic.CountTokens(req)}
	sink.stream = anthropic.NewStream(sink.msgID, req.Model, anthropic.ShowsThinking(req), sink.estimate)
	tw := translate.NewWriter(w, sink)
	if req.Stream {
		tw.WaitEvery(s.streamPing())
	}
	s.handleChat(tw, inner)
	_ = tw.Close() // a client gone is counted by the chat path already
}

func (s *Server) streamPing() time.Duration {
	if s.opts.StreamPing > 0 {
		return s.opts.StreamPing
	}
	return defaultStreamPing
}

// handleCountTokens serves POST /v1/messages/count_tokens with an estimate
// (see anthropic.CountTokens); no upstream call is made.
func (s *Server) handleCountTokens(w http.ResponseWriter, r *http.Request) {
	reqID := anthropic.NewID("req_")
	req, ok := s.readMessagesRequest(w, r, reqID, true)
	if !ok {
		return
	}
	w.Header().Set("Request-Id", reqID)
	writeJSON(w, http.StatusOK, map[string]int{"input_tokens": anthropic.CountTokens(req)})
}

// readMessagesRequest reads and checks a Messages body, answering the
// client in Anthropic's envelope when it is refused.
func (s *Server) readMessagesRequest(w http.ResponseWriter, r *http.Request, reqID string, countOnly bool) (*anthropic.Request, bool) {
	cfg := s.config()
	buf := getBuffer()
	defer putBuffer(buf)
	if status, err := readBody(w, r, buf, cfg.MaxBodyBytes, s.opts.BodyReadTimeout); err != nil {
		w.Header().Set("Connection", "close") // see handleChat
		anthropic.NewError(status, err.Error()).Write(w, reqID)
		return nil, false
	}
	req, err := anthropic.DecodeRequest(buf.Bytes(), countOnly)
	if err != nil {
		var re *anthropic.RequestError
		if !errors.As(err, &re) {
			err = &anthropic.RequestError{Message: err.Error()}
		}
		anthropic.NewError(http.StatusBadRequest, err.Error()).Write(w, reqID)
		return nil, false
	}
	return req, true
}

// messagesSink writes the chat path's answer as a Messages answer.
type messagesSink struct {
	w         http.ResponseWriter
	reqID     string
	msgID     string
	req       *anthropic.Request
	estimate  int // input tokens, estimated
	stream    *anthropic.Stream
	committed bool // the SSE answer began (status 200 sent)
}

// commitStream sends the status line of an SSE answer.
func (m *messagesSink) commitStream(h http.Header) {
	if m.committed {
		return
	}
	m.committed = true
	out := m.w.Header()
	out.Set("Content-Type", "text/event-stream; charset=utf-8")
	out.Set("Cache-Control", "no-cache")
	out.Set("X-Accel-Buffering", "no")
	out.Set("Request-Id", m.reqID)
	copyFreelaneHeaders(out, h)
	m.w.WriteHeader(http.StatusOK)
}

// copyFreelaneHeaders passes on the headers that name the model that
// answered and the attempts it took.
func copyFreelaneHeaders(dst, src http.Header) {
	for _, k := range [...]string{headerModel, headerAttempts} {
		if v := src.Get(k); v != "" {
			dst.Set(k, v)
		}
	}
}

func (m *messagesSink) send(evs []anthropic.Event) error {
	for _, ev := range evs {
		if _, err := m.w.Write(ev.Frame()); err != nil {
			return err
		}
	}
	return nil
}

func (m *messagesSink) Error(e *translate.Error) error {
	info := anthropic.FromChat(e)
	if m.committed {
		return m.send(m.stream.Fail(info))
	}
	if e.Header != nil && e.Header.Get("Connection") == "close" {
		m.w.Header().Set("Connection", "close")
	}
	info.Write(m.w, m.reqID)
	return nil
}

func (m *messagesSink) Completion(h http.Header, c *translate.Completion) error {
	model := h.Get(headerModel)
	if model == "" {
		model = c.Model
	}
	resp := anthropic.FromCompletion(c, m.msgID, model, anthropic.ShowsThinking(m.req), m.estimate)
	body, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	out := m.w.Header()
	out.Set("Content-Type", "application/json")
	out.Set("Request-Id", m.reqID)
	out.Set("Content-Length", strconv.Itoa(len(body)))
	copyFreelaneHeaders(out, h)
	m.w.WriteHeader(http.StatusOK)
	_, err = m.w.Write(body)
	return err
}

func (m *messagesSink) StreamStart(h http.Header) error {
	m.commitStream(h)
	return m.send(m.stream.Start(h.Get(headerModel)))
}

func (m *messagesSink) Chunk(c *translate.Chunk) error { return m.send(m.stream.Chunk(c)) }

func (m *messagesSink) KeepAlive() error { return m.send([]anthropic.Event{anthropic.Ping()}) }

func (m *messagesSink) StreamError(e *translate.Error) error {
	return m.send(m.stream.Fail(anthropic.FromStreamError(e)))
}

func (m *messagesSink) StreamEnd(complete bool) error {
	if !complete {
		return m.send(m.stream.Fail(anthropic.NewError(http.StatusBadGateway, "the answer broke off before its end")))
	}
	return m.send(m.stream.End())
}

// Waiting keeps a slow stream alive: the status line goes out, then pings
// until the chat path answers. An error after that point is an error event.
func (m *messagesSink) Waiting() error {
	m.commitStream(nil)
	return m.send([]anthropic.Event{anthropic.Ping()})
}

func (m *messagesSink) Flush() error { return http.NewResponseController(m.w).Flush() }

// wantsAnthropicModels reports whether a models request comes from an
// Anthropic client (it sends anthropic-version).
func wantsAnthropicModels(r *http.Request) bool {
	return r.Header.Get("Anthropic-Version") != ""
}

// handleAnthropicModels lists the models in Anthropic's shape: the Claude
// family names Freelane maps (Claude Code keeps only ids that start with
// "claude"), "auto", then the free models.
func (s *Server) handleAnthropicModels(w http.ResponseWriter, r *http.Request) {
	cfg := s.config()
	created := s.started.Unix()
	all := make([]anthropic.ModelInfo, 0, 8)
	for _, family := range [...]string{"opus", "sonnet", "haiku"} {
		name := "Best free model (Freelane)"
		if pin := cfg.ClaudeModels[family]; pin != "" {
			name = pin + " (Freelane)"
		}
		all = append(all, anthropic.NewModelInfo("claude-"+family+"-freelane", strings.ToUpper(family[:1])+family[1:]+": "+name, created))
	}
	all = append(all, anthropic.NewModelInfo(AutoModel, "Best free model (Freelane)", created))
	for _, m := range s.catalog.Models() {
		all = append(all, anthropic.NewModelInfo(m.ID, m.Name, m.Created))
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	writeJSON(w, http.StatusOK, anthropic.Page(all, limit, q.Get("after_id"), q.Get("before_id")))
}
