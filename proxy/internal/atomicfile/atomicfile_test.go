package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite_ReplacesWithModeAndLeavesNoTemp(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		mode os.FileMode
	}{
		{"private_default", Options{}, 0o600},
		{"durable_0644", Options{Durable: true, Mode: 0o644}, 0o644},
		{"own_temp_pattern", Options{TempPattern: "x-*.partial"}, 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.json")
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := Write(path, []byte("new"), tc.o); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != "new" {
				t.Fatalf("content %q, %v", got, err)
			}
			st, _ := os.Stat(path)
			if st.Mode().Perm() != tc.mode {
				t.Errorf("mode %v, want %v", st.Mode().Perm(), tc.mode)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("left %d files, want only the target", len(entries))
			}
		})
	}
}

func TestWrite_MissingFolderFailsCleanly(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "f"), []byte("x"), Options{}); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
