// Package logfile writes Freelane's log files (the tray's freelane.log,
// the service's daemon.log), bounded in size by rotation.
package logfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/freelane/freelane/proxy/regularfile"
)

// Writer appends to a log file and, when a write would grow it past a
// size limit, renames it to path.1 (shifting path.1 to path.2 and so on, keeping
// a fixed number of old files) and starts a new one. Each Write lands whole in
// one file, so lines are never split across files. It is safe for concurrent use.
type Writer struct {
	path     string
	maxBytes int64
	backups  int

	mu   sync.Mutex
	file *os.File
	size int64
}

// Open opens (or creates) path for appending. maxBytes is the size
// that triggers a rotation; backups is how many rotated files are kept.
func Open(path string, maxBytes int64, backups int) (*Writer, error) {
	if maxBytes <= 0 || backups < 0 {
		return nil, fmt.Errorf("rotating log %s: invalid limits (max %d bytes, %d backups)", path, maxBytes, backups)
	}
	w := &Writer{path: path, maxBytes: maxBytes, backups: backups}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open() error {
	// 0600: the server's log can name models and request details.
	f, err := regularfile.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening log: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening log: %w", err)
	}
	w.file, w.size = f, info.Size()
	return nil
}

// Write appends p, rotating first when p would not fit in the current file. A
// single write larger than the limit gets a file of its own.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file == nil {
		return 0, os.ErrClosed
	}
	if w.size > 0 && w.size+int64(len(p)) > w.maxBytes {
		// A failed rotation (say, a backup held open elsewhere) must not lose
		// log lines: keep appending to whatever file is open.
		if err := w.rotate(); err != nil && w.file == nil {
			return 0, err
		}
	}
	n, err := w.file.Write(p)
	w.size += int64(n)
	return n, err
}

// rotate closes the current file, shifts the backups and opens a fresh file.
// It reopens a file even when shifting fails, so w.file is nil only when the
// log cannot be opened at all.
func (w *Writer) rotate() error {
	closeErr := w.file.Close()
	w.file = nil
	shiftErr := w.shift()
	if err := w.open(); err != nil {
		return err
	}
	if err := errors.Join(closeErr, shiftErr); err != nil {
		return fmt.Errorf("rotating log: %w", err)
	}
	return nil
}

// shift renames path.(n-1) to path.n, ..., path to path.1, overwriting the
// oldest backup; with no backups it deletes the full file.
func (w *Writer) shift() error {
	if w.backups == 0 {
		if err := os.Remove(w.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	for i := w.backups - 1; i >= 0; i-- {
		if err := os.Rename(w.backupName(i), w.backupName(i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (w *Writer) backupName(i int) string {
	if i == 0 {
		return w.path
	}
	return w.path + "." + strconv.Itoa(i)
}

// Close closes the current file. Later writes fail with os.ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file == nil {
		return nil
	}
	err := w.file.Close()
	w.file = nil
	return err
}
