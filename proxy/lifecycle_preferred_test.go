package proxy

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

// PREFERRED_MODELS in the environment wins over .env: saving the order
// there would change nothing, so the dashboard is told so.
func TestPreferred_RefusedWhenTheEnvironmentSetsIt(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"PREFERRED_MODELS": gemma})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, p.front.URL+"/debug/models/preferred",
		strings.NewReader(`{"models":["`+mistral+`"]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	status, _, body := p.do(req)
	if status != http.StatusConflict {
		t.Fatalf("status %d, want 409: %s", status, body)
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an OpenAI-style error: %v: %s", err, body)
	}
	if e.Error.Code != "overridden_by_environment" || !strings.Contains(e.Error.Message, "PREFERRED_MODELS") {
		t.Errorf("error = %+v", e.Error)
	}
	if b, err := os.ReadFile(p.srv.config().EnvFile); err == nil && strings.Contains(string(b), mistral) {
		t.Errorf(".env was written although the environment overrides it: %s", b)
	}
	if got := p.srv.config().PreferredModels; len(got) != 1 || got[0] != gemma {
		t.Errorf("preferred models = %v, want the environment's %s", got, gemma)
	}
}
