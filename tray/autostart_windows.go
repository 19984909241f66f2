package tray

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// runKey is the per-user list of programs Windows starts at log-in. It is
// used rather than go-autostart's Startup shortcut, whose code needs cgo.
const (
	runKey       = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValueName = "Freelane"
)

// loginEntry is the Autostarter over the HKCU Run key.
type loginEntry struct {
	command string
	words   []string // the command before quoting, for ownEntry
}

// newLoginEntry returns the login entry that runs exe (absolute) with args,
// each quoted as needed, since the path usually contains spaces.
func newLoginEntry(exe string, args []string) *loginEntry {
	parts := []string{syscall.EscapeArg(exe)}
	for _, a := range args {
		parts = append(parts, syscall.EscapeArg(a))
	}
	if !strings.HasPrefix(parts[0], `"`) {
		parts[0] = `"` + parts[0] + `"`
	}
	return &loginEntry{command: strings.Join(parts, " "), words: append([]string{exe}, args...)}
}

// Enabled reports whether the Run value exists and holds this copy's
// command; one that runs another (written before --home, for a binary since
// moved, or for another home folder) is not this one's.
func (e *loginEntry) Enabled() bool {
	command, found := e.storedCommand()
	return found && command == e.command
}

// Outdated reports whether this copy's Run value exists but holds another
// command (see ownEntry).
func (e *loginEntry) Outdated() bool {
	command, found := e.storedCommand()
	if !found || command == e.command {
		return false
	}
	words, err := windows.DecomposeCommandLine(command)
	return err == nil && ownEntry(words, e.words)
}

// storedCommand reads the Run value; found is false when there is none.
func (e *loginEntry) storedCommand() (command string, found bool) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if err != nil {
		return "", false
	}
	defer k.Close()
	command, _, err = k.GetStringValue(runValueName)
	return command, err == nil
}

func (e *loginEntry) Enable() error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("opening the Run registry key: %w", err)
	}
	defer k.Close()
	if err := k.SetStringValue(runValueName, e.command); err != nil {
		return fmt.Errorf("creating login entry: %w", err)
	}
	return nil
}

// Disable removes the entry; one that is already gone is not an error.
func (e *loginEntry) Disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening the Run registry key: %w", err)
	}
	defer k.Close()
	if err := k.DeleteValue(runValueName); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("removing login entry: %w", err)
	}
	return nil
}
