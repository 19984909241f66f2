package fakeopenrouter

import (
	"net/http"
	"strconv"
	"time"
)

// apiError is an error answer before any byte of the body was sent: an HTTP
// status with OpenRouter's JSON envelope.
type apiError struct {
	status int
	header map[string]string // extra response headers (X-RateLimit-*)
	body   errorEnvelope
	// accountWide errors (the daily cap) are not worth a fallback to the
	// next entry of a "models" list: every :free model shares the counter.
	accountWide bool
}

type errorEnvelope struct {
	Error  errorObject `json:"error"`
	UserID string      `json:"user_id,omitempty"`
}

// errorObject covers both the classic shape ({message, code, metadata}) and
// the availability shape (error_type and http_status inside error, no code).
type errorObject struct {
	Message      string         `json:"message"`
	Code         any            `json:"code,omitempty"` // number or string
	Metadata     map[string]any `json:"metadata,omitempty"`
	ErrorType    string         `json:"error_type,omitempty"`
	HTTPStatus   int            `json:"http_status,omitempty"`
	Availability *availability  `json:"availability,omitempty"`
}

type availability struct {
	Code              string   `json:"code"`
	Retryable         bool     `json:"retryable"`
	RetryAfter        *int     `json:"retry_after"`
	RequestedModels   []string `json:"requested_models"`
	AffectedProviders []string `json:"affected_providers"`
	ExcludedBy        []string `json:"excluded_by"`
	FallbackModels    []string `json:"fallback_models"`
	DocsURL           string   `json:"docs_url"`
}

func writeError(w http.ResponseWriter, e apiError) {
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	writeJSON(w, e.status, e.body)
}

// simpleError is the short body OpenRouter uses for request errors.
func simpleError(status int, message string) apiError {
	return apiError{status: status, body: errorEnvelope{Error: errorObject{Message: message, Code: status}}}
}

func unauthorized(message string) apiError { return simpleError(http.StatusUnauthorized, message) }

func badRequest(message string) apiError { return simpleError(http.StatusBadRequest, message) }

func invalidModel(id string) apiError {
	return badRequest(id + " is not a valid model ID")
}

func tooManyModels() apiError {
	return badRequest("models array must have 3 items or fewer")
}

func noEndpoints(model string) apiError {
	return simpleError(http.StatusNotFound, "No endpoints found for "+model+".")
}

func noToolEndpoints() apiError {
	return simpleError(http.StatusNotFound,
		"No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing")
}

func noImageEndpoints() apiError {
	return simpleError(http.StatusNotFound,
		"No endpoints found that support image input")
}

// rateLimitHeaders are the X-RateLimit-* values OpenRouter puts both in
// error.metadata.headers and in the response headers of its own 429s.
// The reset is in epoch milliseconds.
func rateLimitHeaders(limit int, reset time.Time) map[string]string {
	return map[string]string{
		"X-RateLimit-Limit":     strconv.Itoa(limit),
		"X-RateLimit-Remaining": "0",
		"X-RateLimit-Reset":     strconv.FormatInt(reset.UnixMilli(), 10),
	}
}

// dailyCapError is the account-wide free daily cap, in its 2026 shape.
func dailyCapError(limit int, now time.Time) apiError {
	message := "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day"
	if limit >= highTierDailyLimit {
		message = "Rate limit exceeded: free-models-per-day-high-balance."
	}
	headers := rateLimitHeaders(limit, nextUTCMidnight(now))
	return apiError{
		status:      http.StatusTooManyRequests,
		header:      headers,
		accountWide: true,
		body: errorEnvelope{UserID: fakeUserID, Error: errorObject{
			Message: message,
			Code:    http.StatusTooManyRequests,
			Metadata: map[string]any{
				"headers":       headers,
				"limit_source":  "openrouter_free_tier_daily",
				"remedy_hint":   "Wait for the daily reset (see X-RateLimit-Reset), or purchase credits to raise your free-model daily limit.",
				"provider_name": nil,
			},
		}},
	}
}

