//go:build unix

package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
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

func TestSplitHomeOption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantHome string
		wantRest []string
		wantErr  bool
	}{
		{"none", nil, "", nil, false},
		{"command_only", []string{"serve"}, "", []string{"serve"}, false},
		{"tray_from_login_entry", []string{"--home", "/srv/free lane"}, "/srv/free lane", []string{}, false},
		{"single_dash", []string{"-home", "/h", "status"}, "/h", []string{"status"}, false},
		{"equals_form", []string{"--home=/h", "serve"}, "/h", []string{"serve"}, false},
		{"last_one_wins", []string{"--home", "/a", "--home=/b"}, "/b", []string{}, false},
		{"after_the_command_is_the_command's", []string{"serve", "--home", "/h"}, "", []string{"serve", "--home", "/h"}, false},
		{"missing_folder", []string{"--home"}, "", nil, true},
		{"empty_folder", []string{"--home="}, "", nil, true},
		{"blank_folder", []string{"-home", " "}, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home, rest, err := splitHomeOption(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("splitHomeOption(%q) error = %v, want error: %v", tt.args, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if home != tt.wantHome || !slices.Equal(rest, tt.wantRest) {
				t.Errorf("splitHomeOption(%q) = %q, %q; want %q, %q", tt.args, home, rest, tt.wantHome, tt.wantRest)
			}
		})
	}
}
