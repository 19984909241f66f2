package proxy

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
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

// A dashboard save of the preferred models applies once: the .env watcher
// reports the same file a moment later, and a configuration equal to the
// running one is not applied again (no second reload, no second client).
func TestPreferred_SaveAppliesTheConfigurationOnce(t *testing.T) {
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	env := "OPENROUTER_BASE_URL=" + fake.BaseURL() + "\nOPENROUTER_API_KEY=" + testKey + "\nLISTEN_ADDR=127.0.0.1:0\n"
	writeEnv(t, home, env)
	logs := &syncBuffer{}
	srv := runServer(t, home, Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the catalog", func() bool { return len(srv.catalog.Models()) > 0 })
	// An edit the watcher applies shows it is watching.
	writeEnv(t, home, env+"MAX_CONCURRENT_REQUESTS=7\n")
	eventually(t, "the watcher to apply an edit", func() bool { return strings.Contains(logs.String(), "max_concurrent=7") })
	mark := len(logs.String())
	clientBefore := srv.runtime().client

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, "http://"+srv.Addr()+"/debug/models/preferred",
		strings.NewReader(`{"models":["`+mistral+`"]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("saving the preferred models: %d", resp.StatusCode)
	}
	applied := func() int { return strings.Count(logs.String()[mark:], "configuration reloaded") }
	offered := func() int { return applied() + strings.Count(logs.String()[mark:], "configuration unchanged") }
	// Both the save and the watcher offer the new configuration.
	eventually(t, "the watcher to report the saved .env", func() bool { return offered() >= 2 })
	if n := applied(); n != 1 {
		t.Errorf("the saved configuration was applied %d times, want once:\n%s", n, logs.String()[mark:])
	}
	if got := srv.config().PreferredModels; len(got) != 1 || got[0] != mistral {
		t.Errorf("preferred models = %v, want [%s]", got, mistral)
	}
	if srv.runtime().client == clientBefore {
		t.Error("the saved configuration built no new client")
	}
}
