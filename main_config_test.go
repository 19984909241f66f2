//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/config"
)

// A base URL the OpenRouter client would refuse is a setting to fix: serve
// stops at once naming the key and the .env file, as for any invalid
// setting (and the tray shows its "Fix <.env>" icon for the same error).
func TestServeNamesAnInvalidBaseURLAndItsFile(t *testing.T) {
	bin := freelaneBinary(t)
	home := t.TempDir()
	envFile := filepath.Join(home, config.EnvFileName)
	if err := os.WriteFile(envFile, []byte("OPENROUTER_API_KEY=sk-or-v1-test\nOPENROUTER_BASE_URL=http://example.com/api/v1\nLISTEN_ADDR=127.0.0.1:0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--home", home, "serve")
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("serve started on a base URL that sends the key over plain http:\n%s", out.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("serve: %v, want exit status 1:\n%s", err, out.String())
	}
	for _, want := range []string{"configuration is invalid", "OPENROUTER_BASE_URL", "must use https", envFile} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve's output lacks %q:\n%s", want, out.String())
		}
	}
}
