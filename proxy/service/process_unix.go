//go:build unix

package service

import (
	"context"
	"errors"
	"fmt"
	"github.com/freelane/freelane/proxy/regularfile"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// detach puts the supervisor in a session of its own: it outlives the terminal
// that ran `freelane start`, gets no SIGHUP from it, and leads a process group
// that Stop can kill as a whole.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

// replaceFile renames src over dst.
func replaceFile(src, dst string) error { return os.Rename(src, dst) }

// supervisorOutput is where the detached supervisor's own stdout and stderr go:
// daemon.log, so a crash trace of the supervisor is not lost.
func supervisorOutput(o Options) (*os.File, error) {
	f, err := regularfile.OpenFile(o.logPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening service log: %w", err)
	}
	return f, nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	// An exited child that its parent has not reaped yet still answers signals.
	return !isZombie(pid)
}

// terminateServer asks the server to shut down gracefully.
func terminateServer(p *os.Process) error {
	return p.Signal(syscall.SIGTERM)
}

// requestStop asks the supervisor to stop; it forwards the request to the server.
func requestStop(_ Options, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("signalling supervisor %d: %w", pid, err)
	}
	return nil
}

// killTree kills the supervisor and, through its process group, the server.
func killTree(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGKILL); err == nil {
		return nil
	}
	// Not a group leader (run by hand, not by Start): kill the process alone.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing supervisor %d: %w", pid, err)
	}
	return nil
}

// killProcess kills a single leftover process.
func killProcess(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing process %d: %w", pid, err)
	}
	return nil
}

// stopContext is done when the supervisor is asked to stop: SIGTERM from Stop,
// or SIGINT when it runs in a terminal.
func stopContext(ctx context.Context, _ Options) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
}
