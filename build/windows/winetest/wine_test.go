//go:build wine

// Package winetest runs the real Windows build, freelane.exe and its
// installer, under wine. It is built only with the "wine" tag:
//
//	bash build/build.sh windows      # freelane.exe and Freelane-Setup-<version>.exe
//	go test -tags wine ./build/windows/winetest/
//
// (the test runs build.sh itself when the artifacts are missing). All tests
// share one throwaway wine prefix, created once per run.
//
// Debian's wine 8 cannot start a Go 1.26 program: its bcryptprimitives.dll
// lacks ProcessPrng, which Go's runtime loads at start-up. The prefix gets a
// stand-in built from testdata/bcryptprimitives.c; it is a test fixture only
// and never ships.
package winetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const mingwCC = "x86_64-w64-mingw32-gcc"

// winePrefix is the prepared prefix shared by all tests.
type winePrefix struct {
	once    sync.Once
	skip    string // why the tests cannot run here
	err     error
	root    string // temporary folder holding the prefix and a HOME for wine
	prefix  string
	env     []string
	exe     string // build/dist/freelane.exe
	setup   string // build/dist/Freelane-Setup-<version>.exe
	version string
	setupAt time.Duration // how long creating the prefix took
}

var wineEnv winePrefix

func TestMain(m *testing.M) {
	started := time.Now()
	code := m.Run()
	if wineEnv.root != "" {
		// Ends every process left in the prefix, then removes it.
		cmd := exec.Command("wineserver", "-k")
		cmd.Env = wineEnv.env
		_ = cmd.Run()
		os.RemoveAll(wineEnv.root)
	}
	fmt.Printf("wine checks: %.0fs in all, %.0fs of it creating the wine prefix\n",
		time.Since(started).Seconds(), wineEnv.setupAt.Seconds())
	os.Exit(code)
}

// prefix returns the shared wine environment, creating it on first use. A
// missing tool skips the test, or fails it when CI is set.
func prefix(t *testing.T) *winePrefix {
	t.Helper()
	w := &wineEnv
	w.once.Do(func() {
		start := time.Now()
		defer func() { w.setupAt = time.Since(start) }()
		for _, tool := range []string{"wine", "wineboot", "wineserver", mingwCC, "makensis"} {
			if _, err := exec.LookPath(tool); err != nil {
				w.skip = tool + " is not installed (Debian: apt-get install wine wine64 gcc-mingw-w64-x86-64 nsis)"
				return
			}
		}
		w.err = createPrefix(w)
	})
	if w.skip != "" {
		skipOrFailInCI(t, w.skip)
	}
	if w.err != nil {
		t.Fatal(w.err)
	}
	return w
}

func createPrefix(w *winePrefix) error {
	repo, err := filepath.Abs("../../..")
	if err != nil {
		return err
	}
	if w.exe, w.setup, w.version, err = artifacts(repo); err != nil {
		return err
	}
	if w.root, err = os.MkdirTemp("", "freelane-wine-"); err != nil {
		return err
	}
	w.prefix = filepath.Join(w.root, "prefix")
	home := filepath.Join(w.root, "home") // wine links Desktop and Documents here
	for _, dir := range []string{home, w.prefix} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
	}
	w.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"USER=freelane",
		"LANG=C.UTF-8", // command-line arguments and paths with non-ASCII letters
		"WINEPREFIX=" + w.prefix,
		"WINEARCH=win64",
		"WINEDEBUG=-all",
		// No Mono or Gecko install prompts, no Linux menu entries for the
		// installer's shortcuts, and the ProcessPrng stand-in.
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d;bcryptprimitives=n",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// One wineserver for the whole run, instead of one per command. It
	// outlives the commands that start it, so their output goes to a file
	// rather than a pipe that would stay open.
	for _, args := range [][]string{{"wineserver", "-p"}, {"wineboot", "-i"}} {
		if err := runToFile(wineCommand(ctx, w.env, args[0], args[1:]...), filepath.Join(w.root, args[0]+".log")); err != nil {
			return err
		}
	}
	system32 := filepath.Join(w.prefix, "drive_c", "windows", "system32")
	for _, build := range [][]string{
		{"-shared", "-O2", "-o", filepath.Join(system32, "bcryptprimitives.dll"), "testdata/bcryptprimitives.c", "-ladvapi32"},
		{"-O2", "-o", filepath.Join(system32, "crash.exe"), "testdata/crash.c"},
		{"-O2", "-o", filepath.Join(system32, "input.exe"), "testdata/input.c"},
		{"-O2", "-o", filepath.Join(system32, "httpget.exe"), "testdata/httpget.c", "-lws2_32"},
	} {
		if out, err := exec.CommandContext(ctx, mingwCC, build...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v\n%s", mingwCC, strings.Join(build, " "), err, out)
		}
	}
	return nil
}

