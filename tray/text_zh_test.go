package tray

import (
	"errors"
	"testing"

	"golang.org/x/text/language"

	"github.com/freelane/freelane/assets/locale"
)

// The tray in Chinese: the same pure functions, given the zh-CN printer.
func TestTrayTextsInChinese(t *testing.T) {
	t.Parallel()
	zh := locale.For(locale.SimplifiedChinese)
	running := State{Running: true, Addr: "127.0.0.1:5000", Calls: 12, OK: 10, Failed: 2, FreeLeft: 38, Debug: true}
	noKey := State{Running: true, Addr: "127.0.0.1:5000", Problem: ProblemNoKey, FreeLeft: -1,
		Detail: "Add OPENROUTER_API_KEY to /home/u/.config/freelane/.env"}
	cases := []struct{ name, got, want string }{
		{"tooltip", Tooltip(zh, running), "Freelane · 运行中 · 今日 12 次调用（成功 10，失败 2） · 剩余免费 38 次 · 调试"},
		{"tooltip_stopped", Tooltip(zh, State{FreeLeft: -1}), "Freelane · 已停止 · 今日 0 次调用"},
		{"status", StatusLine(zh, running), "运行于 127.0.0.1:5000 · 今日 12 次调用（成功 10，失败 2）"},
		// The controller's English Detail gives way to Chinese advice.
		{"status_problem", StatusLine(zh, noKey), "缺少 API 密钥：请在配置文件夹的 .env 文件中添加 OPENROUTER_API_KEY · 运行于 127.0.0.1:5000 · 今日 0 次调用"},
		{"tooltip_problem", Tooltip(zh, noKey), "Freelane · 运行中 · 缺少 API 密钥 · 今日 0 次调用"},
		{"toggle_running", toggleLabel(zh, running), "停止代理"},
		{"toggle_stopped", toggleLabel(zh, State{}), "启动代理"},
		{"config_status", ConfigProblemStatus(zh, "/h/.env", errors.New("LOG_LEVEL=\"loud\" (from .env): must be debug, info, warn or error")),
			"请修正 /h/.env：LOG_LEVEL=\"loud\" (from .env): must be debug, info, warn or error"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	m := menuModel(zh, State{}, loginItem{blocked: transientReason})
	if m.launchAtLoginLabel != "登录时启动（需要安装版）" || m.launchAtLoginTip != "此副本从临时文件夹（go run）运行，下次登录时已不存在" {
		t.Errorf("blocked login item = %q / %q", m.launchAtLoginLabel, m.launchAtLoginTip)
	}
}

// The exported English labels are the English catalog's texts, so tests
// that click by label and the menu the tray builds stay the same.
func TestEnglishLabelsMatchTheCatalog(t *testing.T) {
	t.Parallel()
	en := locale.For(language.English)
	for id, label := range map[string]string{
		"tray.menu.start": LabelStartProxy, "tray.menu.stop": LabelStopProxy,
		"tray.menu.dashboard": LabelOpenDashboard, "tray.menu.debug": LabelDebugMode,
		"tray.menu.login": LabelLaunchAtLogin, "tray.menu.login_unavailable": LabelLaunchAtLoginUnavailable,
		"tray.menu.folder": LabelOpenConfigFolder, "tray.menu.quit": LabelQuit,
		"tray.tip.login_transient": transientReason,
	} {
		if got := en.T(id); got != label {
			t.Errorf("%s = %q, the exported label is %q", id, got, label)
		}
	}
}
