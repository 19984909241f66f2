package service

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
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
