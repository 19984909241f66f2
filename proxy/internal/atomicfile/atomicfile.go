// Package atomicfile replaces a file so that a reader, or the next start
// after a crash, sees either the old content or the new one, never a mix:
// the data goes to a temporary file in the same folder, which is renamed
// over the target.
package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Options tune Write. The zero value writes a private (0600) file without
// syncing.
type Options struct {
	// TempPattern names the temporary file, as for os.CreateTemp; callers
	// that clean up leftovers after a crash recognise it. Default
	// ".<base>.*.tmp".
	TempPattern string
	// Mode is the file's permission; 0600 when zero.
	Mode fs.FileMode
	// Durable syncs the data before the rename and the folder after it, so
	// the new content also survives a power cut, not only a process crash.
	Durable bool
}

// Write replaces path with data.
func Write(path string, data []byte, o Options) (err error) {
	dir := filepath.Dir(path)
	pattern := o.TempPattern
	if pattern == "" {
		pattern = "." + filepath.Base(path) + ".*.tmp"
	}
	tmp, err := os.CreateTemp(dir, pattern) // created 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if o.Mode != 0 && o.Mode != 0o600 {
		if err := tmp.Chmod(o.Mode); err != nil {
			return err
		}
	}
	if o.Durable {
		if err := tmp.Sync(); err != nil {
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if o.Durable {
		return syncDir(dir)
	}
	return nil
}

// syncDir makes a rename in dir durable. Windows cannot sync a folder and
// does not need to.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isUnsupported(err) {
		return err
	}
	return nil
}
