//go:build unix

package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy"
)

// The tests that run the real binary share one build per test process,
// made without -race: the binary is the product, not the code under the
// race detector.
var freelaneBuild struct {
	once sync.Once
	dir  string
	bin  string
	out  []byte
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if freelaneBuild.dir != "" {
		os.RemoveAll(freelaneBuild.dir)
	}
	os.Exit(code)
}

// freelaneBinary returns the path of the freshly built freelane binary.
func freelaneBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		skipOrFailInCI(t, "the go command is not on PATH")
	}
	b := &freelaneBuild
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "freelane-bin-"); b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "freelane")
		b.out, b.err = exec.Command(goTool, "build", "-o", b.bin, ".").CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("go build: %v\n%s", b.err, b.out)
	}
	return b.bin
}

// skipOrFailInCI skips where a tool is missing on a developer's machine, but
// fails in CI, which must install it.
func skipOrFailInCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (required when CI is set)", why)
	}
	t.Skip(why)
}

// freeLoopbackAddr finds a port nobody listens on; the binary binds it itself.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// pollUntil checks cond every 20 ms until it holds, failing the test after
// timeout or when the test ends.
func pollUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting for %s", what)
		case <-tick.C:
		}
	}
}

func TestParseArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantHome string
		wantCmd  string
		wantErr  bool
	}{
		{"none", nil, "", "", false},
		{"command_only", []string{"serve"}, "", "serve", false},
		{"tray_from_login_entry", []string{"--home", "/srv/free lane"}, "/srv/free lane", "", false},
		{"single_dash", []string{"-home", "/h", "status"}, "/h", "status", false},
		{"equals_form", []string{"--home=/h", "serve"}, "/h", "serve", false},
		{"last_one_wins", []string{"--home", "/a", "--home=/b"}, "/b", "", false},
		{"after_the_command", []string{"status", "--home", "/h"}, "/h", "status", false},
		{"after_the_command_equals_form", []string{"start", "--home=/h"}, "/h", "start", false},
		{"around_the_command", []string{"--home", "/a", "stop", "-home", "/b"}, "/b", "stop", false},
		{"extra_argument", []string{"status", "now"}, "", "", true},
		{"extra_argument_after_home", []string{"start", "--home", "/h", "--verbose"}, "", "", true},
		{"two_commands", []string{"stop", "start"}, "", "", true},
		{"missing_folder", []string{"--home"}, "", "", true},
		{"missing_folder_after_the_command", []string{"status", "--home"}, "", "", true},
		{"empty_folder", []string{"--home="}, "", "", true},
		{"blank_folder", []string{"-home", " "}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home, cmd, err := parseArgs(nil, tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseArgs(%q) error = %v, want error: %v", tt.args, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if home != tt.wantHome || cmd != tt.wantCmd {
				t.Errorf("parseArgs(%q) = %q, %q; want %q, %q", tt.args, home, cmd, tt.wantHome, tt.wantCmd)
			}
		})
	}
}

// The dashboard a second launch opens must be reachable from this machine,
// whatever LISTEN_ADDR binds.
func TestDashboardURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		listen, token, want string
	}{
		{"127.0.0.1:5000", "", "http://127.0.0.1:5000/debug"},
		{"0.0.0.0:5000", "a b&c", "http://127.0.0.1:5000/debug?token=a+b%26c"},
		{":5000", "", "http://127.0.0.1:5000/debug"},
		{"[::]:5000", "", "http://127.0.0.1:5000/debug"},
		{"[::1]:5000", "", "http://[::1]:5000/debug"},
		{"192.168.1.20:5000", "t", "http://192.168.1.20:5000/debug?token=t"},
	}
	for _, tt := range tests {
		if got := proxy.DashboardURL(tt.listen, tt.token); got != tt.want {
			t.Errorf("DashboardURL(%q, %q) = %q, want %q", tt.listen, tt.token, got, tt.want)
		}
	}
}
