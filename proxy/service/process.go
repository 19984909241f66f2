package service

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// errNoProcessInfo means the platform cannot tell which program a pid runs.
var errNoProcessInfo = errors.New("process information unavailable on this platform")

// unnamedProcess is what isFreelaneProcess answers where the platform cannot
// tell which program a pid runs.
type unnamedProcess bool

const (
	// trustAlive takes a live pid for ours: the best evidence available, fit
	// for a pid the caller has just seen written (a live supervisor's file).
	trustAlive unnamedProcess = true
	// requireName takes only a positive identification: for a pid from a
	// file of any age, which may have been reused by anyone's process.
	requireName unnamedProcess = false
)

// isFreelaneProcess reports whether pid is alive and runs the same program as
// exe; where the program cannot be named, unnamed is the answer. A pid file
// whose pid was reused by another program is stale, and Stop must never
// signal that program.
func isFreelaneProcess(pid int, exe string, unnamed unnamedProcess) bool {
	if pid <= 0 || !processAlive(pid) {
		return false
	}
	name, err := processExecutable(pid)
	if errors.Is(err, errNoProcessInfo) {
		return bool(unnamed)
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

// supervisorStartSlack is how long before its record a supervisor's process
// may have started: the record is written once Supervise runs, after the
// program has loaded and read its configuration, on a machine maybe busy.
const supervisorStartSlack = 30 * time.Second

// isOurSupervisor reports whether rec's supervisor still runs: its pid is a
// live process of this program that started when rec says, give or take the
// slack above and uptimeSlack after (Linux dates a process to about a
// second). A process that reused the pid started after the supervisor had
// ended. Where the platform cannot date a process, the name check decides.
func isOurSupervisor(rec pidRecord, exe string) bool {
	if !isFreelaneProcess(rec.SupervisorPID, exe, trustAlive) {
		return false
	}
	started, err := processStartTime(rec.SupervisorPID)
	if errors.Is(err, errNoProcessInfo) {
		return true
	}
	return err == nil && startedNear(started, rec.StartedAt)
}

// startedNear reports whether a process that started at started may be the
// one recorded as starting at recorded.
func startedNear(started, recorded time.Time) bool {
	return !recorded.IsZero() &&
		!started.Before(recorded.Add(-supervisorStartSlack)) && !started.After(recorded.Add(uptimeSlack))
}
