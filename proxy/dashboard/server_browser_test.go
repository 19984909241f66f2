package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/freelane/freelane/proxy"
	"github.com/freelane/freelane/proxy/config"
	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/internal/testpoll"
)

// These tests drive the embedded page in headless Chromium against a real
// Freelane server (proxy.New, listening on loopback) in front of the fake
// OpenRouter. They skip without Chromium, except under CI, where a missing
// browser is a failure.

// Free models of fakeopenrouter.DefaultModels, named by what the tests use them for.
const (
	modelLlama     = "meta-llama/llama-3.3-70b-instruct:free"
	modelMistral   = "mistralai/mistral-small-3.2-24b-instruct:free"
	modelGemma     = "google/gemma-3-12b-it:free"
	modelQwenVL    = "qwen/qwen2.5-vl-72b-instruct:free"
	modelReasoning = "deepseek/deepseek-r1-0528:free"
)

// liveUpdateBudget is how soon after a call the open page must show it.
const liveUpdateBudget = time.Second

// browserWait bounds every other wait for the page; generous because CI
// runs the whole module under -race on two cores.
const browserWait = 30 * time.Second

func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, candidate := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(candidate); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is required under CI: install Debian's chromium package (/usr/bin/chromium)")
	}
	t.Skip("Chromium not found (install Debian's chromium package); skipping the dashboard browser tests")
	return ""
}

// freelane is a running Freelane server in front of a fake OpenRouter.
type freelane struct {
	srv  *proxy.Server
	fake *fakeopenrouter.Server
	home string
	env  func(string) (string, bool)
	base string // http://127.0.0.1:port
	// reloaded receives each time the config watcher has re-read the home
	// folder (.env and DEBUG_MODE.txt); see reloadSignal.
	reloaded chan struct{}
}

// reloadSignal is a log handler that reports the server's "configuration
// reloaded" line: the only outward sign that the folder watcher has applied
// a changed .env (and read DEBUG_MODE.txt with it).
type reloadSignal struct {
	slog.Handler
	reloaded chan<- struct{}
}

func (h reloadSignal) Enabled(context.Context, slog.Level) bool { return true }

func (h reloadSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "configuration reloaded" {
		select {
		case h.reloaded <- struct{}{}:
		default:
		}
	}
	return nil
}

func (h reloadSignal) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h reloadSignal) WithGroup(string) slog.Handler      { return h }

// drainReloads forgets reloads that happened so far.
func (fl *freelane) drainReloads() {
	for {
		select {
		case <-fl.reloaded:
		default:
			return
		}
	}
}

// waitReload waits for the folder watcher's next reload.
func (fl *freelane) waitReload(t *testing.T) {
	t.Helper()
	select {
	case <-fl.reloaded:
	case <-time.After(browserWait):
		t.Fatal("the config watcher did not reload the home folder")
	}
}

// startFreelane runs Freelane with a fresh home folder until the test ends.
// prepare, when non-nil, may fill CACHE_DIR before the server opens it.
func startFreelane(t *testing.T, prepare func(cacheDir string)) *freelane {
	t.Helper()
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	vars := map[string]string{
		"OPENROUTER_API_KEY":  fakeopenrouter.DefaultAPIKey,
		"OPENROUTER_BASE_URL": fake.BaseURL(),
		"LISTEN_ADDR":         "127.0.0.1:0",
	}
	env := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	cfg, err := config.LoadWith(home, env)
	if err != nil {
		t.Fatalf("loading config: %v", err)
	}
	if prepare != nil {
		prepare(cfg.CacheDir)
	}
	reloaded := make(chan struct{}, 1)
	logger := slog.New(reloadSignal{Handler: slog.DiscardHandler, reloaded: reloaded})
	srv, err := proxy.New(cfg, proxy.Options{Version: "0.1.0", Logger: logger, Env: env})
	if err != nil {
		t.Fatalf("starting Freelane: %v", err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatalf("listening: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-stopped; err != nil {
			t.Errorf("stopping Freelane: %v", err)
		}
	})
	fl := &freelane{srv: srv, fake: fake, home: home, env: env, base: "http://" + srv.Addr(), reloaded: reloaded}

	// Run loads the catalog in the background; chat calls need it.
	waitFor(t, "the free catalog", func() bool {
		var models struct{ Data []json.RawMessage }
		return fl.getJSON(t, "/v1/models", &models) == nil && len(models.Data) > 0
	})
	return fl
}

