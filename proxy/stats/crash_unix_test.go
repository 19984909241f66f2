//go:build unix

package stats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashChildDirEnv makes TestHelperProcess act as the child of
// TestRecord_SurvivesSIGKILL, recording into the directory it names.
const crashChildDirEnv = "FREELANE_STATS_CRASH_CHILD_DIR"

// crashClock is the child's and the parent's clock, so every round counts on
// the same day whenever the test runs.
func crashClock() time.Time { return at(25, 12, 0, 0) }

// TestHelperProcess is not a test: it is the child process that the crash
// test kills. It records calls as fast as it can and reports each one after
// Record has returned.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(crashChildDirEnv)
	if dir == "" {
		return
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// A 1 ms flush delay keeps summary rewrites in flight, so kills land
	// during them too.
	s, err := Open(dir, Options{Now: crashClock, Logger: logger, FlushDelay: time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	fmt.Println("opened")
	outcomes := []Outcome{OutcomeSuccess, OutcomeFailed, OutcomeTimeout}
	for n := 1; ; n++ {
		c := Call{Model: "model-" + strconv.Itoa(n%3), Outcome: outcomes[n%3], Duration: time.Duration(n) * time.Millisecond, Attempts: 1 + n%2}
		if err := s.Record(c); err != nil {
			fmt.Fprintln(os.Stderr, "record:", err)
			os.Exit(3)
		}
		// Unbuffered: each report is its own write(2) to the pipe.
		fmt.Printf("recorded %d\n", n)
	}
}

func TestRecord_SurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill points seeded with %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	dir := t.TempDir()
	total := 0
	for round := range 6 {
		killAfter := rng.IntN(1000)
		if round == 0 {
			killAfter = 0 // right after Open: nothing or almost nothing recorded
		}
		reported := runAndKill(t, dir, killAfter)

		// Whatever the kill interrupted, a summary on disk is whole.
		if _, err := os.Stat(summaryPath(dir, "20261125")); err == nil {
			readSummaryFile(t, dir, "20261125")
		}

		logs := &recordingHandler{}
		s, err := Open(dir, Options{Now: crashClock, Logger: slog.New(logs)})
		if err != nil {
			t.Fatalf("round %d: Open after kill: %v", round, err)
		}
		// One write(2) per line: a kill cannot leave half a line behind.
		if w := logs.warnings(); len(w) != 0 {
			t.Errorf("round %d: warnings on Open after a kill: %v", round, w)
		}
		got := s.Today().Total
		// The child may have written one more call than it managed to report.
		if got < total+reported || got > total+reported+1 {
			t.Errorf("round %d: total %d after the child reported %d more calls on top of %d", round, got, reported, total)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		if got == 0 {
			// Killed before its first call: a day without calls has no files.
			if _, err := os.Stat(summaryPath(dir, "20261125")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("round %d: summary for a day without calls: %v", round, err)
			}
			continue
		}
		if sum := readSummaryFile(t, dir, "20261125"); sum.Total != got || sum.Date != "20261125" {
			t.Errorf("round %d: summary total %d date %s, want %d on 20261125", round, sum.Total, sum.Date, got)
		}
		if lines := countJournalLines(t, journalPath(dir, "20261125")); lines != got {
			t.Errorf("round %d: journal holds %d calls, summary %d", round, lines, got)
		}
		t.Logf("round %d: killed after %d reported calls, total %d", round, reported, got)
		total = got
	}
}

// runAndKill starts the child, kills it with SIGKILL once it has reported
// killAfter calls, and returns the last call number the child reported.
func runAndKill(t *testing.T, dir string, killAfter int) int {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), crashChildDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting child: %v", err)
	}

	reported, opened, killed := 0, false, false
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		line := lines.Text()
		switch {
		case line == "opened":
			opened = true
		case strings.HasPrefix(line, "recorded "):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "recorded "))
			if err != nil || n != reported+1 {
				t.Fatalf("child reported %q after %d", line, reported)
			}
			reported = n
		}
		if opened && reported >= killAfter && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("killing child: %v", err)
			}
			killed = true
		}
	}
	// Reading to EOF collects every report the child wrote before it died.
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("child ended with %v, want a kill; stderr:\n%s", err, stderr.String())
	}
	if status, ok := exitErr.Sys().(syscall.WaitStatus); !ok || !status.Signaled() || status.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want SIGKILL; stderr:\n%s", err, stderr.String())
	}
	return reported
}
