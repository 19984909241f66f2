//go:build wine

package winetest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

const (
	uninstallKey = `HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Freelane`
	runKey       = `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`
)

// regValues reads a registry key's string values and DWORD values (as
// "dword:<8 hex digits>"); nil when the key
// does not exist. It goes through `reg export`, whose file is UTF-16: `reg
// query` prints in the console's OEM code page, which mangles non-ASCII paths.
func regValues(t *testing.T, key string) map[string]string {
	t.Helper()
	w := prefix(t)
	file := filepath.Join(w.root, "export.reg")
	defer os.Remove(file)
	if r := wine(t, "reg", "export", key, winPath(file), "/y"); r.code != 0 {
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil || len(data) < 2 {
		t.Fatalf("reading the export of %s: %v", key, err)
	}
	units := make([]uint16, 0, len(data)/2)
	for i := 2; i+1 < len(data); i += 2 { // after the byte-order mark
		units = append(units, uint16(data[i])|uint16(data[i+1])<<8)
	}
	values := make(map[string]string)
	for line := range strings.SplitSeq(string(utf16.Decode(units)), "\n") {
		m := regExportLine.FindStringSubmatch(strings.TrimRight(line, "\r"))
		if m == nil {
			continue
		}
		if m[3] != "" {
			values[unescapeReg(m[1])] = "dword:" + m[3]
		} else {
			values[unescapeReg(m[1])] = unescapeReg(m[2])
		}
	}
	return values
}

// regExportLine is one value of a .reg file: "name"="string" or "name"=dword:hex.
var regExportLine = regexp.MustCompile(`^"((?:[^"\\]|\\.)*)"=(?:"((?:[^"\\]|\\.)*)"|dword:([0-9a-f]{8}))$`)

func unescapeReg(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(s)
}

// userFolders are the Windows user's folders inside the prefix.
type userFolders struct {
	programs  string // %LOCALAPPDATA%\Programs\Freelane
	home      string // %APPDATA%\freelane, the default home folder
	startMenu string
	desktop   string
}

func installFolders(w *winePrefix) userFolders {
	user := filepath.Join(w.prefix, "drive_c", "users", "freelane")
	return userFolders{
		programs:  filepath.Join(user, "AppData", "Local", "Programs", "Freelane"),
		home:      filepath.Join(user, "AppData", "Roaming", "freelane"),
		startMenu: filepath.Join(user, "AppData", "Roaming", "Microsoft", "Windows", "Start Menu", "Programs", "Freelane.lnk"),
		desktop:   filepath.Join(user, "Desktop", "Freelane.lnk"),
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestInstaller installs silently, runs the installed Freelane, upgrades over
// it while it runs, and uninstalls silently.
func TestInstaller(t *testing.T) {
	w := prefix(t)
	dirs := installFolders(w)
	const installed = `C:\users\freelane\AppData\Local\Programs\Freelane\freelane.exe`
	const defaultHome = `C:\users\freelane\AppData\Roaming\freelane`

	if r := wine(t, w.setup, "/S", "/DESKTOP", "/AUTOSTART"); r.code != 0 {
		t.Fatalf("silent install: exit %d\n%s", r.code, r.out)
	}
	for _, name := range []string{"freelane.exe", "Uninstall.exe", "start-proxy.bat", "start-service.bat", "status.bat", "stop-service.bat"} {
		if !exists(filepath.Join(dirs.programs, name)) {
			t.Errorf("%s is not installed in %s", name, dirs.programs)
		}
	}
	for _, link := range []string{dirs.startMenu, dirs.desktop} {
		if !exists(link) {
			t.Errorf("shortcut %s is missing", link)
		}
	}
	entry := regValues(t, uninstallKey)
	for name, want := range map[string]string{
		"DisplayName":          "Freelane",
		"DisplayVersion":       w.version,
		"Publisher":            "The Freelane authors",
		"DisplayIcon":          installed + ",0",
		"InstallLocation":      `C:\users\freelane\AppData\Local\Programs\Freelane`,
		"QuietUninstallString": `"C:\users\freelane\AppData\Local\Programs\Freelane\Uninstall.exe" /S`,
	} {
		if got := entry[name]; got != want {
			t.Errorf("Uninstall entry %s = %q, want %q", name, got, want)
		}
	}
	if size := entry["EstimatedSize"]; size == "" || size == "dword:00000000" {
		t.Errorf("Uninstall entry EstimatedSize = %q, want the installed size in KB", size)
	}
	wantLogin := `"` + installed + `" --home "` + defaultHome + `"`
	if got := regValues(t, runKey)["Freelane"]; got != wantLogin {
		t.Errorf("login entry = %q, want %q", got, wantLogin)
	}

	// The installed Freelane runs as a service on the default home folder.
	upstream := fakeopenrouter.New(t)
	if err := os.MkdirAll(dirs.home, 0o700); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	env := notepadEnv(upstream, addr, true)
	if err := os.WriteFile(filepath.Join(dirs.home, ".env"), env, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wine(t, installed, "stop") })
	// Bytes after a PE image do not change how it runs, and tell this
	// "older" binary from the one the upgrade installs.
	markOlder(t, filepath.Join(dirs.programs, "freelane.exe"))
	if r := wine(t, installed, "version"); !strings.Contains(r.out, w.version) {
		t.Errorf("installed freelane.exe version: exit %d\n%s", r.code, r.out)
	}
	if r := wine(t, installed, "start"); r.code != 0 {
		t.Fatalf("installed freelane.exe start: exit %d\n%s", r.code, r.out)
	}
	waitHealthy(t, addr, nil)
	checkChats(t, addr)
	cacheDir := filepath.Join(dirs.home, "cache")
	waitFor(t, 30*time.Second, "the calls in the stats journal", func() bool { return journalLines(cacheDir) == 2 })

	// An upgrade over the running service stops it and replaces the binary.
	if r := wine(t, w.setup, "/S"); r.code != 0 {
		t.Fatalf("silent upgrade: exit %d\n%s", r.code, r.out)
	}
	if r := wine(t, installed, "status"); r.code != 1 {
		t.Errorf("status after the upgrade: exit %d, want 1 (the installer stops the service)\n%s", r.code, r.out)
	}
	assertSame(t, filepath.Join(dirs.programs, "freelane.exe"), w.exe)
	assertKept(t, dirs.home, env)

	// Uninstall while Freelane runs: it is stopped, the home folder stays.
	if r := wine(t, installed, "start"); r.code != 0 {
		t.Fatalf("start before uninstall: exit %d\n%s", r.code, r.out)
	}
	waitHealthy(t, addr, nil)
	if r := wine(t, filepath.Join(dirs.programs, "Uninstall.exe"), "/S"); r.code != 0 {
		t.Fatalf("silent uninstall: exit %d\n%s", r.code, r.out)
	}
	// The uninstaller runs from a copy in %TEMP%, so it is still at work here.
	waitFor(t, 60*time.Second, "the uninstaller to remove the program folder", func() bool { return !exists(dirs.programs) })
	waitFor(t, 30*time.Second, "the uninstaller to remove its registry entry", func() bool { return regValues(t, uninstallKey) == nil })
	if _, ok := getHealth(addr); ok {
		t.Error("Freelane still answers after the uninstall")
	}
	if got, ok := regValues(t, runKey)["Freelane"]; ok {
		t.Errorf("login entry left behind: %q", got)
	}
	for _, link := range []string{dirs.startMenu, dirs.desktop} {
		if exists(link) {
			t.Errorf("shortcut %s left behind", link)
		}
	}
	assertKept(t, dirs.home, env)
}

func markOlder(t *testing.T, exe string) {
	t.Helper()
	f, err := os.OpenFile(exe, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("an older build"); err != nil {
		t.Fatal(err)
	}
}

// assertSame fails unless the files at a and b have the same content.
func assertSame(t *testing.T, a, b string) {
	t.Helper()
	da, errA := os.ReadFile(a)
	db, errB := os.ReadFile(b)
	if errA != nil || errB != nil || string(da) != string(db) {
		t.Errorf("%s is not the built %s (%v, %v)", a, b, errA, errB)
	}
}

// assertKept checks the home folder still holds .env as written and the stats.
func assertKept(t *testing.T, home string, env []byte) {
	t.Helper()
	if got, err := os.ReadFile(filepath.Join(home, ".env")); err != nil || string(got) != string(env) {
		t.Errorf(".env not kept: %v\n%q", err, got)
	}
	if n := journalLines(filepath.Join(home, "cache")); n != 2 {
		t.Errorf("stats journal holds %d calls, want the 2 made before", n)
	}
}