// minuteCapError is the per-minute free limit. Only its message and headers
// are observed; no limit_source is known for it, so none is sent.
func minuteCapError(now time.Time) apiError {
	headers := rateLimitHeaders(perMinuteLimit, now.UTC().Truncate(time.Minute).Add(time.Minute))
	return apiError{
		status: http.StatusTooManyRequests,
		header: headers,
		body: errorEnvelope{UserID: fakeUserID, Error: errorObject{
			Message: "Rate limit exceeded: free-models-per-min. ",
			Code:    http.StatusTooManyRequests,
			Metadata: map[string]any{
				"headers":       headers,
				"provider_name": nil,
			},
		}},
	}
}

// providerBusyError is an upstream provider's limit on one model.
func providerBusyError(model, provider string) apiError {
	return apiError{
		status: http.StatusTooManyRequests,
		body: errorEnvelope{UserID: fakeUserID, Error: errorObject{
			Message: "Provider returned error",
			Code:    http.StatusTooManyRequests,
			Metadata: map[string]any{
				"raw":                 model + " is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations",
				"provider_name":       provider,
				"is_byok":             false,
				"provider_error_code": "429",
				"limit_source":        "upstream_provider_shared_pool",
				"remedy_hint":         "Retry shortly, add your own provider key (https://openrouter.ai/settings/integrations), or route to another provider with provider routing: https://openrouter.ai/docs/provider-routing",
			},
		}},
	}
}

// serverError is a 5xx with the body OpenRouter uses for that status.
func serverError(status int, provider string) apiError {
	obj := errorObject{Code: status}
	switch status {
	case http.StatusInternalServerError:
		obj.Message = "Internal Server Error"
		obj.Metadata = map[string]any{"error_type": "server"}
	case http.StatusBadGateway:
		obj.Message = "Provider returned error"
		obj.Metadata = map[string]any{
			"error_type":    "provider_unavailable",
			"raw":           "upstream connect error or disconnect/reset before headers",
			"provider_name": provider,
		}
	case http.StatusServiceUnavailable:
		obj.Message = "No allowed providers are available for the selected model."
		obj.Metadata = map[string]any{"error_type": "provider_overloaded"}
	default:
		obj.Message = http.StatusText(status)
		obj.Metadata = map[string]any{"error_type": "server"}
	}
	return apiError{status: status, body: errorEnvelope{UserID: fakeUserID, Error: obj}}
}

// freeVariantEndedError uses the availability shape documented on
// 2026-08-19: error_type and http_status inside error, and no code.
func freeVariantEndedError(model, paidTwin string) apiError {
	return apiError{
		status: http.StatusNotFound,
		body: errorEnvelope{UserID: fakeUserID, Error: errorObject{
			Message:    "The free variant of this model has ended. Use " + paidTwin + " instead.",
			ErrorType:  "not_found",
			HTTPStatus: http.StatusNotFound,
			Availability: &availability{
				Code:              "free_variant_ended",
				RequestedModels:   []string{model},
				AffectedProviders: []string{},
				ExcludedBy:        []string{},
				FallbackModels:    []string{paidTwin},
				DocsURL:           "https://openrouter.ai/docs/api/reference/errors-and-debugging",
			},
		}},
	}
}

// inBandError is the top-level "error" of a mid-stream error chunk:
// code, message and metadata.error_type.
func (e apiError) inBandError() errorObject {
	code := e.body.Error.Code
	if code == nil {
		code = e.status
	}
	errorType := e.body.Error.ErrorType
	if t, ok := e.body.Error.Metadata["error_type"].(string); ok {
		errorType = t
	}
	if errorType == "" {
		errorType = errorTypeForStatus(e.status)
	}
	return errorObject{Code: code, Message: e.body.Error.Message, Metadata: map[string]any{"error_type": errorType}}
}

func errorTypeForStatus(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusBadRequest:
		return "invalid_request"
	case http.StatusBadGateway:
		return "provider_unavailable"
	case http.StatusServiceUnavailable:
		return "provider_overloaded"
	default:
		return "server"
	}
}
