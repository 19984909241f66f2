package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
)

// stopFileName is how Stop asks the supervisor to stop on Windows, which has
// no SIGTERM for a detached process without a console.
const stopFileName = "daemon.stop"

const (
	stillActive      = 259 // GetExitCodeProcess: the process has not exited
	stopPollInterval = 250 * time.Millisecond
)

// detach starts the supervisor without a console and outside the caller's
// Ctrl+C group, so closing the terminal that ran `freelane start` leaves it running.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP,
		HideWindow:    true,
	}
}

// prepareServer keeps a console-subsystem build of the server from opening a window.
func prepareServer(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NO_WINDOW, HideWindow: true}
}

// Retries of replaceFile: readers hold daemon.pid for microseconds.
const (
	replaceAttempts = 50
	replaceRetry    = 20 * time.Millisecond
)

// replaceFile renames src over dst. Windows refuses while another process
// has dst open without FILE_SHARE_DELETE, which Go's os.Open leaves out: a
// `freelane start` or `status` reading daemon.pid at that moment would make
// the supervisor fail to record its server.
func replaceFile(src, dst string) error {
	var err error
	for range replaceAttempts {
		err = os.Rename(src, dst)
		if !errors.Is(err, windows.ERROR_ACCESS_DENIED) && !errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
			return err
		}
		time.Sleep(replaceRetry)
	}
	return err
}

// supervisorOutput returns nil (the null device): Windows cannot rename
// daemon.log for rotation while another handle holds it open.
func supervisorOutput(Options) (*os.File, error) { return nil, nil }

func openProcess(pid int) (windows.Handle, error) {
	return windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
}

func processAlive(pid int) bool {
	h, err := openProcess(pid)
	if err != nil {
		// Access denied means the process exists but belongs to someone else.
		return errors.Is(err, windows.ERROR_ACCESS_DENIED)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return false
	}
	return code == stillActive
}

// processNameLimit is 0: the image path is complete.
const processNameLimit = 0

// processExecutable returns the full image path of pid.
func processExecutable(pid int) (string, error) {
	h, err := openProcess(pid)
	if err != nil {
		return "", fmt.Errorf("opening process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	size := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &size); err != nil {
		return "", fmt.Errorf("reading image name of %d: %w", pid, err)
	}
	return windows.UTF16ToString(buf[:size]), nil
}

// terminateServer ends the server at once: a process without a console cannot
// receive Ctrl+Break. The server's stores are crash-safe journals.
func terminateServer(p *os.Process) error {
	return p.Kill()
}

// requestStop creates the stop file the supervisor polls for.
func requestStop(o Options, _ int) error {
	f, err := os.Create(filepath.Join(o.Dir, stopFileName))
	if err != nil {
		return fmt.Errorf("requesting stop: %w", err)
	}
	return f.Close()
}

// killTree kills the supervisor and its server with taskkill's tree mode.
func killTree(pid int) error {
	out, err := exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(pid)).CombinedOutput()
	if err != nil && processAlive(pid) {
		return fmt.Errorf("taskkill %d: %w: %s", pid, err, out)
	}
	return nil
}

// killProcess kills a single leftover process.
func killProcess(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil // already gone
	}
	if err := p.Kill(); err != nil && processAlive(pid) {
		return fmt.Errorf("killing process %d: %w", pid, err)
	}
	return nil
}

// stopContext is done on Ctrl+C (when run in a console) or when Stop creates
// the stop file. A stop file left from an earlier run is removed first, so it
// cannot stop this supervisor at once.
func stopContext(ctx context.Context, o Options) (context.Context, context.CancelFunc) {
	path := filepath.Join(o.Dir, stopFileName)
	os.Remove(path)
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt)
	go func() {
		tick := time.NewTicker(stopPollInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := os.Stat(path); err == nil {
					os.Remove(path)
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}
