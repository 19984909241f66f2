//go:build windows

package atomicfile

// Folders cannot be synced on Windows; the rename is durable on its own.
func isUnsupported(error) bool { return true }
