package translate

import "context"

// API names the wire API a call came in on.
type API string

// The wire APIs Freelane serves.
const (
	APIChat      API = "chat"      // OpenAI Chat Completions, /v1/chat/completions
	APIAnthropic API = "anthropic" // Anthropic Messages, /v1/messages
	APIResponses API = "responses" // OpenAI Responses, /v1/responses
)

type apiKey struct{}

// WithAPI returns ctx carrying the wire API of the call.
func WithAPI(ctx context.Context, api API) context.Context {
	return context.WithValue(ctx, apiKey{}, api)
}

// APIFrom returns the wire API ctx carries; APIChat when none was set.
func APIFrom(ctx context.Context) API {
	if api, ok := ctx.Value(apiKey{}).(API); ok && api != "" {
		return api
	}
	return APIChat
}
