//go:build !windows

package atomicfile

func isUnsupported(error) bool { return false }
