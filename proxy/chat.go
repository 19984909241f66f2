package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/capture"
	"github.com/freelane/freelane/proxy/limiter"
	"github.com/freelane/freelane/proxy/openai"
	"github.com/freelane/freelane/proxy/sendtimeout"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/upstream"
)

const (
	// maxErrorBody caps how much of an upstream error body is read.
	maxErrorBody = 1 << 20
	// maxAnswerBody caps a non-stream answer held in memory.
	maxAnswerBody = 64 << 20
	// maxEventBytes caps one SSE event from upstream.
	maxEventBytes = 16 << 20
	// headerModel names the free model that answered.
	headerModel    = "X-Freelane-Model"
	headerAttempts = "X-Freelane-Attempts"
	// onlineSuffix marks a model id with OpenRouter's paid web search.
	onlineSuffix = ":online"
)

// statusClientGone is the status counted for a call whose client left
// before its answer (nginx's convention; no answer is sent).
const statusClientGone = 499

var (
	errClientGone = errors.New("client disconnected")
	errStalled    = errors.New("no data from the model within the configured timeout")
	// errInvalidAnswer names an answer or stream event that is not JSON.
	errInvalidAnswer = errors.New("the model sent an answer that is not valid JSON")
)

// chatCall is one POST /v1/chat/completions from arrival to the last byte.
type chatCall struct {
	s       *Server
	rt      *runtimeConfig
	w       http.ResponseWriter
	r       *http.Request
	start   time.Time
	body    []byte
	req     openai.ChatRequest
	checked openai.InspectedBody // body, validated once for every attempt's rewrite
	debug   bool
	rec     *capture.Record
	tried   []string
	// unreached counts the attempts in tried that never reached OpenRouter:
	// they cost no quota and say nothing about whether it answers.
	unreached int
	lastErr   *upstream.Error
	retries   bool // whether the retry gate was consulted and allowed more attempts
}

func (s *Server) handleChat(rw http.ResponseWriter, r *http.Request) {
	w := sendtimeout.Wrap(rw, s.opts.SendTimeout)
	defer w.Release()
	c := &chatCall{s: s, rt: s.runtime(), w: w, r: r, start: s.now(), debug: s.Debug()}
	cfg := &c.rt.cfg
	if cfg.APIKey == "" {
		openai.WriteError(w, http.StatusUnauthorized, "missing_api_key", fmt.Sprintf(
			"Freelane has no OpenRouter API key yet. Add OPENROUTER_API_KEY=sk-or-... to %s (picked up without a restart) or set it in the environment.", cfg.EnvFile))
		return
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if status, err := readBody(w, r, buf, cfg.MaxBodyBytes, s.opts.BodyReadTimeout); err != nil {
		code := "invalid_body"
		switch status {
		case http.StatusRequestEntityTooLarge:
			code = "request_too_large"
		case http.StatusRequestTimeout:
			code = "request_timeout"
		}
		// Whatever is left of the body stays unread: the connection closes
		// after this answer, and readBody left a read deadline that is over,
		// so net/http's drain of up to 256 KB after the handler stops at once.
		w.Header().Set("Connection", "close")
		openai.WriteError(w, status, code, err.Error())
		return
	}
	c.body = buf.Bytes()
	req, checked, err := openai.InspectChatBody(c.body)
	if err != nil {
		var re *openai.RequestError
		if errors.As(err, &re) {
			writeRequestError(w, re)
		} else {
			openai.WriteError(w, http.StatusBadRequest, "invalid_request", err.Error())
		}
		return
	}
	c.req, c.checked = req, checked
	if req.Removed != "" {
		s.log.Info("removed request fields that may bill credits, pick a model, or are unknown; Freelane forwards only free ones", "fields", req.Removed)
	}
	if c.debug {
		c.rec = c.newRecord()
	}

	release, err := s.limiter.Acquire(r.Context(), cfg.QueueTimeout, int64(len(c.body)))
	if err != nil {
		limit, inFlight, queued := s.limiter.Snapshot()
		busy := fmt.Sprintf("Freelane is busy: %d calls in flight (MAX_CONCURRENT_REQUESTS=%d) and %d waiting", inFlight, limit, queued)
		switch {
		case errors.Is(err, limiter.ErrQueueTimeout):
			w.Header().Set("Retry-After", "5")
			c.finishError(http.StatusServiceUnavailable, "queue_timeout", fmt.Sprintf(
				"%s; this call waited %s. Try again shortly.", busy, cfg.QueueTimeout), stats.OutcomeFailed)
		case errors.Is(err, limiter.ErrQueueFull):
			w.Header().Set("Retry-After", "5")
			c.finishError(http.StatusServiceUnavailable, "queue_full", fmt.Sprintf(
				"%s, as many as may wait (MAX_QUEUED_REQUESTS=%d, MAX_QUEUED_BODY_MB=%d). Try again shortly.",
				busy, cfg.MaxQueued, cfg.MaxQueuedBytes>>20), stats.OutcomeFailed)
		}
		// A client that left the queue made no upstream call: nothing to count.
		return
	}
	defer release()
	c.run()
}

// readBody reads the request body into buf within the size limit and the
// time limit (slow-body attacks; headers have ReadHeaderTimeout). The time
// limit is the read deadline bodyDeadline armed; timeout only names it.
//
// The read deadline is lifted when the body was read, so that the answer,
// a stream of many minutes, is not cut by it. After a failure it is moved
// to now, so that nothing more is read from this client (see the caller's
// Connection: close).
func readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer, limit int64, timeout time.Duration) (status int, err error) {
	rc := http.NewResponseController(w)
	defer func() {
		if err != nil {
			_ = rc.SetReadDeadline(time.Now())
		} else {
			_ = rc.SetReadDeadline(time.Time{})
		}
	}()
	if r.ContentLength > limit {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("request body is %d bytes; the limit is %d (MAX_REQUEST_BODY_MB)", r.ContentLength, limit)
	}
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, maxPreallocation)))
	}
	_, err = buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, fmt.Errorf("request body is larger than %d bytes (MAX_REQUEST_BODY_MB)", limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return http.StatusRequestTimeout, fmt.Errorf("the request body did not arrive within %s", timeout)
	case err != nil:
		return http.StatusBadRequest, fmt.Errorf("reading request body: %w", err)
	case buf.Len() == 0:
		return http.StatusBadRequest, errors.New("request body is empty; send a JSON chat completion request")
	}
	return 0, nil
}

