package service

import (
	"os"

	"golang.org/x/sys/windows"
)

// attachParentProcess is ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uint32(0)

var procAttachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

// AttachConsole lets the GUI-subsystem freelane.exe print to the console it
// was started from: Windows gives such a program no standard output, so
// `freelane status` would print nothing. It attaches to the parent's console
// and re-opens os.Stdout and os.Stderr on CONOUT$.
//
// Streams that already lead somewhere (redirected to a file or a pipe, or the
// null device a detached supervisor gets) are kept, and when both do, nothing
// is attached: a background process must not tie itself to the terminal that
// started it. Without a parent console (started from Explorer) it does nothing.
// Call it before anything writes to os.Stdout or os.Stderr.
func AttachConsole() {
	needOut := !usableStdHandle(windows.STD_OUTPUT_HANDLE)
	needErr := !usableStdHandle(windows.STD_ERROR_HANDLE)
	if !needOut && !needErr {
		return
	}
	if ok, _, _ := procAttachConsole.Call(uintptr(attachParentProcess)); ok == 0 {
		return
	}
	if needOut {
		if f := openConsoleOutput(windows.STD_OUTPUT_HANDLE, "/dev/stdout"); f != nil {
			os.Stdout = f
		}
	}
	if needErr {
		if f := openConsoleOutput(windows.STD_ERROR_HANDLE, "/dev/stderr"); f != nil {
			os.Stderr = f
		}
	}
}

// usableStdHandle reports whether a standard handle leads to a file, pipe or
// character device.
func usableStdHandle(which uint32) bool {
	h, err := windows.GetStdHandle(which)
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return false
	}
	kind, err := windows.GetFileType(h)
	return err == nil && kind != windows.FILE_TYPE_UNKNOWN
}

// openConsoleOutput opens the attached console's screen buffer and records it
// as the standard handle which, for code that asks Windows rather than os.
func openConsoleOutput(which uint32, name string) *os.File {
	path, err := windows.UTF16PtrFromString("CONOUT$")
	if err != nil {
		return nil
	}
	h, err := windows.CreateFile(path, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return nil
	}
	_ = windows.SetStdHandle(which, h) // best effort: os.Stdout and os.Stderr work without it
	return os.NewFile(uintptr(h), name)
}
