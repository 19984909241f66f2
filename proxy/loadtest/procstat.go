package loadtest

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat. USER_HZ is
// 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// processCPU is the user plus system CPU time used so far by all threads of
// the processes in pids, from /proc/<pid>/stat. Reading /proc rather than
// getrusage lets the harness measure a running child without stopping it.
func processCPU(pids ...int) (time.Duration, error) {
	var total time.Duration
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return 0, fmt.Errorf("reading CPU time of process %d: %w", pid, err)
		}
		// The command name (field 2) may contain spaces; fields are counted
		// after its closing parenthesis. utime and stime are fields 14 and 15.
		end := bytes.LastIndexByte(data, ')')
		if end < 0 {
			return 0, fmt.Errorf("process %d: malformed /proc stat line", pid)
		}
		fields := strings.Fields(string(data[end+1:]))
		if len(fields) < 13 {
			return 0, fmt.Errorf("process %d: short /proc stat line", pid)
		}
		for _, f := range fields[11:13] {
			ticks, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("process %d: parsing CPU ticks %q: %w", pid, f, err)
			}
			total += time.Duration(ticks) * clockTick
		}
	}
	return total, nil
}

// processRSS is the resident set size of the processes in pids, from the
// VmRSS line of /proc/<pid>/status.
func processRSS(pids ...int) (int64, error) {
	var total int64
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			return 0, fmt.Errorf("reading memory of process %d: %w", pid, err)
		}
		_, rest, ok := bytes.Cut(data, []byte("\nVmRSS:"))
		if !ok {
			return 0, fmt.Errorf("process %d reports no VmRSS", pid)
		}
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		fields := strings.Fields(string(line))
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("process %d: unexpected VmRSS line %q", pid, line)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("process %d: parsing VmRSS: %w", pid, err)
		}
		total += kb << 10
	}
	return total, nil
}
