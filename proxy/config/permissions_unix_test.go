//go:build unix

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPermissionWarning(t *testing.T) {
	tests := []struct {
		mode     os.FileMode
		wantWarn bool
	}{
		{0o600, false},
		{0o400, false},
		{0o640, true},
		{0o604, true},
		{0o644, true},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			home := t.TempDir()
			path := filepath.Join(home, EnvFileName)
			writeEnvFile(t, home, "OPENROUTER_API_KEY=x\n")
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			got := PermissionWarning(home)
			if (got != "") != tt.wantWarn {
				t.Fatalf("PermissionWarning = %q, want warning: %v", got, tt.wantWarn)
			}
			if tt.wantWarn && !strings.Contains(got, "chmod 600") {
				t.Errorf("warning %q does not say how to fix it", got)
			}
		})
	}
}

func TestPermissionWarning_NoFile(t *testing.T) {
	if got := PermissionWarning(t.TempDir()); got != "" {
		t.Errorf("PermissionWarning without .env = %q, want empty", got)
	}
}
