package config

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEnvExample keeps the repository's .env.example in step with the
// settings: every key is documented, and uncommenting every line gives a
// valid configuration.
func TestEnvExample(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	assignment := regexp.MustCompile(`^# ([A-Z_]+)=(.*)$`)
	documented := map[string]bool{}
	var uncommented strings.Builder
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		m := assignment.FindStringSubmatch(scanner.Text())
		if m == nil {
			continue
		}
		documented[m[1]] = true
		uncommented.WriteString(m[1] + "=" + m[2] + "\n")
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}

	for _, s := range settings {
		if !documented[s.key] {
			t.Errorf(".env.example does not document %s", s.key)
		}
		delete(documented, s.key)
	}
	for key := range documented {
		t.Errorf(".env.example documents %s, which Freelane does not read", key)
	}

	home := t.TempDir()
	writeEnvFile(t, home, uncommented.String())
	if _, err := LoadWith(home, noEnv); err != nil {
		t.Errorf("uncommented .env.example does not load: %v", err)
	}
}
