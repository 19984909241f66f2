//go:build linux

package tray

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// go-autostart reads XDG_CONFIG_HOME once, at init, so the entry is
// exercised in a child process started with a private config folder.
const autostartChildEnv = "FREELANE_TRAY_AUTOSTART_CHILD"

func TestNewAutostart_ManagesDesktopEntry(t *testing.T) {
	t.Parallel()
	config := t.TempDir()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestAutostartChild$", "-test.v")
	cmd.Env = append(os.Environ(), autostartChildEnv+"=1", "XDG_CONFIG_HOME="+config, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestAutostartChild") {
		t.Fatalf("child did not run:\n%s", out)
	}

	// The child leaves the entry enabled after enabling it twice.
	data, err := os.ReadFile(filepath.Join(config, "autostart", "freelane.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	entry := string(data)
	for _, want := range []string{
		"Name=Freelane\n",
		"Exec=\"/opt/free lane/freelane\" \"--home\" \"/srv/free lane\"\n",
	} {
		if !strings.Contains(entry, want) {
			t.Errorf("desktop entry lacks %q:\n%s", want, entry)
		}
	}
}

func TestAutostartChild(t *testing.T) {
	if os.Getenv(autostartChildEnv) == "" {
		t.Skip("runs only as the child of TestNewAutostart_ManagesDesktopEntry")
	}
	a := NewAutostart("/opt/free lane/freelane", "--home", "/srv/free lane")
	if a.Enabled() {
		t.Fatal("enabled before Enable")
	}
	steps := []struct {
		name string
		do   func() error
		want bool
	}{
		{"enable", a.Enable, true},
		{"disable", a.Disable, false},
		{"disable_again", a.Disable, false},
		{"enable_again", a.Enable, true},
		{"enable_twice", a.Enable, true},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := a.Enabled(); got != s.want {
			t.Fatalf("after %s Enabled() = %v, want %v", s.name, got, s.want)
		}
		if a.Outdated() {
			t.Fatalf("after %s Outdated() = true for this copy's own entry", s.name)
		}
	}

	// An entry written before --home existed, and one for this home folder
	// from a binary since moved, are this copy's but outdated: unticked, and
	// rewritten at start-up.
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "freelane.desktop")
	for _, exec := range []string{
		`"/opt/free lane/freelane"`,
		`/opt/freelane/freelane --home "/srv/free lane"`,
	} {
		entry := "[Desktop Entry]\nType=Application\nName=Freelane\nExec=" + exec + "\nX-GNOME-Autostart-enabled=true\n"
		if err := os.WriteFile(path, []byte(entry), 0o600); err != nil {
			t.Fatal(err)
		}
		if a.Enabled() || !a.Outdated() {
			t.Fatalf("Exec=%s: Enabled() = %v, Outdated() = %v; want false, true", exec, a.Enabled(), a.Outdated())
		}
		refreshLoginEntry(a, slog.New(slog.DiscardHandler))
		if !a.Enabled() || a.Outdated() {
			t.Fatalf("Exec=%s: after refresh Enabled() = %v, Outdated() = %v; want true, false", exec, a.Enabled(), a.Outdated())
		}
	}

	// Another home folder's entry is not this copy's to change: unticked
	// here, and left as it is.
	other := "[Desktop Entry]\nType=Application\nName=Freelane\nExec=\"/opt/free lane/freelane\" \"--home\" \"/srv/other home\"\nX-GNOME-Autostart-enabled=true\n"
	if err := os.WriteFile(path, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	if a.Enabled() || a.Outdated() {
		t.Fatalf("another home's entry: Enabled() = %v, Outdated() = %v; want false, false", a.Enabled(), a.Outdated())
	}
	refreshLoginEntry(a, slog.New(slog.DiscardHandler))
	if got, err := os.ReadFile(path); err != nil || string(got) != other {
		t.Fatalf("another home's entry was changed at start-up (err %v):\n%s", err, got)
	}
	// Ticking the item here is the user's choice: it moves the entry.
	if err := a.Enable(); err != nil || !a.Enabled() {
		t.Fatalf("Enable over another home's entry: err %v, Enabled() = %v", err, a.Enabled())
	}
}

func TestOwnEntry(t *testing.T) {
	t.Parallel()
	want := []string{"/usr/bin/freelane", "--home", "/home/a/.config/freelane"}
	for _, tt := range []struct {
		stored []string
		own    bool
	}{
		{[]string{"/usr/bin/freelane"}, true},
		{[]string{"/opt/old/freelane", "--home", "/home/a/.config/freelane"}, true},
		{[]string{"/opt/old/freelane", "--home=/home/a/.config/freelane"}, true},
		{[]string{"/usr/bin/freelane", "--home", "/srv/other"}, false},
		{[]string{"/usr/bin/freelane", "--home=/srv/other"}, false},
	} {
		if got := ownEntry(tt.stored, want); got != tt.own {
			t.Errorf("ownEntry(%q) = %v, want %v", tt.stored, got, tt.own)
		}
	}
}

func TestSplitExec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want []string
	}{
		{`"/opt/free lane/freelane" "--home" "/srv/free lane"`, []string{"/opt/free lane/freelane", "--home", "/srv/free lane"}},
		{`"/opt/a\"b/freelane"`, []string{`/opt/a"b/freelane`}},
		{`/usr/bin/freelane --home /h`, []string{"/usr/bin/freelane", "--home", "/h"}},
		{`  "/x"   "y"  `, []string{"/x", "y"}},
		{``, nil},
	}
	for _, tt := range tests {
		if got := splitExec(tt.line); !slices.Equal(got, tt.want) {
			t.Errorf("splitExec(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestNewAutostart_MakesExecAbsolute(t *testing.T) {
	// The relative path resolves against the working folder, which may be
	// under the temporary folder (a checkout in /tmp): move that elsewhere so
	// the entry is not refused as a go run binary.
	t.Setenv("TMPDIR", filepath.Join(string(filepath.Separator), "nonexistent-temporary-folder"))
	e, ok := NewAutostart("bin/freelane").(*loginEntry)
	if !ok {
		t.Fatalf("NewAutostart(%q) gave no login entry", "bin/freelane")
	}
	if !filepath.IsAbs(e.exec[0]) {
		t.Errorf("Exec = %q, want an absolute path", e.exec[0])
	}
}

func TestInstalledIcon(t *testing.T) {
	t.Parallel()
	prefix := t.TempDir()
	exe := filepath.Join(prefix, "bin", "freelane")
	if got := installedIcon(exe); got != "" {
		t.Errorf("installedIcon() = %q with no icon installed", got)
	}
	icon := filepath.Join(prefix, "share", "pixmaps", "freelane.png")
	if err := os.MkdirAll(filepath.Dir(icon), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(icon, []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := installedIcon(exe); got != icon {
		t.Errorf("installedIcon() = %q, want %q", got, icon)
	}
}
