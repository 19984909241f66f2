// Package regularfile opens the files Freelane keeps in its folders so that
// something else at their path (a FIFO, a device, a folder) is an error at
// once instead of a start-up that hangs: opening a FIFO waits for its other
// end, reading /dev/zero never ends.
package regularfile

import (
	"fmt"
	"io"
	"os"
)

// OpenFile is os.OpenFile for a regular file: the open never blocks, and
// anything but a regular file (after symbolic links) is refused.
func OpenFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|nonBlock, perm)
	if err != nil {
		// A FIFO without a reader refuses a non-blocking writer (ENXIO):
		// say what is in the way.
		if info, serr := os.Stat(path); serr == nil && !info.Mode().IsRegular() {
			return nil, notRegular(path, info.Mode())
		}
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(path, info.Mode())
	}
	return f, nil
}

func notRegular(path string, m os.FileMode) error {
	return &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("not a regular file (%s)", describe(m))}
}

// ReadFile is os.ReadFile for a regular file.
func ReadFile(path string) ([]byte, error) {
	f, err := OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func describe(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}
