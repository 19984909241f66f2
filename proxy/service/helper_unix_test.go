//go:build unix

package service

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The service tests that start the test binary as a server run on Unix.

// events returns the helpers' event lines, e.g. "started 1234".
func events(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, eventsName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func countEvents(t *testing.T, dir, event string) int {
	t.Helper()
	n := 0
	for _, e := range events(t, dir) {
		if strings.HasPrefix(e, event+" ") {
			n++
		}
	}
	return n
}

// testOptions returns Options that run the test binary in the given server role.
func testOptions(t *testing.T, role string) Options {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	return Options{
		Exe:       exe,
		ServeArgs: []string{role},
		Dir:       dir,
		HealthURL: "http://" + addr + "/health",
		Env: []string{
			helperEnv + "=1",
			dirEnv + "=" + dir,
			addrEnv + "=" + addr,
			serveArgsEnv + "=" + role,
			stopTimeEnv + "=2s",
		},
		StartTimeout: 20 * time.Second,
		StopTimeout:  2 * time.Second,
		RestartDelay: 10 * time.Millisecond,
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