func writeRequestError(w http.ResponseWriter, re *openai.RequestError) {
	code := re.Code
	if code == "" {
		code = "invalid_request"
	}
	openai.WriteError(w, http.StatusBadRequest, code, re.Message)
}

// finishError answers with an error and counts the call.
func (c *chatCall) finishError(status int, code, msg string, outcome stats.Outcome) {
	openai.WriteError(c.w, status, code, msg)
	if c.rec != nil {
		c.rec.Response.Status = status
		c.rec.Response.Body = openai.ErrorJSON(status, code, msg)
	}
	c.finish("", outcome, status, msg)
}

// finishGone counts a call whose client left before the answer.
func (c *chatCall) finishGone() {
	c.finish("", stats.OutcomeFailed, statusClientGone, errClientGone.Error())
}

// finish records the call in the statistics and, in debug mode, on disk.
// Only attempts that reached OpenRouter are counted: the retry gate and the
// quota estimate are about OpenRouter, and an offline machine spends nothing.
func (c *chatCall) finish(model string, outcome stats.Outcome, status int, msg string) {
	s := c.s
	dur := s.now().Sub(c.start)
	attempts := len(c.tried) - c.unreached
	call := stats.Call{
		Time: c.start, Model: model, Outcome: outcome, Duration: dur,
		Attempts: attempts, Stream: c.req.Stream, Status: status, Error: msg,
	}
	if err := s.stats.Record(call); err != nil {
		s.log.Error("call not counted", "err", err)
	}
	s.lastCall.Store(s.now().UnixNano())
	s.quota.spent(attempts)
	// Every call is in the statistics journal already; the log names the
	// failures, and successes only at LOG_LEVEL=debug (one write less per call).
	level := slog.LevelDebug
	if outcome != stats.OutcomeSuccess {
		level = slog.LevelWarn
	}
	// Asked first: the arguments cost allocations even when the line is not
	// written, which is every success at the default level.
	if ctx := context.Background(); s.log.Enabled(ctx, level) {
		s.log.Log(ctx, level, "chat call", "model", model, "outcome", string(outcome), "status", status,
			"attempts", attempts, "stream", c.req.Stream, "dur", dur.Round(time.Millisecond), "err", msg)
	}
	if c.rec != nil {
		c.rec.DurationMs = dur.Milliseconds()
		c.rec.Outcome = string(outcome)
		c.rec.Model = model
		if err := s.captures.Save(c.rec); err != nil {
			s.log.Warn("debug capture not saved", "err", err)
		}
	}
}

func (c *chatCall) newRecord() *capture.Record {
	rec := &capture.Record{ID: capture.NewID(), Time: c.start, Request: bytes.Clone(c.body), Stream: c.req.Stream}
	rec.Client.Method = c.r.Method
	rec.Client.Path = c.r.URL.Path
	rec.Client.RemoteAddr = c.r.RemoteAddr
	rec.Client.UserAgent = c.r.UserAgent()
	rec.Client.Headers = make(map[string]string, len(c.r.Header))
	for k, v := range c.r.Header {
		rec.Client.Headers[k] = strings.Join(v, ", ")
	}
	return rec
}
