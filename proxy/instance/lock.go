// Package instance keeps one Freelane per home folder: the lock its
// process holds in CACHE_DIR, and the request by which a second launch asks
// the running tray to show itself. The tray and serve mode take the lock;
// the service commands check it before starting a server.
package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/freelane/freelane/proxy/regularfile"
)

// ErrAlreadyRunning means another Freelane holds the lock.
var ErrAlreadyRunning = errors.New("freelane is already running")

// LockName is the lock file, in CACHE_DIR, held by the one Freelane
// that serves this home folder (tray or serve mode).
const LockName = "freelane.lock"

// Held is the single-instance lock while this process holds it.
type Held struct {
	f *os.File
}

// Lock takes the single-instance lock of dir. It fails with an
// error wrapping ErrAlreadyRunning, naming the holder's pid, when another
// Freelane holds it. The operating system drops the lock when the process
// dies, so a crash never leaves a stale lock behind.
func Lock(dir string) (*Held, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockName)
	f, err := regularfile.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the instance lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		holder := readHolder(f)
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("%w (pid %s holds %s)", ErrAlreadyRunning, holder, path)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	// Record the holder for the message another instance shows.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Held{f: f}, nil
}

// Release gives the lock up; the process exiting does the same.
func (i *Held) Release() error {
	if i == nil || i.f == nil {
		return nil
	}
	err := unlockFile(i.f)
	if cerr := i.f.Close(); err == nil {
		err = cerr
	}
	i.f = nil
	return err
}

func readHolder(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	if pid := strings.TrimSpace(string(buf[:n])); pid != "" {
		return pid
	}
	return "unknown"
}
