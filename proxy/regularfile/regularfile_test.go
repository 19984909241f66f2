//go:build unix

package regularfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenFile_RefusesWhatIsNoRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "models.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("cannot make a FIFO here:", err)
	}
	for name, open := range map[string]func() error{
		"read":   func() error { _, err := ReadFile(fifo); return err },
		"append": func() error { _, err := OpenFile(fifo, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); return err },
		"device": func() error { _, err := ReadFile("/dev/zero"); return err },
		"folder": func() error { _, err := ReadFile(dir); return err },
	} {
		done := make(chan error, 1)
		go func() { done <- open() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s: %v, want a refusal", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still blocked after 10s", name)
		}
	}
	regular := filepath.Join(dir, "CALLS.json")
	if err := os.WriteFile(regular, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(regular); err != nil || string(data) != "{}" {
		t.Errorf("ReadFile of a regular file = %q, %v", data, err)
	}
}
