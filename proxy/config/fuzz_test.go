package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/joho/godotenv"
)

// FuzzLoad feeds arbitrary .env content to LoadWith: it must never panic, and
// whatever it accepts must satisfy the documented bounds.
func FuzzLoad(f *testing.F) {
	f.Add("OPENROUTER_API_KEY=sk-or-v1-abc\nLISTEN_ADDR=127.0.0.1:5000\n")
	f.Add("MAX_CONCURRENT_REQUESTS=0\nQUEUE_TIMEOUT=90\n")
	f.Add("export PREFERRED_MODELS=\"a, b,a\"\n# comment\nALLOWED_ORIGINS=http://x.example\n")
	f.Add("LISTEN_ADDR=0.0.0.0:5000\nFREELANE_TOKEN=0123456789abcdef\n")
	f.Add("KEY='unterminated\n")
	f.Fuzz(func(t *testing.T, content string) {
		home := t.TempDir()
		writeEnvFile(t, home, content)
		c, err := LoadWith(home, noEnv)
		if err != nil {
			return
		}
		checkInvariants(t, c)
	})
}

func checkInvariants(t *testing.T, c Config) {
	t.Helper()
	if c.MaxConcurrent < 1 || c.MaxConcurrent > 1000 {
		t.Errorf("MaxConcurrent %d out of range", c.MaxConcurrent)
	}
	if c.MaxModelAttempts < 1 || c.MaxModelAttempts > 10 {
		t.Errorf("MaxModelAttempts %d out of range", c.MaxModelAttempts)
	}
	if c.MaxBodyBytes < 1<<20 || c.MaxBodyBytes > 32<<20 {
		t.Errorf("MaxBodyBytes %d out of range", c.MaxBodyBytes)
	}
	if c.MaxQueued < 0 || c.MaxQueued > 10000 || c.MaxQueuedBytes < 1<<20 || c.MaxQueuedBytes > 4096<<20 {
		t.Errorf("MaxQueued %d or MaxQueuedBytes %d out of range", c.MaxQueued, c.MaxQueuedBytes)
	}
	for name, d := range map[string]int64{
		"QueueTimeout": int64(c.QueueTimeout), "FirstTokenTimeout": int64(c.FirstTokenTimeout),
		"RequestTimeout": int64(c.RequestTimeout), "StreamIdleTimeout": int64(c.StreamIdleTimeout),
		"CatalogRefresh": int64(c.CatalogRefresh), "DebugMaxAge": int64(c.DebugMaxAge),
		"DebugMaxBytes": c.DebugMaxBytes,
	} {
		if d <= 0 {
			t.Errorf("%s = %d, want positive", name, d)
		}
	}
	if !c.Loopback() && len(c.Token) < minTokenLen {
		t.Errorf("listening on %q without a token", c.ListenAddr)
	}
	if !filepath.IsAbs(c.CacheDir) {
		t.Errorf("CacheDir %q is not absolute", c.CacheDir)
	}
	for _, list := range [][]string{c.PreferredModels, c.AllowedOrigins} {
		seen := map[string]bool{}
		for _, item := range list {
			if item == "" || item != strings.TrimSpace(item) || seen[item] {
				t.Errorf("list %q has an empty, untrimmed or repeated entry", list)
			}
			seen[item] = true
		}
	}
}

// FuzzSetEnvValue checks that SetEnvValue either refuses a value or writes
// one that reads back exactly, without disturbing the other lines.
func FuzzSetEnvValue(f *testing.F) {
	f.Add("plain")
	f.Add(`a "b" $c \d`)
	f.Add("multi\nline")
	f.Add(`trailing\`)
	f.Fuzz(func(t *testing.T, value string) {
		home := t.TempDir()
		writeEnvFile(t, home, "# header\nOTHER=keep\n")
		if err := SetEnvValue(home, "VALUE", value); err != nil {
			if strings.Contains(err.Error(), value) && len(value) > 3 {
				t.Errorf("error echoes the value: %v", err)
			}
			return
		}
		parsed, err := godotenv.Read(filepath.Join(home, EnvFileName))
		if err != nil {
			t.Fatalf("written file does not parse: %v", err)
		}
		if parsed["VALUE"] != value || parsed["OTHER"] != "keep" {
			t.Errorf("reads back %q", parsed)
		}
	})
}