// waitFor polls cond until it holds or browserWait passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testpoll.Until(t, browserWait, what, cond)
}

func (fl *freelane) getJSON(t *testing.T, path string, v any) error {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, fl.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// chat makes one chat call and returns the status and the model that
// answered (empty when none did).
func (fl *freelane) chat(t *testing.T, model, message string, stream bool) (int, string) {
	t.Helper()
	status, answeredBy, err := fl.tryChat(t.Context(), model, message, stream)
	if err != nil {
		t.Fatal(err)
	}
	return status, answeredBy
}

// tryChat is chat for goroutines, which must not stop the test themselves.
func (fl *freelane) tryChat(ctx context.Context, model, message string, stream bool) (int, string, error) {
	body, err := json.Marshal(map[string]any{
		"model": model, "stream": stream,
		"messages": []map[string]string{{"role": "user", "content": message}},
	})
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fl.base+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("chat call: %w", err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, "", fmt.Errorf("reading the chat answer: %w", err)
	}
	return resp.StatusCode, resp.Header.Get("X-Freelane-Model"), nil
}

// page is one Chromium tab on the dashboard.
type page struct {
	ctx context.Context
	url string
}

// openDashboard starts one headless Chromium for the whole test.
func openDashboard(t *testing.T, fl *freelane, width, height int) *page {
	t.Helper()
	chromium := chromiumPath(t)
	// chromedp's defaults (headless, no first run, no background networking,
	// no timer throttling, which would delay the page's live updates) plus a
	// browser that never phones home and starts from a fresh profile.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(width, height), chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancelTimeout)
	// The first action starts the browser, which lives as long as the
	// context it ran on: that must be ctx, not a per-step timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &page{ctx: ctx, url: fl.base + "/debug/"}
}

// do runs actions, all of them within browserWait, so a wait for an element
// that never shows up fails the test instead of hanging it.
func (p *page) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// open shows one tab of the dashboard and waits until live updates run.
func (p *page) open(t *testing.T, tab string) {
	t.Helper()
	p.do(t, chromedp.Navigate(p.url+"#"+tab), p.waitText("live", "Live", browserWait))
}

func testIDSelector(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// waitText waits until the element's whole text is want.
func (p *page) waitText(testID, want string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return p.waitJS(fmt.Sprintf(`(document.querySelector('[data-testid=%q]')||{}).textContent === %s`, testID, strconv.Quote(want)),
		fmt.Sprintf("%s to read %q", testID, want), timeout)
}

// waitContains waits until the element's text contains want.
func (p *page) waitContains(testID, want string) chromedp.Action[chromedp.Void] {
	return p.waitJS(fmt.Sprintf(`((document.querySelector('[data-testid=%q]')||{}).textContent||"").includes(%s)`, testID, strconv.Quote(want)),
		fmt.Sprintf("%s to contain %q", testID, want), browserWait)
}

func (p *page) waitJS(expr, what string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		if _, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout))(ctx, tgt); err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		return nil
	})
}

func (p *page) text(t *testing.T, testID string) string {
	t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.TextContent(testIDSelector(testID)))
	if err != nil {
		t.Fatalf("reading %s: %v", testID, err)
	}
	return s
}

// overviewFigures are the overview's numbers, in the shape both the page and
// GET /debug/stats can be reduced to.
type overviewFigures struct {
	Counts      map[string]int // total, success, failed, timeout, retry
	Quota       map[string]int // used, limit, remaining
	QuotaSource string         // the badge text
	ModelCalls  map[string]int // per-model table
}

