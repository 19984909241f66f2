package service

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Windows refuses to rename over a file another handle has open; a reader of
// daemon.pid holds it briefly, and replaceFile waits it out.
func TestReplaceFile_WaitsForReader(t *testing.T) {
	// Not t.TempDir: under wine, its cleanup fails on an API wine lacks.
	dir, err := os.MkdirTemp("", "replacefile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	dst := filepath.Join(dir, "daemon.pid")
	src := filepath.Join(dir, ".daemon.pid-new")
	for path, content := range map[string]string{dst: "old", src: "new"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	reader, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(src, dst); err == nil {
		t.Fatal("os.Rename replaced a file open for reading; this test proves nothing here")
	}
	closed := make(chan struct{})
	time.AfterFunc(100*time.Millisecond, func() { reader.Close(); close(closed) })
	if err := replaceFile(src, dst); err != nil {
		t.Fatalf("replaceFile: %v", err)
	}
	<-closed
	if got, _ := os.ReadFile(dst); string(got) != "new" {
		t.Errorf("daemon.pid = %q, want the new content", got)
	}
}
