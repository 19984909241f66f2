package service

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// processNameLimit is MAXCOMLEN: the kernel keeps only the first 16 bytes of
// a program's name.
const processNameLimit = 16

// szomb is the p_stat of a process that has exited but was not reaped yet
// (SZOMB in <sys/proc.h>).
const szomb = 5

// processExecutable returns the program name the kernel keeps for pid (p_comm):
// the executable's base name, cut to processNameLimit bytes. Unlike the full
// argument list, it is readable for every user's processes.
func processExecutable(pid int) (string, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return "", fmt.Errorf("reading process %d: %w", pid, err) // EIO: no such process
	}
	name := unix.ByteSliceToString(kp.Proc.P_comm[:])
	if name == "" {
		return "", fmt.Errorf("process %d has no name", pid)
	}
	return name, nil
}

// isZombie reports whether pid has exited but was not reaped yet.
func isZombie(pid int) bool {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	return err == nil && kp.Proc.P_stat == szomb
}

// processStartTime returns when pid started, as the kernel recorded it.
func processStartTime(pid int) (time.Time, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading process %d: %w", pid, err)
	}
	start := kp.Proc.P_starttime
	return time.Unix(int64(start.Sec), int64(start.Usec)*1000), nil
}
