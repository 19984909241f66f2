package dashboard

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/freelane/freelane/proxy/internal/testpoll"
)

// browserLanguages makes the browser report langs as navigator.languages.
func browserLanguages(langs string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36", AcceptLanguage: langs,
		})
		return err
	})
}

// The page follows a Chinese browser: every fixed text, the live status,
// the numbers' captions and the test chat read in Chinese; the switch
// turns it to English and the choice outlives a reload.
func TestBrowser_ChineseFollowsTheBrowserAndTheSwitchIsRemembered(t *testing.T) {
	e := startBrowser(t, 1440, 1000)
	e.do(t, browserLanguages("zh-CN,zh;q=0.9,en;q=0.5"), chromedp.Navigate(e.url),
		waitText("today-total", "37"), waitText("live", "实时"))
	for id, want := range map[string]string{
		"quota-source": "估算", "debug-label": "开启：正在保存调用",
	} {
		if got := text(t, e, id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	page, err := chromedp.Run(e.ctx, chromedp.Evaluate[[]string](`[
		document.documentElement.lang, document.title, document.getElementById("tab-overview").textContent,
		document.getElementById("today-success-rate").textContent, document.getElementById("lang-switch").value,
		document.body.innerText]`))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"zh-CN", "Freelane 控制台", "概览", "占调用的 84%", "zh-CN"} {
		if page[i] != want {
			t.Errorf("page value %d = %q, want %q", i, page[i], want)
		}
	}
	// No text id left untranslated, no English caption left over.
	for _, leftover := range []string{"web.", "Calls today", "Free requests left", "Concurrency", "Last 30 days"} {
		if strings.Contains(page[5], leftover) {
			t.Errorf("the Chinese page still shows %q", leftover)
		}
	}

	e.do(t, chromedp.Navigate(e.url+"#chat"), chromedp.WaitVisible(byTestID("chat-send")),
		waitText("chat-send", "发送"), chromedp.Click(byTestID("chat-send")),
		waitText("chat-answer", "Hello from Freelane!"))
	if got := text(t, e, "chat-first-token"); !strings.HasSuffix(got, "毫秒") && !strings.HasSuffix(got, "秒") {
		t.Errorf("first-token time = %q, want a duration in Chinese", got)
	}
	if got := text(t, e, "chat-message"); got != "用一句简短的话打个招呼。" {
		t.Errorf("default test message = %q", got)
	}

	// Picking English reloads the page in English, and the choice is
	// remembered though the browser still prefers Chinese. The page is
	// replaced meanwhile, so a check may land in the old one: ask again.
	e.do(t, discard(chromedp.Evaluate[bool](`(() => { const s = document.getElementById("lang-switch"); s.value = "en"; s.dispatchEvent(new Event("change")); return true; })()`)))
	testpoll.Until(t, 45*time.Second, "the page to reload in English", func() bool {
		live, err := chromedp.Run(e.ctx, chromedp.Evaluate[string](`(document.getElementById("live-text") || {}).textContent || ""`))
		return err == nil && live == "Live"
	})
	e.do(t, chromedp.Reload(), waitText("today-total", "37"), waitText("live", "Live"))
	if got := text(t, e, "quota-source"); got != "estimate" {
		t.Errorf("after choosing English, quota-source = %q", got)
	}
}
