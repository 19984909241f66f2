package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ResolveHome picks the home folder: flagHome (the --home option) when not
// empty; else $FREELANE_HOME when set; else the current directory when it
// holds a .env (portable mode, e.g. an unzipped folder on a USB stick); else
// <user config dir>/freelane. The folder is created (0700) when missing, and
// the result is absolute.
func ResolveHome(flagHome string) (string, error) {
	home, err := chooseHome(flagHome)
	if err != nil {
		return "", fmt.Errorf("resolving home folder: %w", err)
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", fmt.Errorf("creating home folder: %w", err)
	}
	return home, nil
}

func chooseHome(flagHome string) (string, error) {
	if flagHome = strings.TrimSpace(flagHome); flagHome != "" {
		return filepath.Abs(flagHome)
	}
	if env := strings.TrimSpace(os.Getenv("FREELANE_HOME")); env != "" {
		return filepath.Abs(env)
	}
	cwd, err := os.Getwd()
	if err == nil {
		if info, err := os.Stat(filepath.Join(cwd, EnvFileName)); err == nil && info.Mode().IsRegular() {
			return cwd, nil
		}
	}
	configDir, err := os.UserConfigDir()
	if err != nil {
		return "", errors.Join(errors.New("FREELANE_HOME is not set and there is no user config folder"), err)
	}
	return filepath.Join(configDir, "freelane"), nil
}
