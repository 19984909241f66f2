package fakeopenrouter

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// DefaultAPIKey is the key the fake accepts unless WithAPIKey says otherwise.
const DefaultAPIKey = "sk-or-v1-test-key"

// Server is a running fake OpenRouter. All methods are safe for concurrent
// use, including while calls are in flight.
type Server struct {
	ts     *httptest.Server
	apiKey string
	now    func() time.Time

	// instant skips recording bodies and headers so benchmarks measure
	// Freelane, not the fake's bookkeeping.
	instant bool
	// usageChunkChoice makes the stream's usage chunk carry a choices entry
	// (as in the observed capture) instead of the documented empty array.
	usageChunkChoice atomic.Bool

	catalog atomic.Pointer[catalog]
	seq     atomic.Uint64 // generation ids

	// done is closed by Close so that blocking behaviours release their
	// handlers and httptest.Server.Close does not wait forever.
	done      chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	scripts   map[string][]Behavior
	defaults  map[string]Behavior
	requests  []Request
	calls     map[string]int
	paidCalls int
	quota     dailyQuota
	// arrived is closed and replaced whenever a chat call is recorded, so
	// WaitCalls can block on a channel instead of polling.
	arrived   chan struct{}
	cancelled chan string
	cancels   int
}

// Request is one chat call as the fake received it.
type Request struct {
	Model  string   // the body's "model" field
	Models []string // the body's "models" fallback list, if any
	Stream bool
	Header http.Header // a clone; nil with WithInstant
	Body   []byte      // the raw body; nil with WithInstant
}

// Option configures a Server in New.
type Option func(*Server)

// WithAPIKey sets the only key the fake accepts.
func WithAPIKey(key string) Option { return func(s *Server) { s.apiKey = key } }

// WithModels replaces the catalog (DefaultModels otherwise).
func WithModels(models []ModelSpec) Option {
	return func(s *Server) { s.catalog.Store(newCatalog(models)) }
}

// WithDailyLimit enforces the free daily counter: once n :free calls have
// been made today (UTC), the next one answers the daily-cap 429. Without
// it the counter is only reported by GET /key, with the 50 a day tier.
func WithDailyLimit(n int) Option {
	return func(s *Server) {
		s.quota.limit = n
		s.quota.enforced = true
	}
}

// WithInstant trims the fake's own overhead for benchmarks: bodies and
// headers are not recorded.
func WithInstant() Option { return func(s *Server) { s.instant = true } }

// WithUsageChunkChoice makes every stream's usage chunk carry a choices
// entry with finish_reason "stop", as in captured live streams; by default
// it has an empty choices array, as documented. See SetUsageChunkChoice.
func WithUsageChunkChoice() Option { return func(s *Server) { s.usageChunkChoice.Store(true) } }

// WithClock replaces time.Now, which decides the UTC day of the daily
// counter, the X-RateLimit-Reset values and the "created" timestamps.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// New starts a fake OpenRouter and closes it when the test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		apiKey:    DefaultAPIKey,
		now:       time.Now,
		done:      make(chan struct{}),
		scripts:   make(map[string][]Behavior),
		defaults:  make(map[string]Behavior),
		calls:     make(map[string]int),
		quota:     dailyQuota{limit: lowTierDailyLimit},
		arrived:   make(chan struct{}),
		cancelled: make(chan string, cancelledBuffer),
	}
	s.catalog.Store(newCatalog(DefaultModels()))
	for _, opt := range opts {
		opt(s)
	}
	s.ts = httptest.NewServer(s.routes())
	tb.Cleanup(s.Close)
	return s
}

// cancelledBuffer bounds the Cancelled channel; reports beyond it are
// still counted by CancelledCount.
const cancelledBuffer = 1024

// URL is the server root, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.ts.URL }

// BaseURL is what OPENROUTER_BASE_URL points at: URL() + "/api/v1".
func (s *Server) BaseURL() string { return s.ts.URL + "/api/v1" }

