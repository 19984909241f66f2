package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/internal/days"
	"github.com/freelane/freelane/proxy/openai"
	"github.com/freelane/freelane/proxy/routing"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/upstream"
)

// failureKind is why a chat call ended without an answer. Each kind has one
// answer for the client (see answerFor), as httputil.ReverseProxy has one
// ErrorHandler.
type failureKind int

const (
	failQueueTimeout   failureKind = iota // no concurrency slot within QUEUE_TIMEOUT
	failQueueFull                         // as many calls wait as may
	failNoCatalog                         // the free model list is not loaded
	failAllResting                        // every capable model is cooling down
	failNoCapableModel                    // no free model can serve the request
	failUpstream                          // the last attempt's upstream error decides
)

// chatFailure is a final failure with what its answer needs to say.
type chatFailure struct {
	kind failureKind
	err  *upstream.Error // failUpstream: the last attempt's error
	wait time.Duration   // failAllResting: until the first model is back
	// detail is the local situation in words (queue figures, the catalog's
	// last error, which capability is missing).
	detail string
}

// errorAnswer is the client's answer to a failure: an OpenAI-style error.
type errorAnswer struct {
	status  int
	code    string
	message string
	header  map[string]string
	outcome stats.Outcome
}

// maxRestingRetryAfter caps the Retry-After of the all-resting answer. SDKs
// honour Retry-After and retry twice by default, so a client would wait
// twice the header before seeing the error; a retry sooner than the rest
// ends is refused locally at no quota cost. The real wait is in the message
// and in headerNextModelIn.
const maxRestingRetryAfter = 5 * time.Second

// headerNextModelIn is the whole seconds until the first resting model is
// available again, uncapped.
const headerNextModelIn = "X-Freelane-Next-Model-In"

// answerFor is the one table from a final failure to the client's answer.
func (c *chatCall) answerFor(f chatFailure) errorAnswer {
	switch f.kind {
	case failQueueTimeout:
		return errorAnswer{status: http.StatusServiceUnavailable, code: "queue_timeout", outcome: stats.OutcomeFailed,
			message: f.detail, header: map[string]string{"Retry-After": "5"}}
	case failQueueFull:
		return errorAnswer{status: http.StatusServiceUnavailable, code: "queue_full", outcome: stats.OutcomeFailed,
			message: f.detail, header: map[string]string{"Retry-After": "5"}}
	case failNoCatalog:
		return errorAnswer{status: http.StatusServiceUnavailable, code: "catalog_unavailable", outcome: stats.OutcomeFailed,
			message: "Freelane has not loaded OpenRouter's free model list yet (" + f.detail + "); it retries in the background.",
			header:  map[string]string{"Retry-After": "10"}}
	case failAllResting:
		wait := max(f.wait.Round(time.Second), time.Second)
		return errorAnswer{status: http.StatusServiceUnavailable, code: "all_models_cooling_down", outcome: stats.OutcomeFailed,
			message: fmt.Sprintf("Every free model that can serve this request failed recently and is resting; the first is available again in %s. Freelane made no upstream call, to save the daily free quota.", wait),
			header: map[string]string{
				"Retry-After":     retryAfter(min(f.wait, maxRestingRetryAfter)),
				headerNextModelIn: retryAfter(f.wait),
			}}
	case failNoCapableModel:
		return errorAnswer{status: http.StatusBadRequest, code: "no_capable_free_model", outcome: stats.OutcomeFailed, message: f.detail}
	}
	return c.upstreamAnswer(f.err)
}

// upstreamAnswer puts the last upstream error in the client's terms.
func (c *chatCall) upstreamAnswer(e *upstream.Error) errorAnswer {
	now := c.s.now()
	tried := strings.Join(c.tried, ", ")
	a := errorAnswer{outcome: stats.OutcomeFailed}
	switch e.Kind {
	case upstream.KindDailyCap:
		reset := e.ResetAt
		if reset.IsZero() {
			reset = days.NextQuotaDay(now)
		}
		a.header = map[string]string{"Retry-After": retryAfter(reset.Sub(now)), "X-RateLimit-Reset": strconv.FormatInt(reset.UnixMilli(), 10)}
		a.status, a.code = http.StatusTooManyRequests, "free_daily_limit_reached"
		a.message = fmt.Sprintf("OpenRouter's daily limit of free requests is used up for this account; it resets at %s (%s, in %s). Freelane did not retry: another free model would not help. Upstream said: %s",
			reset.UTC().Format("15:04 MST"), days.Local(reset).Format("15:04 MST"), reset.Sub(now).Round(time.Minute), e.Message)
	case upstream.KindMinuteCap:
		wait := e.RetryAfter
		if wait <= 0 {
			wait = time.Minute
		}
		a.header = map[string]string{"Retry-After": retryAfter(wait)}
		a.status, a.code = http.StatusTooManyRequests, "free_minute_limit_reached"
		a.message = fmt.Sprintf("OpenRouter's per-minute limit for free models is reached; retry in about %s. Upstream said: %s", wait.Round(time.Second), e.Message)
	case upstream.KindModelBusy, upstream.KindModelGone:
		a.header = map[string]string{"Retry-After": "30"}
		a.status, a.code = http.StatusServiceUnavailable, "free_models_busy"
		a.message = fmt.Sprintf("The free models Freelane tried (%s) are busy or unavailable right now. Last error: %s", tried, e.Message)
	case upstream.KindTimeout:
		a.status, a.code, a.outcome = http.StatusGatewayTimeout, "upstream_timeout", stats.OutcomeTimeout
		a.message = fmt.Sprintf("No answer in time from the free models Freelane tried (%s): %s", tried, e.Message)
	case upstream.KindNetwork, upstream.KindUnreachable:
		a.status, a.code = http.StatusBadGateway, "upstream_unreachable"
		a.message = "Freelane could not reach OpenRouter: " + e.Message
	case upstream.KindAuth:
		a.status, a.code = http.StatusUnauthorized, "upstream_auth_failed"
		a.message = fmt.Sprintf("OpenRouter refused the API key in Freelane's configuration (%s); check OPENROUTER_API_KEY in %s. Upstream said: %s",
			c.rt.cfg.KeyFingerprint(), c.rt.cfg.EnvFile, e.Message)
	default:
		a.status, a.code, a.message = e.Status, e.Code, e.Message
		if a.status < 400 || a.status > 599 {
			a.status = http.StatusBadGateway
		}
		if a.code == "" {
			a.code = "upstream_error"
		}
	}
	if len(c.tried) == 1 && !c.retries && e.Kind.TryAnotherModel() && c.rt.cfg.MaxModelAttempts > 1 {
		a.message += " (not retried on another model: the last calls all failed, so Freelane saves the daily free quota)"
	}
	return a
}

// fail answers a call that ended without an answer and returns its result.
func (c *chatCall) fail(f chatFailure) callResult {
	a := c.answerFor(f)
	h := c.w.Header()
	for k, v := range a.header {
		h.Set(k, v)
	}
	openai.WriteError(c.w, a.status, a.code, a.message)
	if c.rec != nil {
		c.rec.Response.Status = a.status
		c.rec.Response.Body = openai.ErrorJSON(a.status, a.code, a.message)
	}
	return c.result("", a.outcome, a.status, a.code, a.message)
}

// retryAfter is d in whole seconds for a Retry-After header, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(int(d.Round(time.Second)/time.Second), 1))
}

func routingFailure(e *upstream.Error) (routing.Failure, bool) {
	switch e.Kind {
	case upstream.KindModelBusy:
		if e.Status == http.StatusTooManyRequests {
			return routing.FailureRateLimited, true
		}
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
