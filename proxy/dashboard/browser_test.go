package dashboard

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// These tests drive the real page in headless Chromium against the handler
// and a fake Source. They skip when no Chromium is installed, and in -short.

func findChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no Chromium found on PATH")
	return ""
}

// fakeChat answers /v1/chat/completions like the proxy: an OpenAI SSE
// stream with a comment line, reasoning, content and [DONE]; a message
// containing "quota" gets the daily-cap error instead.
func fakeChat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if strings.Contains(string(body), "quota") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"message":"Free requests for today are used up; they reset at 00:00 UTC.","type":"rate_limit_error","code":"daily_limit"}}`)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Freelane-Model", "deepseek/deepseek-chat-v3.1:free")
	rc := http.NewResponseController(w)
	frames := []string{
		": OPENROUTER PROCESSING\n\n",
		`data: {"model":"deepseek/deepseek-chat-v3.1:free","choices":[{"index":0,"delta":{"role":"assistant","reasoning":"The user wants a greeting."}}]}` + "\n\n",
		`data: {"model":"deepseek/deepseek-chat-v3.1:free","choices":[{"index":0,"delta":{"content":"Hello from "}}]}` + "\n\n",
		`data: {"model":"deepseek/deepseek-chat-v3.1:free","choices":[{"index":0,"delta":{"content":"Freelane!"},"finish_reason":"stop"}]}` + "\n\n",
		"data: [DONE]\n\n",
	}
	for _, f := range frames {
		fmt.Fprint(w, f)
		_ = rc.Flush()
	}
}

type browserEnv struct {
	src *fakeSource
	url string
	ctx context.Context
}

func startBrowser(t *testing.T, width, height int) *browserEnv {
	chromium := findChromium(t)
	src := newFakeSource(time.Now())
	mux := http.NewServeMux()
	dash := New(src, Options{Logger: slog.New(slog.DiscardHandler)})
	mux.Handle("/debug", dash)
	mux.Handle("/debug/", dash)
	mux.HandleFunc("POST /v1/chat/completions", fakeChat)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.WindowSize(width, height), chromedp.UserDataDir(t.TempDir()))...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	return &browserEnv{src: src, url: srv.URL + "/debug/", ctx: ctx}
}

func (e *browserEnv) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(e.ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// discard runs an action for its effect (a wait) and drops its value.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

func byTestID(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// waitText waits until the element's text equals want.
func waitText(testID, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		expr := fmt.Sprintf(`(document.querySelector('[data-testid=%q]')||{}).textContent === %s`, testID, strconv.Quote(want))
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(45*time.Second))(ctx, t)
		if err != nil {
			return fmt.Errorf("waiting for %s to read %q: %w", testID, want, err)
		}
		return nil
	})
}

func text(t *testing.T, e *browserEnv, testID string) string {
	t.Helper()
	s, err := chromedp.Run(e.ctx, chromedp.TextContent(byTestID(testID)))
	if err != nil {
		t.Fatalf("reading %s: %v", testID, err)
	}
	return s
}

func TestBrowser_OverviewShowsNumbersAndUpdatesLive(t *testing.T) {
	e := startBrowser(t, 1440, 1000)
	e.do(t, chromedp.Navigate(e.url), waitText("today-total", "37"), waitText("live", "Live"))

	for id, want := range map[string]string{
		"today-success": "31", "today-failed": "3", "today-timeout": "1", "today-retry": "2",
		"quota-remaining": "13", "quota-limit": "50", "quota-source": "estimate",
		"conc-inflight": "1", "conc-limit": "4", "state-listen": "127.0.0.1:5000",
	} {
		if got := text(t, e, id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	bars, err := chromedp.Run(e.ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="history-chart"] g.day').length`))
	if err != nil || bars != 30 {
		t.Errorf("chart has %d day bars (err %v), want 30", bars, err)
	}

	// A call finishes: the Source changes and notifies; the page must follow
	// through /debug/events without a reload.
	e.src.mu.Lock()
	e.src.today.Total, e.src.today.Success = 38, 32
	e.src.mu.Unlock()
	e.src.notify()
	e.do(t, waitText("today-total", "38"), waitText("today-success", "32"))

	// The debug toggle switches the mode through PUT /debug/mode.
	e.do(t, chromedp.Click(chromedp.CSS(`label.switch`)), waitText("debug-label", "Off"))
	if e.src.Status().Debug {
		t.Error("debug mode still on after clicking the toggle")
	}
}

func TestBrowser_SavePreferredOrder(t *testing.T) {
	e := startBrowser(t, 1440, 1000)
	e.do(t, chromedp.Navigate(e.url+"#models"), waitText("models-count", "(4)"), waitText("live", "Live"),
		chromedp.Click(chromedp.CSS(`tr[data-model="qwen/qwen3-coder:free"] input[type=checkbox]`)),
		chromedp.Click(chromedp.CSS(`tr[data-model="qwen/qwen3-coder:free"] button[aria-label$="up"]`)),
		chromedp.Click(byTestID("preferred-save")), waitText("preferred-note", "Saved"))
	e.src.mu.Lock()
	got := strings.Join(e.src.preferred, ",")
	e.src.mu.Unlock()
	if want := "qwen/qwen3-coder:free,deepseek/deepseek-chat-v3.1:free"; got != want {
		t.Errorf("preferred = %q, want %q", got, want)
	}
}