// statsFigures reads GET /debug/stats.
func (fl *freelane) statsFigures(t *testing.T) overviewFigures {
	t.Helper()
	var stats struct {
		Total, Success, Failed, Timeout, Retry int
		Models                                 []struct {
			Model string
			Calls int
		}
		Quota struct {
			Used, Limit, Remaining int
			Estimated              bool
		}
	}
	if err := fl.getJSON(t, "/debug/stats", &stats); err != nil {
		t.Fatalf("reading /debug/stats: %v", err)
	}
	f := overviewFigures{
		Counts: map[string]int{"total": stats.Total, "success": stats.Success, "failed": stats.Failed, "timeout": stats.Timeout, "retry": stats.Retry},
		Quota:  map[string]int{"used": stats.Quota.Used, "limit": stats.Quota.Limit, "remaining": stats.Quota.Remaining},
		// The page must call an estimate an estimate.
		QuotaSource: map[bool]string{true: "estimate", false: "from OpenRouter"}[stats.Quota.Estimated],
		ModelCalls:  map[string]int{},
	}
	for _, m := range stats.Models {
		f.ModelCalls[m.Model] = m.Calls
	}
	return f
}

// pageFigures reads the same numbers off the overview.
const pageFiguresJS = `(() => {
  const num = (id) => Number((document.querySelector('[data-testid="' + id + '"]').textContent || "").replace(/[^0-9]/g, "") || -1);
  const models = {};
  for (const row of document.querySelectorAll('#model-stats tr')) models[row.dataset.model] = Number(row.cells[1].textContent.replace(/[^0-9]/g, ""));
  return {
    Counts: {total: num("today-total"), success: num("today-success"), failed: num("today-failed"), timeout: num("today-timeout"), retry: num("today-retry")},
    Quota: {used: num("quota-used"), limit: num("quota-limit"), remaining: num("quota-remaining")},
    QuotaSource: document.querySelector('[data-testid="quota-source"]').textContent,
    ModelCalls: models,
  };
})()`

// requireOverviewMatchesStats waits until the page shows what
// /debug/stats says (the quota may move while its refresh lands).
func requireOverviewMatchesStats(t *testing.T, fl *freelane, p *page) overviewFigures {
	t.Helper()
	var want, got overviewFigures
	deadline := time.Now().Add(browserWait)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		want = fl.statsFigures(t)
		var err error
		got, err = chromedp.Run(p.ctx, chromedp.Evaluate[overviewFigures](pageFiguresJS))
		if err != nil {
			t.Fatalf("reading the overview: %v", err)
		}
		if reflect.DeepEqual(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the overview does not match /debug/stats:\npage:  %+v\nstats: %+v", got, want)
		}
		<-tick.C
	}
}

