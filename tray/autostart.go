//go:build !windows

package tray

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/emersion/go-autostart"
)

// loginEntry is the Autostarter over go-autostart: an XDG autostart
// .desktop file on Linux, a LaunchAgent on macOS. (Its Windows code needs
// cgo, so Windows uses the registry instead: autostart_windows.go.)
type loginEntry struct {
	exec []string
	icon string
}

// newLoginEntry returns the login entry that runs exe (absolute) with args.
func newLoginEntry(exe string, args []string) *loginEntry {
	return &loginEntry{exec: append([]string{exe}, args...), icon: installedIcon(exe)}
}

// app builds a fresh autostart.App for each call: go-autostart quotes the
// Exec slice in place, so reusing one would quote the path twice.
func (e *loginEntry) app() *autostart.App {
	return &autostart.App{
		Name:        "freelane",
		DisplayName: "Freelane",
		Exec:        slices.Clone(e.exec),
		Icon:        e.icon,
	}
}

// Enabled reports whether the entry exists and runs this copy's command; an
// entry that runs another (written before --home, for a binary since moved,
// or for another home folder) is not this one's.
func (e *loginEntry) Enabled() bool {
	command, found := e.storedCommand()
	return found && slices.Equal(command, e.exec)
}

// Outdated reports whether this copy's entry exists but runs another
// command (see ownEntry).
func (e *loginEntry) Outdated() bool {
	command, found := e.storedCommand()
	return found && !slices.Equal(command, e.exec) && ownEntry(command, e.exec)
}

func (e *loginEntry) Enable() error {
	if err := e.app().Enable(); err != nil {
		return fmt.Errorf("creating login entry: %w", err)
	}
	return nil
}

// Disable removes the entry; one that is already gone is not an error.
func (e *loginEntry) Disable() error {
	if err := e.app().Disable(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing login entry: %w", err)
	}
	return nil
}

// installedIcon looks for the application icon where a portable folder or a
// Linux package puts it beside or above the binary; "" when there is none
// (desktops then show a generic icon).
func installedIcon(exe string) string {
	dir := filepath.Dir(exe)
	candidates := []string{
		filepath.Join(dir, "freelane.png"),
		filepath.Join(dir, "..", "share", "icons", "hicolor", "512x512", "apps", "freelane.png"),
		filepath.Join(dir, "..", "share", "pixmaps", "freelane.png"),
	}
	for _, path := range candidates {
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
			return filepath.Clean(path)
		}
	}
	return ""
}