// Close releases blocked calls and shuts the server down. It is safe to call
// more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// SetModels replaces the catalog; calls already running keep the catalog
// they started with.
func (s *Server) SetModels(models []ModelSpec) { s.catalog.Store(newCatalog(models)) }

// SetUsageChunkChoice chooses the usage chunk shape for later streams (see
// WithUsageChunkChoice).
func (s *Server) SetUsageChunkChoice(withChoice bool) { s.usageChunkChoice.Store(withChoice) }

// Script queues behaviours for the next calls to model, one per call, in
// order. The model "*" matches calls to any model whose own queue is empty.
func (s *Server) Script(model string, behaviors ...Behavior) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[model] = append(s.scripts[model], behaviors...)
}

// SetDefault sets what model does once its queue is empty; "*" sets it for
// every model without a default of its own.
func (s *Server) SetDefault(model string, b Behavior) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defaults[model] = b
}

// nextBehavior pops the behaviour for one attempt at model.
func (s *Server) nextBehavior(model string) Behavior {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range [...]string{model, "*"} {
		if queue := s.scripts[key]; len(queue) > 0 {
			s.scripts[key] = queue[1:]
			return queue[0]
		}
	}
	for _, key := range [...]string{model, "*"} {
		if b, ok := s.defaults[key]; ok {
			return b
		}
	}
	return Answer(defaultAnswer(model))
}

// defaultAnswer is the text a model answers when nothing is scripted; it
// names the model so tests can see which one served the call.
func defaultAnswer(model string) string {
	return "Hello from " + model + ". This answer is deterministic."
}

// Requests returns every chat call received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// Calls counts the attempts made at model: the "model" of each call, plus
// each entry of a "models" list the fake fell over to.
func (s *Server) Calls(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[model]
}

// PaidCalls counts chat calls that named a paid model (in "model" or
// "models"); Freelane must keep it at zero.
func (s *Server) PaidCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paidCalls
}

// Cancelled receives the model of each call whose client went away while a
// waiting behaviour (Hang, Delay, Drip, Gate) was holding it.
func (s *Server) Cancelled() <-chan string { return s.cancelled }

// CancelledCount is the number of cancellations reported on Cancelled.
func (s *Server) CancelledCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancels
}

func (s *Server) noteCancelled(model string) {
	s.mu.Lock()
	s.cancels++
	s.mu.Unlock()
	select {
	case s.cancelled <- model:
	default:
	}
}

// recordCall stores a received chat call and wakes WaitCalls.
func (s *Server) recordCall(req Request, paid bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	if paid {
		s.paidCalls++
	}
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// WaitCalls returns once at least n chat calls have arrived, or with the
// context's error.
func (s *Server) WaitCalls(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, arrived := len(s.requests), s.arrived
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d chat calls, got %d: %w", n, got, ctx.Err())
		}
	}
}

func (s *Server) countAttempt(model string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[model]++
}

// routes maps the OpenRouter paths the fake implements.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/models", s.handleModels)
	mux.HandleFunc("GET /api/v1/key", s.requireKey(s.handleKey))
	mux.HandleFunc("POST /api/v1/chat/completions", s.requireKey(s.handleChat))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, apiError{status: http.StatusNotFound, body: errorEnvelope{Error: errorObject{
			Code: http.StatusNotFound, Message: "Not Found",
		}}})
	})
	return mux
}

// requireKey answers 401 with OpenRouter's bodies unless the request carries
// "Authorization: Bearer <key>".
func (s *Server) requireKey(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		token, isBearer := strings.CutPrefix(auth, "Bearer ")
		switch {
		case auth == "" || !isBearer:
			writeError(w, unauthorized("No cookie auth credentials found"))
		case token != s.apiKey:
			writeError(w, unauthorized("User not found."))
		default:
			next(w, r)
		}
	}
}
