//go:build wine

package winetest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// wine's desktop, its size and where its taskbar shows the tray icon: the
// last notification-area slot at the right end of the taskbar along the
// bottom edge.
const (
	explorerKey   = `HKCU\Software\Wine\Explorer`
	desktopSize   = "800x600"
	trayIconX     = 789
	trayIconY     = 590
	trayIconArea  = "24x16+776+582" // geometry of the notification area's last slot
	trayMenuArea  = "260x140+530+430"
	screenshotEnv = "FREELANE_SCREENSHOT_DIR" // where to copy the tray screenshot, if set
)

// startXvfb starts a virtual screen and returns its DISPLAY.
func startXvfb(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"Xvfb", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFailInCI(t, tool+" is not installed (Debian: apt-get install xvfb imagemagick)")
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	if _, convErr := strconv.Atoi(strings.TrimSpace(line)); err != nil || convErr != nil {
		t.Fatalf("Xvfb did not report its display: %q %v", line, err)
	}
	return ":" + strings.TrimSpace(line)
}

// colours counts the distinct colours of one area of the screen.
func colours(t *testing.T, display, shot, area string) int {
	t.Helper()
	if out, err := exec.Command("import", "-display", display, "-window", "root", shot).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	out, err := exec.Command("convert", shot, "-crop", area, "+repage", "-format", "%k", "info:").CombinedOutput()
	if err != nil {
		t.Fatalf("convert: %v\n%s", err, out)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

// TestTray runs the tray in wine's desktop: it updates an outdated login
// entry to name its home folder, shows its icon and menu, and the menu's
// "Launch at login" removes the entry.
func TestTray(t *testing.T) {
	w := prefix(t)
	display := startXvfb(t)
	upstream := fakeopenrouter.New(t)
	home := newHome(t)
	home.writeEnv(t, notepadEnv(upstream, home.addr, false))
	exe := winPath(w.exe)

	// An entry for this exe written before --home existed.
	if r := wine(t, "reg", "add", runKey, "/v", "Freelane", "/d", `"`+exe+`"`, "/f"); r.code != 0 {
		t.Fatalf("reg add: exit %d\n%s", r.code, r.out)
	}
	t.Cleanup(func() { wine(t, "reg", "delete", runKey, "/v", "Freelane", "/f") })

	// Every program of the prefix shows in one wine desktop, with a taskbar
	// and its notification area, until the test ends.
	for _, value := range [][]string{{explorerKey, "Desktop", "Freelane"}, {explorerKey + `\Desktops`, "Freelane", desktopSize}} {
		if r := wine(t, "reg", "add", value[0], "/v", value[1], "/d", value[2], "/f"); r.code != 0 {
			t.Fatalf("reg add: exit %d\n%s", r.code, r.out)
		}
	}
	t.Cleanup(func() { wine(t, "reg", "delete", explorerKey, "/f") })
	env := []string{"DISPLAY=" + display}
	p := startWine(t, env, exe, "--home", home.win)
	waitHealthy(t, home.addr, p)
	wantEntry := fmt.Sprintf(`"%s" --home "%s"`, exe, home.win)
	var entry string
	waitFor(t, 30*time.Second, "the tray to update the login entry to "+wantEntry, func() bool {
		entry = regValues(t, runKey)["Freelane"]
		if entry != wantEntry {
			t.Logf("login entry: %q", entry)
		}
		return entry == wantEntry
	})

	shot := filepath.Join(w.root, "tray-windows.png")
	waitFor(t, 30*time.Second, "the tray icon in wine's taskbar", func() bool {
		return colours(t, display, shot, trayIconArea) > 1
	})
	input := func(args ...string) {
		t.Helper()
		args = append([]string{"input.exe"}, args...)
		if r := wineWithEnv(t, env, args...); r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), r.code, r.out)
		}
	}
	input("click", "right", strconv.Itoa(trayIconX), strconv.Itoa(trayIconY))
	waitFor(t, 30*time.Second, "the tray menu", func() bool {
		return colours(t, display, shot, trayMenuArea) > 2
	})
	if dir := os.Getenv(screenshotEnv); dir != "" {
		out, err := exec.Command("convert", shot, "-crop", "800x600+0+0", "+repage", filepath.Join(dir, "tray-windows.png")).CombinedOutput()
		if err != nil {
			t.Errorf("saving the screenshot: %v\n%s", err, out)
		}
	}

	// From the bottom of the menu: Quit, Open config folder, Launch at login.
	input("keys", "up", "up", "up", "enter")
	waitFor(t, 30*time.Second, "the tray to remove the login entry", func() bool {
		_, found := regValues(t, runKey)["Freelane"]
		return !found
	})
}
