package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// debugFileText explains the switch file to a user who finds it.
const debugFileText = "Freelane saves a debug dump of every call while this file exists. Delete it to stop.\n"

// DebugEnabled reports whether debug mode is on, i.e. <home>/DEBUG_MODE.txt
// exists.
func DebugEnabled(home string) bool {
	_, err := os.Stat(filepath.Join(home, DebugFileName))
	return err == nil
}

// SetDebug turns debug mode on (creating DEBUG_MODE.txt, 0600) or off
// (removing it). Both directions are idempotent.
func SetDebug(home string, on bool) error {
	path := filepath.Join(home, DebugFileName)
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("turning debug mode off: %w", err)
		}
		return nil
	}
	// O_EXCL keeps an existing file (and whatever the user wrote in it) as is.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("turning debug mode on: %w", err)
	}
	_, werr := f.WriteString(debugFileText)
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("turning debug mode on: %w", err)
	}
	return nil
}
