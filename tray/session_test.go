//go:build linux

package tray

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestAvailable_NoSessionBus(t *testing.T) {
	t.Setenv("DISPLAY", ":0")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	avail := Available()
	if avail.OK {
		t.Fatal("Available() = OK without a session bus")
	}
	if !strings.Contains(avail.Reason, "session bus") {
		t.Errorf("reason %q does not mention the session bus", avail.Reason)
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
	t.Setenv("WAYLAND_DISPLAY", "wayland-0")
	t.Setenv("DISPLAY", "")
	avail := Available()
	if !avail.OK {
		t.Fatalf("Available() = not OK on a running bus: %s", avail.Reason)
	}
	// No panel owns the watcher name on this private bus: the same
	// connection answered that.
	if !strings.Contains(avail.Hint, watcherName) {
		t.Errorf("Available().Hint = %q without a watcher, want a line naming %s", avail.Hint, watcherName)
	}

	// A bus without a display is an SSH login to a systemd machine.
	t.Setenv("WAYLAND_DISPLAY", "")
	if avail := Available(); avail.OK || !strings.Contains(avail.Reason, "no graphical session") {
		t.Errorf("Available() = %+v on a bus without a display, want not OK and no graphical session", avail)
	}
}

func TestGraphicalSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    map[string]string
		wantOK bool
	}{
		{"nothing_set", map[string]string{}, false},
		{"bus_only", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}, false},
		{"x11", map[string]string{"DISPLAY": ":0"}, true},
		{"wayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
		{"both", map[string]string{"DISPLAY": ":1", "WAYLAND_DISPLAY": "wayland-1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, reason := graphicalSession(func(k string) string { return tt.env[k] })
			if ok != tt.wantOK {
				t.Fatalf("graphicalSession() = %v, want %v", ok, tt.wantOK)
			}
			if !ok && reason != "no graphical session (DISPLAY/WAYLAND_DISPLAY unset)" {
				t.Errorf("reason = %q", reason)
			}
			if ok && reason != "" {
				t.Errorf("reason = %q for an available session", reason)
			}
		})
	}
}

func TestPanelHintFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		owned    bool
		err      error
		wantHint bool
	}{
		{"panel_running", true, nil, false},
		{"no_panel_yet", false, nil, true},
		{"bus_call_failed", false, errors.New("no reply"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hint := panelHintFor(tt.owned, tt.err)
			if got := hint != ""; got != tt.wantHint {
				t.Errorf("panelHintFor(%v, %v) = %q, want a hint: %v", tt.owned, tt.err, hint, tt.wantHint)
			}
		})
	}
}
