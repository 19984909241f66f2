package proxy

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// healthProblems reads /health's problems.
func healthProblems(t *testing.T, p *testProxy) []string {
	t.Helper()
	status, _, body := p.get("/health")
	var h Health
	if err := json.Unmarshal(body, &h); err != nil || status != http.StatusOK {
		t.Fatalf("/health: %d %v: %s", status, err, body)
	}
	return h.Problems
}

// Calls whose every model broke off with an error mid-stream reached
// OpenRouter: the status must not say it is unreachable, whatever status
// those calls were counted with.
func TestStatus_MidStreamErrorsDoNotMeanUnreachable(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"MAX_MODEL_ATTEMPTS": "1"})
	p.fake.SetDefault("*", fakeopenrouter.MidStreamError(2))
	for i := range unreachableAfter + 1 {
		status, _, body := p.post("/v1/chat/completions", `{"model":"auto","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
		if status != http.StatusOK {
			t.Fatalf("call %d: status %d, want a stream that breaks off: %s", i, status, body)
		}
	}
	if last := p.srv.stats.Recent(1)[0]; last.Status != http.StatusBadGateway || last.Attempts != 1 {
		t.Fatalf("last call counted as %+v, want status 502 with one attempt that reached OpenRouter", last)
	}
	if problems := healthProblems(t, p); slices.Contains(problems, string(ProblemUpstreamUnreachable)) {
		t.Errorf("/health problems = %v after calls OpenRouter answered", problems)
	}
	if st := p.srv.Status(); st.Problem == ProblemUpstreamUnreachable {
		t.Errorf("tray status says %q: %s", st.Problem, st.Detail)
	}
}

// Calls that could not connect to OpenRouter at all make it a problem; one
// call that reaches it again clears it.
func TestStatus_UnreachableFromTheCallsThatCouldNotConnect(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	online := p.srv.config().BaseURL
	pointAtClosedPort(t, p)
	for i := range unreachableAfter {
		if st := p.srv.Status(); st.Problem == ProblemUpstreamUnreachable {
			t.Fatalf("unreachable after %d calls, want %d first", i, unreachableAfter)
		}
		if status, _, body := p.post("/v1/chat/completions", helloBody); status != http.StatusBadGateway {
			t.Fatalf("call %d: status %d, want 502: %s", i, status, body)
		}
	}
	if problems := healthProblems(t, p); !slices.Contains(problems, string(ProblemUpstreamUnreachable)) {
		t.Errorf("/health problems = %v, want %s", problems, ProblemUpstreamUnreachable)
	}
	// A call refused locally says nothing about OpenRouter.
	if status, _, _ := p.post("/v1/chat/completions", incapableBody); status != http.StatusBadRequest {
		t.Fatalf("incapable request: status %d, want 400", status)
	}
	if st := p.srv.Status(); st.Problem != ProblemUpstreamUnreachable {
		t.Errorf("problem %q after a call refused locally, want it still unreachable", st.Problem)
	}
	pointAt(p, online)
	if status, _, body := p.post("/v1/chat/completions", helloBody); status != http.StatusOK {
		t.Fatalf("back online: status %d: %s", status, body)
	}
	if st := p.srv.Status(); st.Problem == ProblemUpstreamUnreachable {
		t.Errorf("still unreachable after a call OpenRouter answered")
	}
}
