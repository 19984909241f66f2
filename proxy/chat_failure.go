package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/routing"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/upstream"
)

// finishResting answers a call for which every capable free model is gone,
// or rests while OpenRouter keeps failing, without an upstream call: each
// attempt would count against the daily free quota.
func (c *chatCall) finishResting(until time.Time) {
	wait := until.Sub(c.s.now())
	setRetryAfter(c.w.Header(), wait)
	c.finishError(http.StatusServiceUnavailable, "all_models_cooling_down", fmt.Sprintf(
		"Every free model that can serve this request failed recently and is resting; the first is available again in %s. Freelane made no upstream call, to save the daily free quota.",
		max(wait.Round(time.Second), time.Second)), stats.OutcomeFailed)
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
