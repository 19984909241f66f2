package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/freelane/freelane/proxy/regularfile"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// pidRecord is the content of daemon.pid.
type pidRecord struct {
	SupervisorPID   int       `json:"supervisor_pid"`
	ServerPID       int       `json:"server_pid,omitempty"`
	StartedAt       time.Time `json:"started_at"`
	ServerStartedAt time.Time `json:"server_started_at,omitzero"`
	Restarts        int       `json:"restarts"`
}

func readPIDFile(path string) (pidRecord, error) {
	data, err := regularfile.ReadFile(path)
	if err != nil {
		return pidRecord{}, fmt.Errorf("reading pid file: %w", err)
	}
	var rec pidRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return pidRecord{}, fmt.Errorf("reading pid file %s: %w", path, err)
	}
	if rec.SupervisorPID <= 0 {
		return pidRecord{}, fmt.Errorf("reading pid file %s: no supervisor pid", path)
	}
	return rec, nil
}

// writeTemp writes rec to a new temporary file next to path and returns its name.
func writeTemp(path string, rec pidRecord) (string, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".daemon.pid-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(append(data, '\n'))
	if syncErr := f.Sync(); err == nil {
		err = syncErr
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// writePIDFile replaces the pid file atomically, so readers never see a torn
// record.
func writePIDFile(path string, rec pidRecord) error {
	tmp, err := writeTemp(path, rec)
	if err != nil {
		return fmt.Errorf("writing pid file: %w", err)
	}
	if err := replaceFile(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing pid file: %w", err)
	}
	return nil
}

// createPIDFile creates the pid file atomically and only if it does not exist:
// a hard link fails when the target exists, so of two supervisors racing, one
// wins. It reports fs.ErrExist when another pid file is in place.
func createPIDFile(path string, rec pidRecord) error {
	tmp, err := writeTemp(path, rec)
	if err != nil {
		return fmt.Errorf("creating pid file: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return fmt.Errorf("creating pid file: %w", err)
	}
	return nil
}

// removePIDFileOf removes the pid file if it still names supervisor pid; a
// newer supervisor's file is left alone.
func removePIDFileOf(path string, pid int) error {
	rec, err := readPIDFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil && rec.SupervisorPID != pid {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing pid file: %w", err)
	}
	return nil
}
