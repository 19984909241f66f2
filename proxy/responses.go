package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/freelane/freelane/proxy/openai"
	"github.com/freelane/freelane/proxy/responses"
	"github.com/freelane/freelane/proxy/translate"
)

// Bounds of the in-memory store behind previous_response_id.
const (
	storedResponses     = 256
	storedResponseBytes = 64 << 20
)

// handleResponses serves POST /v1/responses (Codex, the OpenAI SDKs'
// Responses clients) on the chat path: the request becomes a chat request,
// the chat handler answers it (routing, failover, stats, quota), and its
// answer is turned back into a Responses object or event stream.
func (s *Server) handleResponses(w http.ResponseWriter, r *http.Request) {
	cfg := &s.runtime().cfg
	buf := getBuffer()
	defer putBuffer(buf)
	if !readRequestBody(w, r, buf, cfg.MaxBodyBytes, s.opts.BodyReadTimeout) {
		return
	}
	var req responses.Request
	if err := json.Unmarshal(buf.Bytes(), &req); err != nil {
		writeParamError(w, http.StatusBadRequest, "invalid_json", "", "The request body is not a valid Responses API request: "+err.Error())
		return
	}
	var history []translate.ChatMessage
	if id := req.PreviousResponseID; id != "" {
		var ok bool
		if history, ok = s.responses.Get(id); !ok {
			writeParamError(w, http.StatusBadRequest, "previous_response_not_found", "previous_response_id", fmt.Sprintf(
				"Freelane has no response %q: it keeps the last %d responses stored (store: true) in memory until it restarts. Send the whole conversation in input instead.",
				id, storedResponses))
			return
		}
	}
	tr, err := responses.ToChat(&req, history)
	if err != nil {
		re, ok := err.(*responses.RequestError)
		if !ok {
			re = &responses.RequestError{Code: "invalid_request", Message: err.Error()}
		}
		writeParamError(w, http.StatusBadRequest, re.Code, re.Param, re.Message)
		return
	}
	if len(tr.Dropped) > 0 {
		s.log.Info("removed hosted tools from a Responses request; free models cannot run them", "tools", tr.Dropped)
	}
	body, err := json.Marshal(tr.Chat)
	if err != nil {
		writeParamError(w, http.StatusBadRequest, "invalid_request", "", "The request could not be translated: "+err.Error())
		return
	}

	id := responses.NewID("resp")
	sink := &responsesSink{w: w, rc: http.NewResponseController(w), stream: req.Stream, codex: isCodex(r)}
	var out io.Writer
	if req.Stream {
		out = w
	}
	sink.b = responses.NewBuilder(&req, tr, id, s.now(), out)
	chatReq := r.Clone(translate.WithAPI(r.Context(), translate.APIResponses))
	chatReq.Body = io.NopCloser(bytes.NewReader(body))
	chatReq.ContentLength = int64(len(body))
	chatReq.Header.Set("Content-Type", "application/json")
	tw := translate.NewWriter(w, sink)
	s.handleChat(tw, chatReq)
	if err := tw.Close(); err != nil {
		return // the client left; the chat handler counted the call
	}
	if sink.done && req.Stored() {
		s.responses.Put(id, append(tr.Conversation, sink.b.Reply()))
	}
}

// writeParamError answers an error in OpenAI's envelope naming the request
// parameter at fault, as the Responses API does.
func writeParamError(w http.ResponseWriter, status int, code, param, message string) {
	env := openai.ErrorResponse{Error: openai.ErrorBody{Message: message, Type: openai.ErrorType(status), Code: code}}
	if param != "" {
		env.Error.Param = &param
	}
	body, _ := json.Marshal(env)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// responsesSink turns the chat handler's answer into the Responses answer.
type responsesSink struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	b      *responses.Builder
	stream bool
	codex  bool // the client is Codex (see Error)
	done   bool // the answer completed (not failed)
}

// isCodex reports whether the call comes from the Codex CLI or one of its
// front ends, which name themselves in the "originator" header
// (codex_exec, codex_cli_rs, codex_vscode, ...).
func isCodex(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Originator"), "codex")
}

// passedHeaders are the chat answer's headers a Responses client gets too.
var passedHeaders = []string{headerModel, headerAttempts, "Retry-After", "X-RateLimit-Reset"}

func (k *responsesSink) copyHeaders(h http.Header) {
	for _, name := range passedHeaders {
		if v := h.Get(name); v != "" {
			k.w.Header().Set(name, v)
		}
	}
}

