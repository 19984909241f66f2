package proxy

import (
	"net/http"
	"strings"
)

// endpoints are the API endpoints, named in the answer to an unknown path
// so a client configured with a wrong URL learns the right one.
var endpoints = []string{"POST /v1/chat/completions", "POST /v1/responses", "GET /v1/models", "GET /v1/models/{id}"}

// routes is Freelane's whole HTTP surface in one place.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	chat := allow(s.handleChat, http.MethodPost)
	models := allow(s.handleModels, http.MethodGet)
	mux.Handle("/v1/chat/completions", chat)
	mux.Handle("/v1/models", models)
	mux.Handle("/v1/responses", allow(s.handleResponses, http.MethodPost))
	mux.Handle("/v1/models/{id...}", allow(s.handleModel, http.MethodGet))
	// Some clients are configured with the server root as base URL.
	mux.Handle("/chat/completions", chat)
	mux.Handle("/models", models)

	mux.Handle("/health", allow(s.handleHealth, http.MethodGet))

	dash := s.dashboardHandler()
	mux.Handle("/debug", dash)
	mux.Handle("/debug/", dash)
	mux.Handle("/debug/events", s.endOnStop(dash))
	mux.Handle("/{$}", allow(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/debug", http.StatusFound)
	}, http.MethodGet))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		refuse(w, r, http.StatusNotFound, "unknown_url",
			"Freelane does not serve "+r.Method+" "+r.URL.Path+"; its API is "+strings.Join(endpoints, ", ")+
				" (an SDK's base URL ends in /v1), besides GET /health and the dashboard at /debug.")
	})

	// bodyDeadline comes first: every request, even one refused at once, is
	// answered within the body timeout.
	return s.bodyDeadline(securityHeaders(s.recoverer(s.guard(mux))))
}

// allow answers 405 in the OpenAI envelope for other methods (the mux's own
// 405 is plain text, which SDKs cannot show).
func allow(h http.HandlerFunc, methods ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range methods {
			if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
				h(w, r)
				return
			}
		}
		w.Header().Set("Allow", strings.Join(methods, ", "))
		refuse(w, r, http.StatusMethodNotAllowed, "method_not_allowed",
			r.Method+" is not allowed on "+r.URL.Path+"; use "+strings.Join(methods, " or ")+".")
	})
}
