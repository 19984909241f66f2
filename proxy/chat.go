package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/freelane/freelane/proxy/capture"
	"github.com/freelane/freelane/proxy/catalog"
	"github.com/freelane/freelane/proxy/openai"
	"github.com/freelane/freelane/proxy/routing"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/translate"
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

// bufPool recycles the buffers that hold request and answer bodies.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const (
	// maxPreallocation bounds the room reserved for a body before its bytes
	// arrive: a Content-Length is only a claim, and a client announcing
	// 32 MB and sending nothing must not cost 32 MB.
	maxPreallocation = 64 << 10
	// maxPooledBuffer is the largest buffer kept for reuse; a pool full of
	// the rare huge bodies would hold their memory for good.
	maxPooledBuffer = 1 << 20
)

func getBuffer() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

// putBuffer returns buf to the pool, unless it grew too large to keep.
func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledBuffer {
		return
	}
	buf.Reset()
	bufPool.Put(buf)
}

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

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
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
	if req.Paid != 0 {
		s.log.Info("removed paid features from the request; Freelane only uses free models", "features", req.Paid.String())
	}
	if c.debug {
		c.rec = c.newRecord()
	}

	release, err := s.limiter.acquire(r.Context(), cfg.QueueTimeout)
	if err != nil {
		if errors.Is(err, errQueueTimeout) {
			limit, inFlight, queued := s.limiter.snapshot()
			w.Header().Set("Retry-After", "5")
			c.finishError(http.StatusServiceUnavailable, "queue_timeout", fmt.Sprintf(
				"Freelane is busy: %d calls in flight (MAX_CONCURRENT_REQUESTS=%d) and %d waiting; this call waited %s. Try again shortly.",
				inFlight, limit, queued, cfg.QueueTimeout), stats.OutcomeFailed)
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

// run tries free models in routing order until one answers or the attempts,
// the retry gate or a final error end the call.
func (c *chatCall) run() {
	s, cfg := c.s, &c.rt.cfg
	models := s.freeModels(c.r.Context())
	needs := routing.Needs{Tools: c.req.Tools, Vision: c.req.Images}
	// "x:free:online" asks for x:free with paid web search, which the
	// rewrite drops: route it as the free model it names.
	requested := strings.TrimSuffix(c.req.Model, onlineSuffix)
	candidates, restingUntil := routing.Best(models, routing.Request{Model: requested, Needs: needs},
		cfg.PreferredModels, s.health, cfg.MaxModelAttempts)
	if len(candidates) == 0 {
		if len(models) == 0 {
			s.catalog.Trigger()
			w := c.w
			w.Header().Set("Retry-After", "10")
			c.finishError(http.StatusServiceUnavailable, "catalog_unavailable",
				"Freelane has not loaded OpenRouter's free model list yet ("+catalogProblem(s)+"); it retries in the background.", stats.OutcomeFailed)
			return
		}
		if !restingUntil.IsZero() {
			c.finishResting(restingUntil)
			return
		}
		c.finishError(http.StatusBadRequest, "no_capable_free_model", routing.CapacityHint(models, needs), stats.OutcomeFailed)
		return
	}
	for i, model := range candidates {
		if i == 1 && !c.retryAllowed() {
			break
		}
		c.tried = append(c.tried, model)
		var done bool
		if c.req.Stream {
			done = c.attemptStream(model)
		} else {
			done = c.attemptOnce(model)
		}
		if done {
			return
		}
		if c.r.Context().Err() != nil {
			c.finishGone()
			return
		}
		// When OpenRouter itself cannot be reached, every other model would
		// fail the same way.
		if !c.lastErr.Kind.TryAnotherModel() || unreachable(c.lastErr) {
			break
		}
	}
	c.failFinal()
}

// finishResting answers a call for which every capable free model is
// cooling down, without an upstream call: each attempt would count against
// the daily free quota, and a model that just failed most likely fails again.
func (c *chatCall) finishResting(until time.Time) {
	wait := until.Sub(c.s.now())
	setRetryAfter(c.w.Header(), wait)
	c.finishError(http.StatusServiceUnavailable, "all_models_cooling_down", fmt.Sprintf(
		"Every free model that can serve this request failed recently and is resting; the first is available again in %s. Freelane made no upstream call, to save the daily free quota.",
		max(wait.Round(time.Second), time.Second)), stats.OutcomeFailed)
}

// catalogWait bounds how long a call waits for the first free model list,
// e.g. right after a start without a usable cache.
const catalogWait = 15 * time.Second

// freeModels returns the free catalog; while it is still empty, the call
// fetches it (one fetch shared by all waiting calls) instead of failing.
func (s *Server) freeModels(ctx context.Context) []catalog.Model {
	if models := s.catalog.Models(); len(models) > 0 {
		return models
	}
	s.catalogFetch.Lock()
	defer s.catalogFetch.Unlock()
	if models := s.catalog.Models(); len(models) > 0 {
		return models
	}
	ctx, cancel := context.WithTimeout(ctx, catalogWait)
	defer cancel()
	if err := s.catalog.Refresh(ctx); err != nil {
		s.log.Warn("free model list not loaded", "err", err)
	}
	return s.catalog.Models()
}

// gateWindow is how many of the latest calls the retry gate looks through
// for ones that tell something about OpenRouter.
const gateWindow = 32

// retryAllowed applies the retry gate once, at the first failure. Only calls
// that reached OpenRouter count: one refused locally (no capable model, a
// full queue, no catalog) or abandoned by its client says nothing about
// whether upstream is up.
func (c *chatCall) retryAllowed() bool {
	dayStart := startOfLocalDay(c.s.now())
	var upstreamToday int
	outcomes := make([]bool, 0, routing.RecentOutcomes)
	for _, call := range c.s.stats.Recent(gateWindow) {
		if call.Attempts == 0 || call.Status == statusClientGone {
			continue
		}
		if !call.Time.Before(dayStart) {
			upstreamToday++
		}
		if len(outcomes) < cap(outcomes) {
			outcomes = append(outcomes, call.Outcome == stats.OutcomeSuccess)
		}
	}
	c.retries = routing.RetryAllowed(upstreamToday, outcomes)
	return c.retries
}

func startOfLocalDay(t time.Time) time.Time {
	y, m, d := t.Local().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

func catalogProblem(s *Server) string {
	if info := s.catalog.Info(); info.LastError != "" {
		return "last try: " + info.LastError
	}
	return "first fetch in progress"
}

// attempt bookkeeping shared by both modes.
type attempt struct {
	c       *chatCall
	model   string
	started time.Time
	first   time.Duration
}

func (c *chatCall) begin(model string) *attempt {
	return &attempt{c: c, model: model, started: c.s.now()}
}

// failed records a failed attempt: the model cools down when the failure is
// its own, and the catalog is refreshed when upstream says a model is gone.
func (a *attempt) failed(e *upstream.Error) bool {
	c := a.c
	c.scrub(e)
	c.lastErr = e
	if c.r.Context().Err() != nil {
		return false // the client left: not the model's fault
	}
	if unreachable(e) {
		// Not the model's fault: resting it would only hide it once
		// OpenRouter is back.
		c.unreached++
		c.s.log.Info("OpenRouter unreachable; the model is not rested", "model", a.model, "err", e.Message)
	} else if f, ok := routingFailure(e.Kind); ok {
		cool := c.s.health.Failure(a.model, f, e.Message)
		c.s.log.Info("free model failed; trying another", "model", a.model, "kind", e.Kind.String(), "status", e.Status, "cooldown", cool, "err", e.Message)
		if e.Kind == upstream.KindModelGone {
			c.s.catalog.Trigger()
		}
	}
	if e.Kind == upstream.KindDailyCap {
		c.s.quota.exhausted(e.ResetAt)
	}
	if c.rec != nil {
		c.rec.Attempts = append(c.rec.Attempts, capture.Attempt{
			Model: a.model, Status: e.Status, Kind: e.Kind.String(), Error: e.Message,
			Started: a.started, DurationMs: c.s.now().Sub(a.started).Milliseconds(), FirstByteMs: a.first.Milliseconds(),
		})
	}
	return false
}

func (a *attempt) succeeded(status int) {
	c := a.c
	latency := c.s.now().Sub(a.started)
	if a.first > 0 {
		latency = a.first
	}
	c.s.health.Success(a.model, latency)
	if c.rec != nil {
		c.rec.Attempts = append(c.rec.Attempts, capture.Attempt{
			Model: a.model, Status: status, Started: a.started,
			DurationMs: c.s.now().Sub(a.started).Milliseconds(), FirstByteMs: a.first.Milliseconds(),
		})
	}
}

// scrub removes the key and the token from an upstream error before it is
// logged, counted or answered: an upstream, or a proxy in between, may quote
// the request's Authorization header back in its message.
func (c *chatCall) scrub(e *upstream.Error) {
	for _, secret := range [...]string{c.rt.cfg.APIKey, c.rt.cfg.Token} {
		if secret != "" {
			e.Message = strings.ReplaceAll(e.Message, secret, "[redacted]")
			e.Code = strings.ReplaceAll(e.Code, secret, "[redacted]")
		}
	}
}

// scrubbed is frame without the key and the token (see scrub).
func (c *chatCall) scrubbed(frame []byte) []byte {
	for _, secret := range [...]string{c.rt.cfg.APIKey, c.rt.cfg.Token} {
		if secret != "" {
			frame = bytes.ReplaceAll(frame, []byte(secret), []byte("[redacted]"))
		}
	}
	return frame
}

// unreachable reports whether e means Freelane could not connect to
// OpenRouter at all (refused, no route, name not resolved, dial timed out,
// HTTPS_PROXY down), as opposed to a connection that broke while a model was
// answering. The error's Kind does not tell: a dial that times out is
// KindTimeout. Through a proxy, net/http wraps the dial error in an OpError
// of its own, "proxyconnect", and errors.As stops at that outer one.
func unreachable(e *upstream.Error) bool {
	if e == nil || e.Err == nil {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(e.Err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(e.Err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect")
}

func routingFailure(k upstream.Kind) (routing.Failure, bool) {
	switch k {
	case upstream.KindModelBusy:
		return routing.FailureBusy, true
	case upstream.KindModelGone:
		return routing.FailureGone, true
	case upstream.KindTimeout:
		return routing.FailureTimeout, true
	case upstream.KindNetwork:
		return routing.FailureNetwork, true
	}
	return 0, false
}

// send posts the rewritten body for model and sorts out transport errors.
func (c *chatCall) send(ctx context.Context, model string) (*http.Response, *upstream.Error) {
	out := c.checked.RewriteForUpstream(model)
	if c.rec != nil {
		c.rec.Upstream = out // what went upstream last, answered or not
	}
	resp, err := c.rt.client.ChatCompletions(ctx, out)
	if err != nil {
		return nil, asUpstreamError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, upstream.ParseError(resp.StatusCode, resp.Header, data)
	}
	return resp, nil
}

// asUpstreamError turns a transport or read error into an upstream error,
// naming a stall (our watchdog) as a timeout.
func asUpstreamError(ctx context.Context, err error) *upstream.Error {
	if errors.Is(context.Cause(ctx), errStalled) {
		return &upstream.Error{Status: http.StatusGatewayTimeout, Kind: upstream.KindTimeout, Message: errStalled.Error()}
	}
	var ue *upstream.Error
	if errors.As(err, &ue) {
		return ue
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &upstream.Error{Status: http.StatusGatewayTimeout, Kind: upstream.KindTimeout, Message: "the model did not answer in time"}
	}
	if errors.Is(err, errInvalidEvent) || errors.Is(err, upstream.ErrEventTooLarge) {
		// OpenRouter answered; what the model sent is unusable.
		return &upstream.Error{Status: http.StatusBadGateway, Kind: upstream.KindModelBusy, Message: err.Error()}
	}
	return &upstream.Error{Status: http.StatusBadGateway, Kind: upstream.KindNetwork, Message: err.Error()}
}

// attemptOnce makes one non-stream attempt; true when the answer was sent.
//
// REQUEST_TIMEOUT alone bounds it, headers and body. FIRST_TOKEN_TIMEOUT is
// for streams: a non-stream answer shows no progress until it is complete,
// and a free model may think for minutes before a long one, so a shorter
// limit would cut working models rather than find stalled ones.
func (c *chatCall) attemptOnce(model string) bool {
	cfg := &c.rt.cfg
	a := c.begin(model)
	ctx, cancel := context.WithTimeoutCause(c.r.Context(), cfg.RequestTimeout, errStalled)
	defer cancel()
	resp, uerr := c.send(ctx, model)
	if uerr != nil {
		return a.failed(uerr)
	}
	defer resp.Body.Close()
	a.first = c.s.now().Sub(a.started)
	buf := getBuffer()
	defer putBuffer(buf)
	if resp.ContentLength > 0 && resp.ContentLength < maxAnswerBody {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxAnswerBody)); err != nil {
		return a.failed(asUpstreamError(ctx, fmt.Errorf("reading the answer: %w", err)))
	}
	answer := buf.Bytes()
	if e := upstream.BodyError(answer); e != nil {
		return a.failed(e)
	}
	// A cut-off or garbled body is this model's failure, not an answer: SDKs
	// cannot parse it, and another model may well answer.
	if !json.Valid(answer) {
		return a.failed(&upstream.Error{Status: http.StatusBadGateway, Kind: upstream.KindModelBusy, Message: errInvalidAnswer.Error()})
	}
	answer, _ = openai.FixReasoning(answer)
	a.succeeded(http.StatusOK)
	c.deliver(model, answer)
	return true
}

// deliver sends a non-stream answer and counts the call. The call is
// counted before the answer's last byte leaves: a client that has its whole
// answer finds the call in the statistics even if Freelane is killed the
// next instant. All but that byte go first (net/http writes large bodies
// straight to the socket), so a client already gone is still counted as
// gone; the last byte waits in net/http's buffer until the handler returns.
func (c *chatCall) deliver(model string, answer []byte) {
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(headerModel, model)
	h.Set(headerAttempts, strconv.Itoa(len(c.tried)))
	h.Set("Content-Length", strconv.Itoa(len(answer)))
	if c.rec != nil {
		c.rec.Response.Status = http.StatusOK
		c.rec.Response.Body = bytes.Clone(answer)
	}
	c.w.WriteHeader(http.StatusOK)
	last := max(len(answer)-1, 0)
	if _, err := c.w.Write(answer[:last]); err != nil {
		c.finish(model, stats.OutcomeFailed, statusClientGone, errClientGone.Error())
		return
	}
	c.finish(model, stats.OutcomeSuccess, http.StatusOK, "")
	_, _ = c.w.Write(answer[last:]) // a client gone now has all but one byte
}

// failFinal answers with the last upstream error, in the client's terms.
func (c *chatCall) failFinal() {
	e := c.lastErr
	h := c.w.Header()
	tried := strings.Join(c.tried, ", ")
	outcome := stats.OutcomeFailed
	var status int
	var code, msg string
	kind := e.Kind
	if unreachable(e) {
		kind = upstream.KindNetwork // a dial that timed out is no model's slowness
	}
	switch kind {
	case upstream.KindDailyCap:
		reset := e.ResetAt
		if reset.IsZero() {
			reset = nextUTCMidnight(c.s.now())
		}
		setRetryAfter(h, reset.Sub(c.s.now()))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.UnixMilli(), 10))
		status, code = http.StatusTooManyRequests, "free_daily_limit_reached"
		msg = fmt.Sprintf("OpenRouter's daily limit of free requests is used up for this account; it resets at %s (%s, in %s). Freelane did not retry: another free model would not help. Upstream said: %s",
			reset.UTC().Format("15:04 MST"), reset.Local().Format("15:04 MST"), reset.Sub(c.s.now()).Round(time.Minute), e.Message)
	case upstream.KindMinuteCap:
		wait := e.RetryAfter
		if wait <= 0 {
			wait = time.Minute
		}
		setRetryAfter(h, wait)
		status, code = http.StatusTooManyRequests, "free_minute_limit_reached"
		msg = fmt.Sprintf("OpenRouter's per-minute limit for free models is reached; retry in about %s. Upstream said: %s", wait.Round(time.Second), e.Message)
	case upstream.KindModelBusy, upstream.KindModelGone:
		h.Set("Retry-After", "30")
		status, code = http.StatusServiceUnavailable, "free_models_busy"
		msg = fmt.Sprintf("The free models Freelane tried (%s) are busy or unavailable right now. Last error: %s", tried, e.Message)
	case upstream.KindTimeout:
		status, code, outcome = http.StatusGatewayTimeout, "upstream_timeout", stats.OutcomeTimeout
		msg = fmt.Sprintf("No answer in time from the free models Freelane tried (%s): %s", tried, e.Message)
	case upstream.KindNetwork:
		status, code = http.StatusBadGateway, "upstream_unreachable"
		msg = "Freelane could not reach OpenRouter: " + e.Message
	case upstream.KindAuth:
		status, code = http.StatusUnauthorized, "upstream_auth_failed"
		msg = fmt.Sprintf("OpenRouter refused the API key in Freelane's configuration (%s); check OPENROUTER_API_KEY in %s. Upstream said: %s",
			c.rt.cfg.KeyFingerprint(), c.rt.cfg.EnvFile, e.Message)
	default:
		status, code, msg = e.Status, e.Code, e.Message
		if status < 400 || status > 599 {
			status = http.StatusBadGateway
		}
		if code == "" {
			code = "upstream_error"
		}
	}
	if len(c.tried) == 1 && !c.retries && e.Kind.TryAnotherModel() && c.rt.cfg.MaxModelAttempts > 1 {
		msg += " (not retried on another model: the last calls all failed, so Freelane saves the daily free quota)"
	}
	c.finishError(status, code, msg, outcome)
}

func setRetryAfter(h http.Header, d time.Duration) {
	secs := int(d.Round(time.Second) / time.Second)
	h.Set("Retry-After", strconv.Itoa(max(secs, 1)))
}

func nextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
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
		Attempts: attempts, Stream: c.req.Stream, Status: status, Error: msg, API: c.api(),
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
	rec := &capture.Record{ID: capture.NewID(), Time: c.start, Request: bytes.Clone(c.body), Stream: c.req.Stream, API: c.api()}
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

// api names the wire API of the call for statistics and captures; empty for
// Chat Completions, the default.
func (c *chatCall) api() string {
	if api := translate.APIFrom(c.r.Context()); api != translate.APIChat {
		return string(api)
	}
	return ""
}