func (k *responsesSink) Error(e *translate.Error) error {
	k.copyHeaders(e.Header)
	if k.stream && k.codex && e.Code == codeMinuteLimit {
		return k.askCodexToWait(e)
	}
	openai.WriteError(k.w, e.Status, e.Code, e.Message)
	return nil
}

// codeMinuteLimit is the chat path's code for OpenRouter's per-minute limit
// on free models.
const codeMinuteLimit = "free_minute_limit_reached"

// askCodexToWait answers the per-minute limit in the form Codex waits on:
// Codex ends the turn on an HTTP 429, but retries a stream that fails with
// rate_limit_exceeded after the delay its message names ("try again in
// 12s"). The daily limit is not answered so: waiting hours helps nobody.
func (k *responsesSink) askCodexToWait(e *translate.Error) error {
	wait := 60
	if n, err := strconv.Atoi(e.RetryAfter); err == nil && n > 0 {
		wait = n
	}
	if err := k.StreamStart(e.Header); err != nil {
		return err
	}
	k.b.Fail("rate_limit_exceeded", fmt.Sprintf("%s Please try again in %ds.", e.Message, wait))
	return k.b.Err()
}

func (k *responsesSink) Completion(h http.Header, c *translate.Completion) error {
	k.copyHeaders(h)
	b := k.b
	b.Start(cmpModel(c.Model, h.Get(headerModel)))
	b.Reasoning(c.Reasoning)
	b.Text(c.Text)
	for i, call := range c.ToolCalls {
		b.ToolCall(i, call.ID, call.Name, call.Arguments)
	}
	b.Finish(c.FinishReason)
	if c.Usage != nil {
		b.Usage(responsesUsage(c.Usage))
	}
	resp := b.Complete()
	k.done = true
	body, err := json.Marshal(resp)
	if err != nil {
		return fmt.Errorf("encoding the response: %w", err)
	}
	k.w.Header().Set("Content-Type", "application/json")
	k.w.WriteHeader(http.StatusOK)
	_, err = k.w.Write(append(body, '\n'))
	return err
}

// responsesUsage is the chat usage as the Responses API counts it:
// input_tokens includes the cached ones.
func responsesUsage(u *translate.Usage) responses.Usage {
	return responses.Usage{
		InputTokens:         u.PromptTokens,
		InputTokensDetails:  responses.InputTokensDetails{CachedTokens: u.CachedTokens},
		OutputTokens:        u.CompletionTokens,
		OutputTokensDetails: responses.OutputTokensDetails{ReasoningTokens: u.ReasoningTokens},
		TotalTokens:         u.TotalTokens,
	}
}

// cmpModel prefers the model the answer names, then the header's.
func cmpModel(body, header string) string {
	if body != "" {
		return body
	}
	return header
}

func (k *responsesSink) StreamStart(h http.Header) error {
	k.copyHeaders(h)
	wh := k.w.Header()
	wh.Set("Content-Type", "text/event-stream; charset=utf-8")
	wh.Set("Cache-Control", "no-cache")
	wh.Set("X-Accel-Buffering", "no")
	k.w.WriteHeader(http.StatusOK)
	k.b.Start(h.Get(headerModel))
	return k.b.Err()
}

func (k *responsesSink) Chunk(c *translate.Chunk) error {
	b := k.b
	b.Reasoning(c.Reasoning)
	b.Text(c.Text)
	for _, t := range c.ToolCalls {
		b.ToolCall(t.Index, t.ID, t.Name, t.Arguments)
	}
	b.Finish(c.FinishReason)
	if c.Usage != nil {
		b.Usage(responsesUsage(c.Usage))
	}
	return b.Err()
}

// KeepAlive passes the stream's keep-alive on as an SSE comment, which the
// Responses clients skip.
func (k *responsesSink) KeepAlive() error {
	_, err := io.WriteString(k.w, ": keep-alive\n\n")
	return err
}

func (k *responsesSink) StreamError(e *translate.Error) error {
	code := "server_error"
	if e.Status == http.StatusTooManyRequests {
		code = "rate_limit_exceeded"
	}
	k.b.Fail(code, e.Message)
	return k.b.Err()
}

func (k *responsesSink) StreamEnd(complete bool) error {
	if !complete {
		k.b.Fail("server_error", "the answer broke off before its end")
		return k.b.Err()
	}
	k.b.Complete()
	k.done = true
	return k.b.Err()
}

// Waiting sends nothing: until the chat handler answers, the status is not
// known, and an error must still go out as one.
func (k *responsesSink) Waiting() error { return nil }

func (k *responsesSink) Flush() error {
	if !k.stream {
		return nil
	}
	return k.rc.Flush()
}