func TestDashboardAgainstFreelane(t *testing.T) {
	chromiumPath(t)
	fl := startFreelane(t, nil)
	p := openDashboard(t, fl, 1280, 800)

	t.Run("overview_matches_stats_and_updates_live", func(t *testing.T) {
		calls := []struct {
			model      string
			stream     bool
			script     []fakeopenrouter.Behavior
			wantStatus int
		}{
			{modelLlama, false, nil, http.StatusOK},
			{modelMistral, true, nil, http.StatusOK},
			// Busy: Freelane fails over to another free model.
			{modelGemma, false, []fakeopenrouter.Behavior{fakeopenrouter.ProviderBusy()}, http.StatusOK},
			// The per-minute cap: no other model would help, so the call fails.
			{modelQwenVL, false, []fakeopenrouter.Behavior{fakeopenrouter.MinuteCap()}, http.StatusTooManyRequests},
		}
		for i, c := range calls {
			fl.fake.Script(c.model, c.script...)
			if status, _ := fl.chat(t, c.model, fmt.Sprintf("call %d", i), c.stream); status != c.wantStatus {
				t.Fatalf("call %d to %s: status %d, want %d", i, c.model, status, c.wantStatus)
			}
		}
		p.open(t, "overview")
		got := requireOverviewMatchesStats(t, fl, p)
		if want := map[string]int{"total": 4, "success": 3, "failed": 1, "timeout": 0, "retry": 1}; !maps.Equal(got.Counts, want) {
			t.Errorf("today's counts = %v, want %v", got.Counts, want)
		}

		// A new call must reach the open page through /debug/events, without
		// a reload, within liveUpdateBudget. Both moments are taken on the
		// page's clock, so the browser driver's own round trips don't count.
		const watchTotal = `window.freelaneNotReloaded = true;
window.freelaneShown = new Promise((resolve) => {
  const node = document.querySelector('[data-testid="today-total"]');
  const seen = new MutationObserver(() => {
    if (node.textContent === "5") { seen.disconnect(); resolve(performance.now()); }
  });
  seen.observe(node, { childList: true, characterData: true, subtree: true });
});
true`
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](watchTotal)); err != nil {
			t.Fatalf("watching the call count: %v", err)
		}
		callFromPage := fmt.Sprintf(`(async () => {
  const resp = await fetch("/v1/chat/completions", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: %q, messages: [{ role: "user", content: "one more" }] }) });
  await resp.text();
  window.freelaneAnswered = performance.now();
  return resp.status;
})()`, modelLlama)
		if status, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](callFromPage, chromedp.EvalAwaitPromise)); err != nil || status != http.StatusOK {
			t.Fatalf("live-update call from the page: status %d, err %v", status, err)
		}
		const shownAfter = `Promise.race([
  window.freelaneShown.then((shown) => shown - window.freelaneAnswered),
  new Promise((resolve) => setTimeout(() => resolve(-1), 20000)),
])`
		delayMs, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](shownAfter, chromedp.EvalAwaitPromise))
		switch {
		case err != nil:
			t.Fatalf("waiting for the page to show the call: %v", err)
		case delayMs < 0:
			t.Fatal("the page never showed the new call")
		case time.Duration(delayMs*float64(time.Millisecond)) > liveUpdateBudget:
			t.Errorf("the page showed the new call %.0f ms after its answer, want within %s", delayMs, liveUpdateBudget)
		default:
			t.Logf("the page showed the new call %.0f ms after its answer", delayMs)
		}
		if kept, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`window.freelaneNotReloaded === true`)); err != nil || !kept {
			t.Errorf("the page reloaded to show the new call (err %v)", err)
		}
		requireOverviewMatchesStats(t, fl, p)
	})

	t.Run("recent_calls_name_the_wire_api", func(t *testing.T) {
		body := fmt.Sprintf(`{"model":%q,"max_tokens":64,"messages":[{"role":"user","content":"from Claude Code"}]}`, modelLlama)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, fl.base+"/v1/messages", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("anthropic-version", "2023-06-01")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST /v1/messages: status %d", resp.StatusCode)
		}
		p.open(t, "overview")
		p.do(t, p.waitJS(`[...document.querySelectorAll('#recent-calls .badge')].some((b) => b.textContent === "anthropic" && b.title === "Anthropic Messages")`,
			"the recent call marked as an Anthropic Messages call", browserWait))
	})

	t.Run("test_chat_shows_answer_model_and_reasoning", func(t *testing.T) {
		fl.fake.Script(modelReasoning, fakeopenrouter.AnswerWithReasoning("Count the letters one by one.", "There are three r's in strawberry."))
		p.open(t, "chat")
		p.do(t,
			p.waitJS(fmt.Sprintf(`document.querySelector('#chat-model option[value=%q]') !== null`, modelReasoning), "the model list", browserWait),
			chromedp.SetValue(testIDSelector("chat-model"), modelReasoning),
			chromedp.SetValue(testIDSelector("chat-message"), "How many r's are in strawberry?"),
			chromedp.Click(testIDSelector("chat-send")),
			p.waitText("chat-answer", "There are three r's in strawberry.", browserWait),
			p.waitText("chat-model-used", modelReasoning, browserWait),
			p.waitText("chat-reasoning", "Count the letters one by one.", browserWait))
		if got := p.text(t, "chat-error"); got != "" {
			t.Errorf("chat error shown: %q", got)
		}
	})

	debugFile := filepath.Join(fl.home, "DEBUG_MODE.txt")
	debugFileExists := func() bool {
		_, err := os.Stat(debugFile)
		return err == nil
	}

	t.Run("debug_switch_follows_DEBUG_MODE_txt", func(t *testing.T) {
		p.open(t, "overview")
		p.do(t, p.waitText("debug-label", "Off", browserWait))
		if debugFileExists() {
			t.Fatal("DEBUG_MODE.txt exists before debug mode was switched on")
		}
		fl.drainReloads()
		p.do(t, chromedp.Click(chromedp.CSS(`label.switch`)), p.waitText("debug-label", "On: calls are saved", browserWait))
		waitFor(t, "DEBUG_MODE.txt to be created", debugFileExists)

		// Removing the file by hand switches debug mode off; the page
		// follows. The folder watcher must have seen the file first: it
		// compares with what it saw last, so a create and a remove inside
		// one debounce window look like no change at all. Its only visible
		// sign of a reload is a changed .env, so make one and wait for it.
		if err := config.SetEnvValue(fl.home, "MAX_CONCURRENT_REQUESTS", "6"); err != nil {
			t.Fatal(err)
		}
		fl.waitReload(t)
		if err := os.Remove(debugFile); err != nil {
			t.Fatal(err)
		}
		p.do(t, p.waitText("debug-label", "Off", browserWait))
		if checked, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="debug-toggle"]').checked`)); err != nil || checked {
			t.Errorf("debug switch still checked after DEBUG_MODE.txt was removed (err %v)", err)
		}
	})

	t.Run("saved_call_opens_in_requests", func(t *testing.T) {
		p.open(t, "requests")
		p.do(t, chromedp.WaitVisible(testIDSelector("requests-off")), chromedp.Click(chromedp.CSS(`#requests-enable`)),
			chromedp.WaitNotVisible(testIDSelector("requests-off")))
		waitFor(t, "DEBUG_MODE.txt to be created", debugFileExists)

		const question = "Which free model is answering this?"
		status, answeredBy := fl.chat(t, modelLlama, question, true)
		if status != http.StatusOK || answeredBy != modelLlama {
			t.Fatalf("debug call: status %d from %q, want 200 from %s", status, answeredBy, modelLlama)
		}
		p.do(t, p.waitText("requests-count", "(1)", browserWait),
			chromedp.Click(chromedp.CSS(`#request-list button`)),
			p.waitText("capture-model", modelLlama, browserWait),
			p.waitText("capture-upstream-model", modelLlama, browserWait),
			p.waitText("capture-answer", "Hello from "+modelLlama+". This answer is deterministic.", browserWait),
			p.waitContains("capture-request", question),
			p.waitContains("capture-events", `"delta"`))
		if got := p.text(t, "request-viewer"); strings.Contains(got, fakeopenrouter.DefaultAPIKey) {
			t.Error("the saved call shows the API key")
		}
	})

	t.Run("preferred_models_saved_to_env", func(t *testing.T) {
		p.open(t, "models")
		p.do(t, p.waitText("models-count", "(5)", browserWait))
		for _, id := range []string{modelMistral, modelGemma} {
			p.do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-model=%q] input[type=checkbox]`, id))))
		}
		p.do(t, chromedp.Click(testIDSelector("preferred-save")), p.waitText("preferred-note", "Saved", browserWait))

		envFile, err := os.ReadFile(filepath.Join(fl.home, ".env"))
		if err != nil {
			t.Fatalf("reading .env: %v", err)
		}
		if !strings.Contains(string(envFile), "PREFERRED_MODELS=") {
			t.Fatalf(".env has no PREFERRED_MODELS line:\n%s", envFile)
		}
		cfg, err := config.LoadWith(fl.home, fl.env)
		if err != nil {
			t.Fatalf("loading the saved config: %v", err)
		}
		if want := []string{modelMistral, modelGemma}; !reflect.DeepEqual(cfg.PreferredModels, want) {
			t.Errorf("PREFERRED_MODELS in .env = %q, want %q", cfg.PreferredModels, want)
		}
	})
}
