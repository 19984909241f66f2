//go:build linux

package tray

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestAvailable_NoSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	ok, reason := Available()
	if ok {
		t.Fatal("Available() = true without a session bus")
	}
	if !strings.Contains(reason, "session bus") {
		t.Errorf("reason %q does not mention the session bus", reason)
	}
}

func TestAvailable_PrivateSessionBus(t *testing.T) {
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("dbus-daemon is required in CI (Debian package dbus)")
		}
		t.Skip("dbus-daemon not installed")
	}
	cmd := exec.CommandContext(t.Context(), daemon, "--session", "--nofork", "--nopidfile", "--print-address=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the bus address: %v", err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", strings.TrimSpace(addr))
	if ok, reason := Available(); !ok {
		t.Fatalf("Available() = false on a running bus: %s", reason)
	}
}
