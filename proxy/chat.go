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
	retries   bool    // whether the retry gate was consulted and allowed more attempts
	lastByte  [1]byte // a non-stream answer's last byte, sent once the call is recorded
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
	if !readRequestBody(w, r, buf, cfg.MaxBodyBytes, s.opts.BodyReadTimeout) {
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
	if err != nil && !errors.Is(err, limiter.ErrQueueTimeout) && !errors.Is(err, limiter.ErrQueueFull) {
		// A client that left the queue made no upstream call: nothing to count.
		return
	}
	var res callResult
	if err != nil {
		limit, inFlight, queued := s.limiter.Snapshot()
		busy := fmt.Sprintf("Freelane is busy: %d calls in flight (MAX_CONCURRENT_REQUESTS=%d) and %d waiting", inFlight, limit, queued)
		if errors.Is(err, limiter.ErrQueueFull) {
			res = c.fail(chatFailure{kind: failQueueFull, detail: fmt.Sprintf(
				"%s, as many as may wait (MAX_QUEUED_REQUESTS=%d, MAX_QUEUED_BODY_MB=%d). Try again shortly.",
				busy, cfg.MaxQueued, cfg.MaxQueuedBytes>>20)})
		} else {
			res = c.fail(chatFailure{kind: failQueueTimeout, detail: fmt.Sprintf(
				"%s; this call waited %s. Try again shortly.", busy, cfg.QueueTimeout)})
		}
	} else {
		defer release()
		res = c.run()
	}
	c.record(res)
	res.finishWrite(c.w)
}

// readRequestBody reads the request body into buf (see readBody), or
// answers why it could not; false when it answered.
func readRequestBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer, limit int64, timeout time.Duration) bool {
	status, err := readBody(w, r, buf, limit, timeout)
	if err == nil {
		return true
	}
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
	return false
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

// callResult is how one chat call ended: the attempt loop returns it and
// the handler records it once (statistics, quota, log, debug capture).
type callResult struct {
	model   string // the model that answered, or whose answer broke off
	outcome stats.Outcome
	status  int    // the status answered (statusClientGone when the client left)
	code    string // the error code answered, "" for an answer
	message string // what went wrong, "" for an answer
	// attempts counts the attempts that reached OpenRouter, which cost
	// quota; unreached the ones that could not connect to it at all.
	attempts, unreached int
	// rest and flush finish the answer once the call is recorded, so a
	// client that has its whole answer finds the call counted even if
	// Freelane stops the next instant.
	rest  []byte
	flush *http.ResponseController
}

// reachedOpenRouter reports whether the call says anything about
// OpenRouter: true when an attempt reached it, false when attempts were made
// and none could connect, and ok false when no attempt was made.
func (r callResult) reachedOpenRouter() (reached, ok bool) {
	return r.attempts > 0, r.attempts > 0 || r.unreached > 0
}

// finishWrite sends what the answer held back until the call was recorded.
func (r callResult) finishWrite(w http.ResponseWriter) {
	if len(r.rest) > 0 {
		_, _ = w.Write(r.rest) // a client gone now has all but this
	}
	if r.flush != nil {
		_ = r.flush.Flush()
	}
}

// result is the call's outcome with the attempts made so far.
func (c *chatCall) result(model string, outcome stats.Outcome, status int, code, msg string) callResult {
	return callResult{model: model, outcome: outcome, status: status, code: code, message: msg,
		attempts: len(c.tried) - c.unreached, unreached: c.unreached}
}

// gone is the result of a call whose client left before its answer ended.
func (c *chatCall) gone(model string) callResult {
	return c.result(model, stats.OutcomeFailed, statusClientGone, "", errClientGone.Error())
}

// record counts the call: the one place a chat call reaches the statistics,
// the quota count, the upstream status, the log and, in debug mode, a
// capture. Only attempts that reached OpenRouter are counted as attempts:
// the retry gate and the quota estimate are about OpenRouter, and an
// offline machine spends nothing.
func (c *chatCall) record(res callResult) {
	s := c.s
	dur := s.now().Sub(c.start)
	call := stats.Call{
		Time: c.start, Model: res.model, Outcome: res.outcome, Duration: dur,
		Attempts: res.attempts, Stream: c.req.Stream, Status: res.status, Error: res.message,
	}
	if err := s.stats.Record(call); err != nil {
		s.log.Error("call not counted", "err", err)
	}
	s.lastCall.Store(s.now().UnixNano())
	s.quota.spent(res.attempts)
	if reached, ok := res.reachedOpenRouter(); ok {
		s.reach.observe(reached)
	}
	// Every call is in the statistics journal already; the log names the
	// failures, and successes only at LOG_LEVEL=debug (one write less per call).
	level := slog.LevelDebug
	if res.outcome != stats.OutcomeSuccess {
		level = slog.LevelWarn
	}
	// Asked first: the arguments cost allocations even when the line is not
	// written, which is every success at the default level.
	if ctx := context.Background(); s.log.Enabled(ctx, level) {
		s.log.Log(ctx, level, "chat call", "model", res.model, "outcome", string(res.outcome), "status", res.status,
			"attempts", res.attempts, "stream", c.req.Stream, "dur", dur.Round(time.Millisecond), "err", res.message)
	}
	if c.rec != nil {
		c.rec.DurationMs = dur.Milliseconds()
		c.rec.Outcome = string(res.outcome)
		c.rec.Model = res.model
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
