package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/freelane/freelane/proxy/capture"
	"github.com/freelane/freelane/proxy/catalog"
	"github.com/freelane/freelane/proxy/internal/days"
	"github.com/freelane/freelane/proxy/openai"
	"github.com/freelane/freelane/proxy/routing"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/upstream"
)

// run tries free models in routing order until one answers or the attempts,
// the retry gate or a final error end the call, and returns how it ended.
func (c *chatCall) run() callResult {
	s, cfg := c.s, &c.rt.cfg
	models := s.freeModels(c.r.Context())
	needs := routing.Needs{Tools: c.req.Tools, Vision: c.req.Images}
	route := routing.Best(models, routing.Request{Model: c.req.FreeModel(), Needs: needs},
		cfg.PreferredModels, s.health, cfg.MaxModelAttempts)
	candidates := route.IDs
	if len(candidates) == 0 {
		switch {
		case len(models) == 0:
			s.catalog.Trigger()
			return c.fail(chatFailure{kind: failNoCatalog, detail: catalogProblem(s)})
		case !route.RestingUntil.IsZero():
			// Every capable model is gone: no upstream call, each would
			// count against the daily free quota.
			return c.fail(chatFailure{kind: failAllResting, wait: route.RestingUntil.Sub(s.now())})
		}
		return c.fail(chatFailure{kind: failNoCapableModel, detail: routing.CapacityHint(models, needs)})
	}
	// Every capable model rests: probe the likeliest anyway, unless the
	// retry gate says OpenRouter itself is failing.
	if route.Probe && !c.retryAllowed() {
		return c.fail(chatFailure{kind: failAllResting, wait: route.RestingUntil.Sub(s.now())})
	}
	for i, model := range candidates {
		if i == 1 && !c.retryAllowed() {
			break
		}
		c.tried = append(c.tried, model)
		var res callResult
		var over bool
		if c.req.Stream {
			res, over = c.attemptStream(model)
		} else {
			res, over = c.attemptOnce(model)
		}
		if over {
			return res
		}
		if c.r.Context().Err() != nil {
			return c.gone("")
		}
		// KindUnreachable is not one: when OpenRouter itself cannot be
		// reached, every other model would fail the same way.
		if !c.lastErr.Kind.TryAnotherModel() {
			break
		}
	}
	return c.fail(chatFailure{kind: failUpstream, err: c.lastErr})
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
	dayStart := days.LocalDay(c.s.now())
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
// It returns what an attempt that leaves the call to the next model returns.
func (a *attempt) failed(e *upstream.Error) (callResult, bool) {
	c := a.c
	c.lastErr = e
	if c.r.Context().Err() != nil {
		return callResult{}, false // the client left: not the model's fault
	}
	if e.Kind == upstream.KindUnreachable {
		// Not the model's fault: resting it would only hide it once
		// OpenRouter is back.
		c.unreached++
		c.s.log.Info("OpenRouter unreachable; the model is not rested", "model", a.model, "err", e.Message)
	} else if f, ok := routingFailure(e); ok {
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
	return callResult{}, false
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

// attemptOnce makes one non-stream attempt; over when the call is (the
// answer was sent, or the client left while it was).
//
// REQUEST_TIMEOUT alone bounds it, headers and body. FIRST_TOKEN_TIMEOUT is
// for streams: a non-stream answer shows no progress until it is complete,
// and a free model may think for minutes before a long one, so a shorter
// limit would cut working models rather than find stalled ones.
func (c *chatCall) attemptOnce(model string) (res callResult, over bool) {
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
	return c.deliver(model, answer), true
}

// deliver sends a non-stream answer. The call is counted before the
// answer's last byte leaves: a client that has its whole answer finds the
// call in the statistics even if Freelane is killed the next instant. All
// but that byte go first (net/http writes large bodies straight to the
// socket), so a client already gone is still counted as gone; the last byte
// is kept in the call (answer's buffer goes back to the pool) and waits in
// net/http's buffer until the handler returns.
func (c *chatCall) deliver(model string, answer []byte) callResult {
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
		return c.gone(model)
	}
	res := c.result(model, stats.OutcomeSuccess, http.StatusOK, "", "")
	res.rest = c.lastByte[:copy(c.lastByte[:], answer[last:])]
	return res
}
