package service

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// processNameLimit is 0: /proc gives the program's name in full.
const processNameLimit = 0

// processExecutable returns argv[0] of pid from /proc.
func processExecutable(pid int) (string, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return "", fmt.Errorf("reading command line of %d: %w", pid, err)
	}
	argv0, _, _ := bytes.Cut(data, []byte{0})
	if len(argv0) == 0 {
		return "", fmt.Errorf("process %d has no command line", pid)
	}
	return string(argv0), nil
}

// isZombie reports whether pid has exited but was not reaped yet.
func isZombie(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name, which may itself hold ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return false
	}
	state := data[i+2]
	return state == 'Z' || state == 'X'
}

// clockTicks is USER_HZ, the unit of /proc's times: 100 on every Linux.
const clockTicks = 100

// processStartTime returns when pid started: its start in clock ticks after
// boot (/proc/<pid>/stat, field 22) added to the boot time (/proc/stat),
// which is whole seconds, so the result is within a second or so.
func processStartTime(pid int) (time.Time, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return time.Time{}, fmt.Errorf("reading start time of %d: %w", pid, err)
	}
	// Fields after the parenthesised command name start at field 3 (state).
	i := bytes.LastIndexByte(data, ')')
	fields := strings.Fields(string(data[i+1:]))
	if i < 0 || len(fields) < 20 {
		return time.Time{}, fmt.Errorf("reading start time of %d: unexpected /proc format", pid)
	}
	ticks, err := strconv.ParseInt(fields[22-3], 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading start time of %d: %w", pid, err)
	}
	boot, err := bootTime()
	if err != nil {
		return time.Time{}, err
	}
	return boot.Add(time.Duration(ticks) * time.Second / clockTicks), nil
}

// bootTime reads the btime line of /proc/stat.
func bootTime() (time.Time, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, fmt.Errorf("reading boot time: %w", err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("reading boot time: %w", err)
			}
			return time.Unix(secs, 0), nil
		}
	}
	return time.Time{}, errors.New("reading boot time: no btime in /proc/stat")
}
