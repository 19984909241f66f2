package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// TestScreenshots renders the documentation images from a real Freelane
// with a month of history and a few dozen calls behind it:
//
//	FREELANE_SCREENSHOT_DIR=$PWD/docs/images go test -run TestScreenshots ./proxy/dashboard/
//
// It writes dashboard.png, dashboard-dark.png, dashboard-chat.png and, for a
// browser set to Chinese, dashboard-zh-CN.png (1280x800), and is skipped
// otherwise, so test runs never rewrite the images.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("FREELANE_SCREENSHOT_DIR")
	if dir == "" {
		t.Skip("set FREELANE_SCREENSHOT_DIR to render the dashboard screenshots")
	}
	chromiumPath(t)
	fl := startFreelane(t, func(cacheDir string) { writeHistory(t, cacheDir, time.Now(), 29) })
	if err := fl.srv.SetDebug(true); err != nil {
		t.Fatal(err)
	}
	makeRealisticCalls(t, fl)
	p := openDashboard(t, fl, 1280, 800)

	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatalf("saving %s: %v", name, err)
		}
		t.Logf("saved %s", path)
	}

	for _, shot := range []struct{ scheme, file string }{{"light", "dashboard.png"}, {"dark", "dashboard-dark.png"}} {
		p.do(t, colorScheme(shot.scheme))
		p.open(t, "overview")
		requireOverviewMatchesStats(t, fl, p)
		shoot(shot.file)
	}

	p.do(t, colorScheme("light"))
	fl.fake.Script(modelReasoning, fakeopenrouter.Delay(900*time.Millisecond, fakeopenrouter.AnswerWithReasoning(
		"The user wants to know what Freelane does. Keep it to two sentences and mention the failover.",
		"Freelane serves an OpenAI-compatible endpoint on your computer and sends every call to one of OpenRouter's free models. "+
			"When a model is busy or gone, it quietly tries the next free one, so your tools keep working.")))
	p.open(t, "chat")
	p.do(t,
		p.waitJS(fmt.Sprintf(`document.querySelector('#chat-model option[value=%q]') !== null`, modelReasoning), "the model list", browserWait),
		chromedp.SetValue(testIDSelector("chat-model"), modelReasoning),
		chromedp.SetValue(testIDSelector("chat-message"), "In two sentences: what does Freelane do?"),
		chromedp.Click(testIDSelector("chat-send")),
		p.waitText("chat-model-used", modelReasoning, browserWait),
		p.waitJS(`document.querySelector('[data-testid="chat-total"]').textContent.endsWith("s")`, "the chat to finish", browserWait))
	shoot("dashboard-chat.png")

	p.do(t, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36", AcceptLanguage: "zh-CN,zh",
		})
		return err
	}), chromedp.Navigate(p.url+"#overview"), chromedp.Reload(), p.waitText("live", "实时", browserWait),
		p.waitText("quota-source", "来自 OpenRouter", browserWait),
		p.waitJS(`document.querySelectorAll('[data-testid="history-chart"] g.day').length === 30`, "the chart", browserWait))
	shoot("dashboard-zh-CN.png")
}

func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

// writeHistory writes call summaries for the days past days before today,
// in the CALLS_YYYYMMDD.json format of proxy/stats, with a weekday rhythm
// and a quiet weekend or two.
func writeHistory(t *testing.T, cacheDir string, today time.Time, days int) {
	t.Helper()
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		t.Fatal(err)
	}
	type modelDay struct {
		Calls   int   `json:"calls"`
		Success int   `json:"success"`
		Failed  int   `json:"failed"`
		Timeout int   `json:"timeout"`
		P50Ms   int64 `json:"p50_ms"`
		P95Ms   int64 `json:"p95_ms"`
	}
	type summary struct {
		Date         string              `json:"date"`
		Total        int                 `json:"total"`
		Success      int                 `json:"success"`
		Failed       int                 `json:"failed"`
		Timeout      int                 `json:"timeout"`
		Retry        int                 `json:"retry"`
		LastUpdated  string              `json:"last_updated"`
		Models       map[string]modelDay `json:"models"`
		JournalBytes int64               `json:"journal_bytes"`
	}
	y, m, d := today.Date()
	for ago := 1; ago <= days; ago++ {
		day := time.Date(y, m, d-ago, 18, 42, 7, 0, time.Local)
		total := 14 + (ago*29)%37
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			total /= 4
		}
		if ago == 11 {
			total = 0 // a day off
		}
		failed, timeout := (total+5)/11, total/19
		sum := summary{
			Date: day.Format("2006-01-02"), Total: total, Success: total - failed - timeout, Failed: failed, Timeout: timeout,
			Retry: total / 6, Models: map[string]modelDay{},
		}
		if total > 0 {
			sum.LastUpdated = day.Format(time.RFC3339)
			sum.Models[modelLlama] = modelDay{Calls: total, Success: sum.Success, Failed: failed, Timeout: timeout, P50Ms: 1900, P95Ms: 5200}
		}
		data, err := json.Marshal(sum)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(cacheDir, "CALLS_"+day.Format("20060102")+".json")
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// makeRealisticCalls sends three dozen calls over several free models, with
// answer times of a few hundred milliseconds to a few seconds, a few
// failovers and two calls refused by the per-minute cap.
func makeRealisticCalls(t *testing.T, fl *freelane) {
	t.Helper()
	models := []string{modelLlama, modelLlama, modelMistral, modelReasoning, modelLlama, modelGemma, modelMistral, modelQwenVL}
	for i, model := range models {
		// What a model answers once its script is used up (failovers take from it too).
		fl.fake.SetDefault(model, fakeopenrouter.Delay(time.Duration(900+i*170)*time.Millisecond, fakeopenrouter.Answer("Done.")))
	}
	const calls, refused = 36, 2
	for i := range calls {
		model := models[i%len(models)]
		switch i {
		case 9, 23, 31: // busy: Freelane fails over to another free model
			fl.fake.Script(model, fakeopenrouter.ProviderBusy())
		case 17, 34: // the per-minute cap: no other model would help
			fl.fake.Script(model, fakeopenrouter.MinuteCap())
			continue
		}
		delay := time.Duration(350+(i*479)%2600) * time.Millisecond
		fl.fake.Script(model, fakeopenrouter.Delay(delay, fakeopenrouter.Answer("Done: "+model)))
	}

	// Four at a time, below MAX_CONCURRENT_REQUESTS, so nothing queues.
	statuses := make(chan int, calls)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range calls {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			status, _, err := fl.tryChat(t.Context(), models[i%len(models)], fmt.Sprintf("task %d", i), i%3 != 0)
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	if got[http.StatusOK] != calls-refused || got[http.StatusTooManyRequests] != refused {
		t.Fatalf("call statuses %v, want %d answered and %d refused", got, calls-refused, refused)
	}
}
