package tray

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// transientReason is the tooltip of the disabled login item when the
// running binary will not exist at the next login.
const transientReason = "This copy runs from a temporary folder (go run) that is gone by the next login"

// NewAutostart returns the login entry that runs exe with args, e.g.
// "--home", dir so the entry starts on the same home folder. exe is made
// absolute, because a login session starts with its own working directory
// and PATH. A binary in a temporary folder (`go run`, the Go build cache)
// is gone by the next login, so it gets an Autostarter that writes nothing
// and that the menu shows disabled, saying why.
func NewAutostart(exe string, args ...string) Autostarter {
	if abs, err := filepath.Abs(exe); err == nil {
		exe = abs
	}
	if transientExecutable(exe, os.TempDir()) {
		return unavailableAutostart{reason: transientReason}
	}
	return newLoginEntry(exe, args)
}

// transientExecutable reports whether exe lives where binaries do not last:
// under tempDir, or in a Go build folder elsewhere: `go run`'s work folder
// go-build<N> (under GOTMPDIR), or the build cache, which Go trims. Only
// those exact layouts count, so a folder such as go-build-tools is no reason.
func transientExecutable(exe, tempDir string) bool {
	exe = filepath.Clean(exe)
	if tempDir != "" {
		if rel, err := filepath.Rel(filepath.Clean(tempDir), exe); err == nil && filepath.IsLocal(rel) {
			return true
		}
	}
	dirs := strings.Split(filepath.ToSlash(filepath.Dir(exe)), "/")
	for i, dir := range dirs {
		if goRunWorkDir(dir) {
			return true
		}
		// GOCACHE's default name, then an entry's two-hex-digit folder.
		if dir == "go-build" && i+1 < len(dirs) && isHex(dirs[i+1], 2) {
			return true
		}
	}
	// A cached executable under any GOCACHE: <xx>/<64 hex digits>-d/<name>.
	n := len(dirs)
	return n >= 2 && isHex(dirs[n-2], 2) && strings.HasSuffix(dirs[n-1], "-d") &&
		isHex(strings.TrimSuffix(dirs[n-1], "-d"), 64)
}

// goRunWorkDir reports whether dir is named like `go run`'s work folder:
// go-build followed by digits.
func goRunWorkDir(dir string) bool {
	digits, ok := strings.CutPrefix(dir, "go-build")
	if !ok || digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isHex reports whether s is n lowercase hexadecimal digits, as the build
// cache names its folders.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// errNoLoginEntry is returned by an unavailableAutostart's Enable; the menu
// item is disabled, so only a stray click queued before that can reach it.
var errNoLoginEntry = errors.New("no login entry for a binary in a temporary folder")

// unavailableAutostart stands in for the login entry when none can be
// written; the menu item is disabled, labelled LabelLaunchAtLoginUnavailable,
// with reason as its tooltip.
type unavailableAutostart struct{ reason string }

func (unavailableAutostart) Enabled() bool  { return false }
func (unavailableAutostart) Outdated() bool { return false }
func (unavailableAutostart) Enable() error  { return errNoLoginEntry }
func (unavailableAutostart) Disable() error { return nil }

// loginItemState is what the menu shows for the login entry.
func loginItemState(a Autostarter) loginItem {
	switch a := a.(type) {
	case nil:
		return loginItem{}
	case unavailableAutostart:
		return loginItem{blocked: a.reason}
	default:
		return loginItem{on: a.Enabled(), managed: true}
	}
}

// refreshLoginEntry rewrites a login entry that this copy owns but that
// starts something else than it would now: one written before --home
// existed, or one for this home folder whose binary has moved. Another home
// folder's entry is left alone (the item shows unticked here). Run calls it
// once, at start-up.
func refreshLoginEntry(a Autostarter, log *slog.Logger) {
	if a == nil || !a.Outdated() {
		return
	}
	if err := a.Enable(); err != nil {
		log.Warn("cannot update the launch at login entry", "err", err)
		return
	}
	log.Info("updated the launch at login entry to start this copy of Freelane on its home folder")
}

// homeFlag is the option the login entry uses to carry the home folder.
const homeFlag = "--home"

// ownEntry reports whether a stored login command that differs from want
// belongs to this copy: it names no home folder (written before --home
// existed) or the same one as want. The commands are split into words.
func ownEntry(stored, want []string) bool {
	storedHome, wantHome := homeArg(stored), homeArg(want)
	return storedHome == "" || storedHome == wantHome
}

// homeArg is the value after --home in command, or "" when there is none.
func homeArg(command []string) string {
	for i, word := range command {
		if word == homeFlag && i+1 < len(command) {
			return command[i+1]
		}
		if v, ok := strings.CutPrefix(word, homeFlag+"="); ok {
			return v
		}
	}
	return ""
}
