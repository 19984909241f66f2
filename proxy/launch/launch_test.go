package launch

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy"
	"github.com/freelane/freelane/tray"
)

func TestTrayProblem(t *testing.T) {
	want := map[proxy.Problem]tray.Problem{
		proxy.ProblemNone:                   tray.ProblemNone,
		proxy.ProblemNoKey:                  tray.ProblemNoKey,
		proxy.ProblemPortInUse:              tray.ProblemPortInUse,
		proxy.ProblemQuotaExhausted:         tray.ProblemQuotaExhausted,
		proxy.ProblemUpstreamUnreachable:    tray.ProblemUpstreamUnreachable,
		proxy.ProblemStatsNotSaved:          tray.ProblemStatsNotSaved,
		proxy.Problem("from_a_newer_proxy"): tray.ProblemNone,
	}
	for p, w := range want {
		if got := trayProblem(p); got != w {
			t.Errorf("trayProblem(%q) = %v, want %v", p, got, w)
		}
	}
}

// The tray, which may have no console, also logs to freelane.log; the
// headless modes log to stderr only.
func TestNewLogger_TrayLogsToAPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	newLogger(dir, slog.LevelInfo, false).Info("headless line")
	if _, err := os.Stat(filepath.Join(dir, logFileName)); !os.IsNotExist(err) {
		t.Fatalf("a headless logger made %s (%v)", logFileName, err)
	}

	newLogger(dir, slog.LevelInfo, true).Info("tray line")
	path := filepath.Join(dir, logFileName)
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), "tray line") {
		t.Fatalf("%s = %q (%v), want the tray's line", logFileName, data, err)
	}
	if runtime.GOOS != "windows" {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v (%v), want 0600", logFileName, st.Mode().Perm(), err)
		}
	}
}

// A full freelane.log moves aside to freelane.log.1 rather than growing.
func TestNewLogger_RotatesAFullLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, logFileName)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 5<<20); err != nil {
		t.Fatal(err)
	}
	newLogger(dir, slog.LevelInfo, true).Info("after the rotation")
	if st, err := os.Stat(path + ".1"); err != nil || st.Size() != 5<<20 {
		t.Fatalf("%s.1: %v, want the full log", logFileName, err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasSuffix(string(data), "msg=\"after the rotation\"\n") || len(data) > 200 {
		t.Errorf("%s = %q (%v), want only the new line", logFileName, data, err)
	}
}
