//go:build !windows

package service

// AttachConsole does nothing outside Windows: a program started from a
// terminal always writes to it. See the Windows version.
func AttachConsole() {}
