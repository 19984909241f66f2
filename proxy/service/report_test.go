package service

import (
	"testing"
	"time"

	"github.com/freelane/freelane/assets/locale"
)

func TestStatusReportInChinese(t *testing.T) {
	zh := locale.For(locale.SimplifiedChinese)
	started := time.Date(2026, 12, 7, 9, 30, 0, 0, time.Local)
	running := Status{Running: true, PID: 10, ServerPID: 11, StartedAt: started, Restarts: 1,
		Health: "ok", Version: "1.2.3", Uptime: 90 * time.Second, Addr: "127.0.0.1:5000", CallsToday: 42}
	want := "Freelane 服务正在运行（监管进程 pid 10，服务器 pid 11）\n" +
		"  健康状态：ok\n" +
		"  地址：    127.0.0.1:5000\n" +
		"  版本：    1.2.3\n" +
		"  运行时长：1m30s\n" +
		"  今日调用：42\n" +
		"  重启次数：1（自 2026-12-07 09:30:00 起）"
	if got := running.Report(zh); got != want {
		t.Errorf("Report(zh) =\n%s\nwant\n%s", got, want)
	}
	wantEn := "Freelane service is running (supervisor pid 10, server pid 11)\n" +
		"  health:      ok\n" +
		"  address:     127.0.0.1:5000\n" +
		"  version:     1.2.3\n" +
		"  uptime:      1m30s\n" +
		"  calls today: 42\n" +
		"  restarts:    1 since 2026-12-07 09:30:00"
	if got := running.String(); got != wantEn {
		t.Errorf("String() =\n%s\nwant\n%s", got, wantEn)
	}
	for st, want := range map[*Status]string{
		{}:                                 "Freelane 服务未运行",
		{StalePIDFile: true}:               "Freelane 服务未运行（pid 文件已过期）",
		{StalePIDFile: true, ServerPID: 7}: "Freelane 服务未运行（pid 文件已过期），但其服务器进程（pid 7）仍在运行；`freelane stop` 可结束它",
		{Running: true, PID: 3, StartedAt: started, HealthErr: "connection refused"}: "Freelane 服务正在运行（监管进程 pid 3）\n  健康状态：无响应（connection refused）\n  重启次数：0（自 2026-12-07 09:30:00 起）",
	} {
		if got := st.Report(zh); got != want {
			t.Errorf("Report(zh) of %+v = %q, want %q", *st, got, want)
		}
	}
}
