//go:build unix

package main

import (
	"slices"
	"strings"
	"testing"
)

// A person whose system is set to Chinese, or whose .env says LANGUAGE=zh-CN,
// reads the commands' output in Chinese.
func TestCommandsInChinese(t *testing.T) {
	bin := freelaneBinary(t)
	h := newServiceHome(t, bin)
	zhSystem := append(slices.Clone(h.env), "LANG=zh_CN.UTF-8")

	if out, code := h.run(h.elsewhere, zhSystem, "--help"); code != 0 || !strings.Contains(out, "用法：") || !strings.Contains(out, "以受监管的后台服务启动代理") {
		t.Errorf("--help under LANG=zh_CN.UTF-8 exited %d:\n%s", code, out)
	}
	if out, code := h.run(h.elsewhere, zhSystem, "status", "now"); code != 2 || !strings.Contains(out, `"status" 之后有多余的参数 "now"`) {
		t.Errorf("status now under LANG=zh_CN.UTF-8 exited %d:\n%s", code, out)
	}
	if out, code := h.run(h.home, zhSystem, "status"); code != 1 || !strings.Contains(out, "Freelane 服务未运行") {
		t.Errorf("status under LANG=zh_CN.UTF-8 exited %d:\n%s", code, out)
	}
	// LANGUAGE in .env wins over the system's language, both ways.
	h.addDotenv("LANGUAGE=en")
	if out, code := h.run(h.home, zhSystem, "status"); code != 1 || !strings.Contains(out, "Freelane service is not running") {
		t.Errorf("status with LANGUAGE=en under a Chinese system exited %d:\n%s", code, out)
	}
	h.addDotenv("LANGUAGE=zh-CN")
	if out, code := h.run(h.home, h.env, "status"); code != 1 || !strings.Contains(out, "Freelane 服务未运行") {
		t.Errorf("status with LANGUAGE=zh-CN exited %d:\n%s", code, out)
	}
}
