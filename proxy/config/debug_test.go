package config

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestSetDebug(t *testing.T) {
	home := t.TempDir()
	steps := []struct {
		on   bool
		want bool
	}{
		{on: true, want: true},
		{on: true, want: true}, // idempotent
		{on: false, want: false},
		{on: false, want: false}, // idempotent
		{on: true, want: true},
	}
	for i, s := range steps {
		if err := SetDebug(home, s.on); err != nil {
			t.Fatalf("step %d: SetDebug(%v): %v", i, s.on, err)
		}
		if got := DebugEnabled(home); got != s.want {
			t.Fatalf("step %d: DebugEnabled = %v, want %v", i, got, s.want)
		}
	}
	if runtime.GOOS != "windows" {
		info, err := os.Stat(filepath.Join(home, DebugFileName))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("DEBUG_MODE.txt mode = %#o, want 0600", perm)
		}
	}
}

func TestSetDebug_KeepsExistingFile(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, DebugFileName)
	if err := os.WriteFile(path, []byte("user note\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SetDebug(home, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "user note\n" {
		t.Errorf("DEBUG_MODE.txt rewritten to %q", data)
	}
}

func TestSetDebug_MissingHomeFails(t *testing.T) {
	if err := SetDebug(filepath.Join(t.TempDir(), "missing"), true); err == nil {
		t.Error("SetDebug in a missing folder succeeded")
	}
}
