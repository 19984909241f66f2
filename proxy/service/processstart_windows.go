package service

import (
	"fmt"
	"time"

	"golang.org/x/sys/windows"
)

// processStartTime returns when pid was created.
func processStartTime(pid int) (time.Time, error) {
	h, err := openProcess(pid)
	if err != nil {
		return time.Time{}, fmt.Errorf("opening process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return time.Time{}, fmt.Errorf("reading start time of %d: %w", pid, err)
	}
	return time.Unix(0, created.Nanoseconds()), nil
}
