package config

import (
	"os"
	"path/filepath"
	"testing"
)

// envOf returns a lookup function over a fixed environment.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		v, ok := vars[key]
		return v, ok
	}
}

// noEnv is an empty environment.
func noEnv(string) (string, bool) { return "", false }

func writeEnvFile(t *testing.T, home, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(home, EnvFileName), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustLoad(t *testing.T, home string, lookup func(string) (string, bool)) Config {
	t.Helper()
	c, err := LoadWith(home, lookup)
	if err != nil {
		t.Fatalf("LoadWith: %v", err)
	}
	return c
}

func lookupProcessEnv(key string) (string, bool) { return os.LookupEnv(key) }
