package service

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
)

// errNoProcessInfo means the platform cannot tell which program a pid runs.
var errNoProcessInfo = errors.New("process information unavailable on this platform")

// isFreelaneProcess reports whether pid is alive and runs the same program as
// exe. A pid file whose pid was reused by another program is stale, and Stop
// must never signal that program.
func isFreelaneProcess(pid int, exe string) bool {
	if pid <= 0 || !processAlive(pid) {
		return false
	}
	name, err := processExecutable(pid)
	if errors.Is(err, errNoProcessInfo) {
		return true // alive is the best evidence available here
	}
	if err != nil {
		return false
	}
	return sameProgram(name, exe)
}

// sameProgram compares executable names, not full paths: an upgrade may have
// moved or replaced the binary while the service kept running.
func sameProgram(a, b string) bool {
	return sameProgramName(a, b, processNameLimit, runtime.GOOS == "windows")
}

// sameProgramName compares the base names of a and b. With limit > 0 only
// that many bytes count, as the kernel (macOS) keeps only the start of a name;
// foldCase ignores case, as Windows file names do.
func sameProgramName(a, b string, limit int, foldCase bool) bool {
	a, b = filepath.Base(a), filepath.Base(b)
	if limit > 0 {
		a, b = a[:min(len(a), limit)], b[:min(len(b), limit)]
	}
	if foldCase {
		return strings.EqualFold(a, b)
	}
	return a == b
}
