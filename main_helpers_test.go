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
