//go:build unix

package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// PermissionWarning returns advice when <home>/.env, which holds the API key,
// can be read by other users; it returns "" when the file is private or
// missing.
func PermissionWarning(home string) string {
	path := filepath.Join(home, EnvFileName)
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	if mode := info.Mode().Perm(); mode&0o044 != 0 {
		return fmt.Sprintf("%s holds your API key but other users can read it (mode %#o); run: chmod 600 %q", path, mode, path)
	}
	return ""
}
