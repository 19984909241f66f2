package launch

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
)

// restart runs this command line again in place of this process: on Unix
// the process image is replaced, keeping the pid a login session or a
// launcher watches; Windows cannot do that, so a new process starts and
// this one exits.
func restart(log *slog.Logger) error {
	exe := executable()
	if runtime.GOOS != "windows" {
		err := syscall.Exec(exe, append([]string{os.Args[0]}, os.Args[1:]...), os.Environ())
		// Only reached when exec failed (macOS refuses it in some
		// multi-threaded processes): fall back to a new process.
		log.Warn("replacing the process failed; starting a new one", "err", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", exe, err)
	}
	return cmd.Process.Release()
}

// executable is this program's file, symlinks resolved, for the service,
// the login entry and a fresh start to run.
func executable() string {
	exe, err := os.Executable()
	if err != nil {
		return os.Args[0]
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		return resolved
	}
	return exe
}