// runToFile runs cmd with its output going to the file at path.
func runToFile(cmd *exec.Cmd, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(path)
		return fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return nil
}

// artifacts returns build.sh's Windows outputs, running it when they are missing.
func artifacts(repo string) (exe, setup, version string, err error) {
	dist := filepath.Join(repo, "build", "dist")
	find := func() {
		exe = filepath.Join(dist, "freelane.exe")
		matches, _ := filepath.Glob(filepath.Join(dist, "Freelane-Setup-*.exe"))
		setup = ""
		if len(matches) == 1 {
			setup = matches[0]
			version = strings.TrimSuffix(strings.TrimPrefix(filepath.Base(setup), "Freelane-Setup-"), ".exe")
		}
	}
	find()
	if _, statErr := os.Stat(exe); statErr != nil || setup == "" {
		cmd := exec.Command("bash", "build/build.sh", "windows")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", "", "", fmt.Errorf("build/build.sh windows: %v\n%s", err, out)
		}
		find()
	}
	if setup == "" {
		return "", "", "", fmt.Errorf("want exactly one Freelane-Setup-*.exe in %s", dist)
	}
	return exe, setup, version, nil
}

func wineCommand(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// winPath is the Windows name of a Linux path (wine's Z: drive).
func winPath(p string) string {
	return `Z:` + strings.ReplaceAll(p, "/", `\`)
}

// result is a finished command.
type result struct {
	code int
	out  string // stdout and stderr
}

// wine runs a Windows program to its end, within a deadline.
func wine(t *testing.T, args ...string) result {
	t.Helper()
	return wineWithEnv(t, nil, args...)
}

// wineWithEnv runs a Windows program with more environment variables. Its
// standard output is a pipe, which must be closed when it ends: a program
// that leaves a process behind holding it fails the test. Its standard error
// is a file, because wine itself passes its own standard error (where it
// writes its diagnostics) on to every process it starts.
func wineWithEnv(t *testing.T, extraEnv []string, args ...string) result {
	t.Helper()
	w := prefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := wineCommand(ctx, append(append([]string{}, w.env...), extraEnv...), "wine", args...)
	cmd.Dir = os.TempDir()
	var stdout bytes.Buffer
	stderr, err := os.CreateTemp(w.root, "stderr-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(stderr.Name())
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	err = cmd.Run()
	errOut, _ := os.ReadFile(stderr.Name())
	r := result{out: stdout.String() + string(errOut)}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("wine %s did not finish in time\n%s", strings.Join(args, " "), r.out)
	case errors.Is(err, exec.ErrWaitDelay):
		t.Fatalf("wine %s ended but left its standard output open: a process it started inherited it\n%s", strings.Join(args, " "), r.out)
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("wine %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// process is a Windows program running in the background.
type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startWine starts a Windows program and ends it when the test ends.
func startWine(t *testing.T, extraEnv []string, args ...string) *process {
	t.Helper()
	w := prefix(t)
	cmd := wineCommand(context.Background(), append(append([]string{}, w.env...), extraEnv...), "wine", args...)
	cmd.Dir = os.TempDir()
	p := &process{cmd: cmd, out: new(syncBuffer), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// exited reports whether the program has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor checks cond every 100 ms until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting for %s", what)
		case <-tick.C:
		}
	}
}

// freeLoopbackAddr finds a port nobody listens on; freelane.exe binds it itself.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// skipOrFailInCI skips where a tool is missing on a developer's machine, but
// fails in CI, which must install it (.ci/run).
func skipOrFailInCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (required when CI is set)", why)
	}
	t.Skip(why)
}
