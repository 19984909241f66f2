//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// Something that is no regular file at a path of CACHE_DIR (a FIFO, whose
// open waits for its other end) must not hang start-up: Freelane serves, or
// exits saying what is wrong, and SIGTERM always stops it.
func TestBinaryFIFOAtACachePathDoesNotHang(t *testing.T) {
	bin := freelaneBinary(t)
	fake := fakeopenrouter.New(t)
	today := time.Now().Format("20060102")
	for _, name := range []string{"freelane.lock", "models.json", "CALLS_" + today + ".json", "CALLS_" + today + ".journal"} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			cache := filepath.Join(home, "cache")
			if err := os.MkdirAll(cache, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(filepath.Join(cache, name), 0o600); err != nil {
				t.Skip("cannot make a FIFO here:", err)
			}
			addr := freeLoopbackAddr(t)
			p := startServe(t, bin, home, addr, fake.BaseURL())
			exited := false
			crashPoll(t, "freelane to serve or exit", func() bool {
				select {
				case <-p.exited:
					exited = true
					return true
				default:
				}
				_, ok := p.health()
				return ok
			})
			if exited {
				if out := p.out.String(); !strings.Contains(out, "not a regular file") {
					t.Errorf("freelane exited without naming the FIFO:\n%s", out)
				}
				return
			}
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			p.exitCode(t)
		})
	}
}

// A CACHE_DIR Freelane cannot write is reported as such at start-up, not as
// "Freelane is already running".
func TestBinaryUnusableCacheDirIsNamed(t *testing.T) {
	bin := freelaneBinary(t)
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	cache := filepath.Join(home, "cache")
	if os.Getuid() == 0 {
		// Root writes through permissions: a file in the way fails the same.
		if err := os.WriteFile(filepath.Join(home, "file"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(home, "file", "cache")
	} else if err := os.Mkdir(cache, 0o500); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, bin, home, freeLoopbackAddr(t), fake.BaseURL(), "CACHE_DIR="+cache)
	if code := p.exitCode(t); code == 0 {
		t.Errorf("exit status 0 with an unusable CACHE_DIR")
	}
	out := p.out.String()
	if strings.Contains(out, "already running") || !strings.Contains(out, "CACHE_DIR") {
		t.Errorf("output does not name CACHE_DIR (or claims another Freelane runs):\n%s", out)
	}
}
