package config

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestResolveHome(t *testing.T) {
	tests := []struct {
		name  string
		flag  string // the --home option
		setup func(t *testing.T, cwd, xdg string) (freelaneHome, want string)
	}{
		{"home_option_wins_over_everything", filepath.Join(os.TempDir(), "freelane-flag-home-test"), func(t *testing.T, cwd, xdg string) (string, string) {
			writeEnvFile(t, cwd, "")
			t.Cleanup(func() { os.RemoveAll(filepath.Join(os.TempDir(), "freelane-flag-home-test")) })
			return filepath.Join(t.TempDir(), "custom"), filepath.Join(os.TempDir(), "freelane-flag-home-test")
		}},
		{"freelane_home_wins", "", func(t *testing.T, cwd, xdg string) (string, string) {
			writeEnvFile(t, cwd, "")
			home := filepath.Join(t.TempDir(), "custom")
			return home, home
		}},
		{"portable_when_cwd_has_env", "", func(t *testing.T, cwd, xdg string) (string, string) {
			writeEnvFile(t, cwd, "")
			return "", cwd
		}},
		{"user_config_dir_otherwise", "", func(t *testing.T, cwd, xdg string) (string, string) {
			return "", filepath.Join(xdg, "freelane")
		}},
		{"env_directory_is_not_portable_mode", "", func(t *testing.T, cwd, xdg string) (string, string) {
			if err := os.Mkdir(filepath.Join(cwd, EnvFileName), 0o700); err != nil {
				t.Fatal(err)
			}
			return "", filepath.Join(xdg, "freelane")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS != "linux" {
				t.Skip("XDG_CONFIG_HOME drives os.UserConfigDir only on Linux")
			}
			cwd, xdg := t.TempDir(), t.TempDir()
			freelaneHome, want := tt.setup(t, cwd, xdg)
			t.Setenv("FREELANE_HOME", freelaneHome)
			t.Setenv("XDG_CONFIG_HOME", xdg)
			t.Chdir(cwd)

			got, err := ResolveHome(tt.flag)
			if err != nil {
				t.Fatalf("ResolveHome: %v", err)
			}
			if got != want {
				t.Errorf("ResolveHome = %q, want %q", got, want)
			}
			info, err := os.Stat(got)
			if err != nil || !info.IsDir() {
				t.Fatalf("home folder not created: %v", err)
			}
		})
	}
}

func TestResolveHome_CreatesPrivateFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits do not apply")
	}
	home := filepath.Join(t.TempDir(), "new")
	t.Setenv("FREELANE_HOME", home)
	if _, err := ResolveHome(""); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(home)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("home folder mode = %#o, want no group/other access", perm)
	}
}