// The Models tab says why each model is where routing puts it: its recent
// success rate and latency, and how long it rests.
func TestBrowser_ModelsShowWhy(t *testing.T) {
	e := startBrowser(t, 1440, 1000)
	e.do(t, chromedp.Navigate(e.url+"#models"), waitText("models-count", "(4)"))
	row := `tr[data-model="qwen/qwen3-coder:free"] `
	health, err := chromedp.Run(e.ctx, chromedp.TextContent(chromedp.CSS(row+"td.health")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(health, "74% recent success") || !strings.Contains(health, "2.63 s") {
		t.Errorf("health cell = %q, want the success rate (74%%) and the latency (2.63 s)", health)
	}
	state, err := chromedp.Run(e.ctx, chromedp.TextContent(chromedp.CSS(row+"[data-until]")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(state, "cooling down") {
		t.Errorf("state = %q, want how long the model rests", state)
	}
}

// A Source that refuses the change (PREFERRED_MODELS pinned by the
// environment) must leave the user reading why, not "Saved", with the edit
// still pending.
func TestBrowser_SavePreferredRefused(t *testing.T) {
	e := startBrowser(t, 1440, 1000)
	const reason = "PREFERRED_MODELS is set in the environment, which overrides .env; unset it to edit here"
	e.src.mu.Lock()
	e.src.failSet = &StatusError{Status: http.StatusConflict, Code: "preferred_models_pinned", Message: reason}
	e.src.mu.Unlock()
	e.do(t, chromedp.Navigate(e.url+"#models"), waitText("models-count", "(4)"), waitText("live", "Live"),
		chromedp.Click(chromedp.CSS(`tr[data-model="qwen/qwen3-coder:free"] input[type=checkbox]`)),
		chromedp.Click(byTestID("preferred-save")), waitText("preferred-note", reason))
	noteClass, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`document.getElementById("preferred-note").className`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(noteClass, "bad") {
		t.Errorf("note class = %q, want it marked bad", noteClass)
	}
	saveDisabled, err := chromedp.Run(e.ctx, chromedp.Evaluate[bool](`document.getElementById("preferred-save").disabled`))
	if err != nil {
		t.Fatal(err)
	}
	if saveDisabled {
		t.Error("Save is disabled after a refused save; the edit should stay pending")
	}
	e.src.mu.Lock()
	got := strings.Join(e.src.preferred, ",")
	e.src.mu.Unlock()
	if want := "deepseek/deepseek-chat-v3.1:free"; got != want {
		t.Errorf("preferred = %q, want it unchanged at %q", got, want)
	}
}

func TestBrowser_RequestViewer(t *testing.T) {
	e := startBrowser(t, 1440, 1000)
	answered, failed := e.src.captures[0], e.src.captures[2] // a streamed success; a failure after 3 tries
	e.do(t, chromedp.Navigate(e.url+"#requests"), waitText("requests-count", "(12)"),
		chromedp.Click(chromedp.CSS(`#request-list button[data-id="`+answered.ID+`"]`)),
		waitText("capture-model", answered.Model),
		waitText("capture-upstream-model", answered.Model),
		waitText("capture-answer", "Here is a summary of the release."),
		waitText("capture-reasoning", "The user wants a summary."))
	for _, want := range []string{"Summarise the release notes", "POST /v1/chat/completions from 127.0.0.1:53122", "Raw stream events (3)"} {
		if got := text(t, e, "request-viewer"); !strings.Contains(got, want) {
			t.Errorf("viewer does not show %q:\n%s", want, got)
		}
	}

	e.do(t, chromedp.Click(chromedp.CSS(`#request-list button[data-id="`+failed.ID+`"]`)),
		waitText("capture-model", "none"),
		waitText("capture-error", "Every free model failed; the last said: Provider returned error"))
	attempts, err := chromedp.Run(e.ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid="capture-attempt"]')].map(a => a.className + ": " + a.textContent)`))
	if err != nil {
		t.Fatalf("reading attempts: %v", err)
	}
	if len(attempts) != failed.Attempts {
		t.Fatalf("viewer shows %d attempts, want %d: %q", len(attempts), failed.Attempts, attempts)
	}
	for i, a := range attempts {
		if !strings.HasPrefix(a, "attempt failed") || !strings.Contains(a, "Provider returned error") {
			t.Errorf("attempt %d = %q, want a failed attempt with its error", i+1, a)
		}
	}
}

func TestBrowser_TestChatStreams(t *testing.T) {
	e := startBrowser(t, 1440, 1000)
	e.do(t, chromedp.Navigate(e.url+"#chat"), chromedp.WaitVisible(byTestID("chat-send")),
		chromedp.Click(byTestID("chat-send")),
		waitText("chat-answer", "Hello from Freelane!"),
		waitText("chat-model-used", "deepseek/deepseek-chat-v3.1:free"),
		waitText("chat-reasoning", "The user wants a greeting."))
	if got := text(t, e, "chat-first-token"); !strings.HasSuffix(got, "ms") && !strings.HasSuffix(got, " s") {
		t.Errorf("first-token time = %q, want a duration", got)
	}

	e.do(t, chromedp.SetValue(byTestID("chat-message"), "use up the quota"), chromedp.Click(byTestID("chat-send")),
		waitText("chat-error", "429: Free requests for today are used up; they reset at 00:00 UTC."))
}
