//go:build wine

package winetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWindowsUnitTests cross-compiles the Windows-only unit tests of the
// packages with Windows code and runs them under wine.
func TestWindowsUnitTests(t *testing.T) {
	w := prefix(t)
	for pkg, run := range map[string]string{
		"./proxy/service/": "^TestReplaceFile",
	} {
		bin := filepath.Join(w.root, strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "-")+".test.exe")
		build := exec.Command("go", "test", "-c", "-o", bin, pkg)
		build.Dir = "../../.."
		build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go test -c %s for Windows: %v\n%s", pkg, err, out)
		}
		if r := wine(t, bin, "-test.run", run, "-test.v"); r.code != 0 || !strings.Contains(r.out, "--- PASS") {
			t.Errorf("%s %s under wine: exit %d\n%s", pkg, run, r.code, r.out)
		}
	}
}
