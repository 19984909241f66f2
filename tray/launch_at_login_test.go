package tray

import (
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

func TestTransientExecutable(t *testing.T) {
	t.Parallel()
	root := filepath.FromSlash("/")
	tmp := filepath.Join(root, "tmp")
	tests := []struct {
		name, exe string
		want      bool
	}{
		{"go_run_build", filepath.Join(tmp, "go-build2297418", "b001", "exe", "freelane"), true},
		{"go_run_under_gotmpdir", filepath.Join(root, "scratch", "go-build123", "b001", "exe", "freelane"), true},
		{"build_cache", filepath.Join(root, "home", "u", ".cache", "go-build", "ab", "exe", "freelane"), true},
		{"unpacked_in_temp", filepath.Join(tmp, "freelane-1.2", "freelane"), true},
		{"installed", filepath.Join(root, "usr", "local", "bin", "freelane"), false},
		{"portable_folder", filepath.Join(root, "media", "usb", "freelane", "freelane"), false},
		{"temp_lookalike_sibling", filepath.Join(root, "tmpfiles", "freelane"), false},
		{"go_build_is_the_binary_name", filepath.Join(root, "opt", "go-build"), false},
		{"go_build_tools_folder", filepath.Join(root, "home", "u", "src", "go-build-tools", "bin", "freelane"), false},
		{"go_build_with_letters", filepath.Join(root, "opt", "go-buildx1", "freelane"), false},
		{"folder_named_go_build", filepath.Join(root, "opt", "go-build", "bin", "freelane"), false},
		{"cached_executable_any_gocache", filepath.Join(root, "var", "gocache", "3f", strings.Repeat("ab", 32)+"-d", "freelane"), true},
		{"cache_lookalike_short_hash", filepath.Join(root, "opt", "3f", "abc-d", "freelane"), false},
		{"cache_lookalike_upper_case", filepath.Join(root, "opt", "3F", strings.Repeat("AB", 32)+"-d", "freelane"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := transientExecutable(tt.exe, tmp); got != tt.want {
				t.Errorf("transientExecutable(%q, %q) = %v, want %v", tt.exe, tmp, got, tt.want)
			}
		})
	}
}

func TestNewAutostart_TemporaryBinaryWritesNoEntry(t *testing.T) {
	t.Parallel()
	a := NewAutostart(filepath.Join(t.TempDir(), "go-build1", "b001", "exe", "freelane"), "--home", "/x")
	if _, ok := a.(unavailableAutostart); !ok {
		t.Fatalf("NewAutostart for a temporary binary = %T, want unavailableAutostart", a)
	}
	if err := a.Enable(); !errors.Is(err, errNoLoginEntry) {
		t.Errorf("Enable() = %v, want errNoLoginEntry", err)
	}
	if a.Enabled() {
		t.Error("Enabled() = true for an entry that cannot exist")
	}
}

func TestLoginItemState(t *testing.T) {
	t.Parallel()
	on := &fakeAutostarter{enabled: true}
	tests := []struct {
		name string
		a    Autostarter
		want loginItem
	}{
		{"none", nil, loginItem{}},
		{"managed_on", on, loginItem{on: true, managed: true}},
		{"managed_off", &fakeAutostarter{}, loginItem{managed: true}},
		{"temporary_binary", unavailableAutostart{reason: transientReason}, loginItem{blocked: transientReason}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := loginItemState(tt.a); got != tt.want {
				t.Errorf("loginItemState() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRefreshLoginEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                    string
		enabled, outdated       bool
		wantEnabled, wantLogged bool
	}{
		{"no_entry", false, false, false, false},
		{"current_entry", true, false, true, false},
		{"outdated_entry_is_rewritten", false, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &fakeAutostarter{enabled: tt.enabled, outdated: tt.outdated}
			var logged strings.Builder
			refreshLoginEntry(a, slog.New(slog.NewTextHandler(&logged, nil)))
			if a.Enabled() != tt.wantEnabled || a.Outdated() {
				t.Errorf("after refresh enabled=%v outdated=%v, want enabled=%v and not outdated", a.Enabled(), a.Outdated(), tt.wantEnabled)
			}
			if got := strings.Count(logged.String(), "updated the launch at login entry"); got != map[bool]int{true: 1}[tt.wantLogged] {
				t.Errorf("logged %d update lines, want logged: %v\n%s", got, tt.wantLogged, logged.String())
			}
		})
	}
	refreshLoginEntry(nil, slog.New(slog.DiscardHandler)) // no entry manager: nothing to do
}
