package service

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPIDFile_CreateIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), PIDFileName)
	first := pidRecord{SupervisorPID: 100, StartedAt: time.Unix(1700000000, 0).UTC()}
	if err := createPIDFile(path, first); err != nil {
		t.Fatal(err)
	}
	if err := createPIDFile(path, pidRecord{SupervisorPID: 200}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second createPIDFile = %v, want fs.ErrExist", err)
	}
	got, err := readPIDFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != first {
		t.Errorf("pid file = %+v, want the first record %+v", got, first)
	}
	if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".daemon.pid-*")); len(tmps) != 0 {
		t.Errorf("temporary files left behind: %v", tmps)
	}
}

func TestPIDFile_WriteReplacesAndRemoveChecksOwner(t *testing.T) {
	path := filepath.Join(t.TempDir(), PIDFileName)
	rec := pidRecord{SupervisorPID: 100, ServerPID: 101, StartedAt: time.Unix(1700000000, 0).UTC(), Restarts: 2}
	if err := createPIDFile(path, pidRecord{SupervisorPID: 100}); err != nil {
		t.Fatal(err)
	}
	if err := writePIDFile(path, rec); err != nil {
		t.Fatal(err)
	}
	if got, err := readPIDFile(path); err != nil || got != rec {
		t.Fatalf("readPIDFile = %+v, %v; want %+v", got, err, rec)
	}
	if err := removePIDFileOf(path, 999); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("another supervisor's removal deleted the pid file: %v", err)
	}
	if err := removePIDFileOf(path, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("pid file still present after its owner removed it: %v", err)
	}
	if err := removePIDFileOf(path, 100); err != nil {
		t.Errorf("removing an absent pid file = %v, want nil", err)
	}
}

func TestPIDFile_RejectsGarbage(t *testing.T) {
	for name, content := range map[string]string{
		"not_json":      "12345\n",
		"no_supervisor": `{"server_pid": 3}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), PIDFileName)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := readPIDFile(path); err == nil {
				t.Error("readPIDFile accepted", content)
			}
		})
	}
}
