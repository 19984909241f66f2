//go:build unix && !linux

package service

// processExecutable is not available without /proc; liveness alone decides.
func processExecutable(int) (string, error) { return "", errNoProcessInfo }

// isZombie cannot tell without /proc; the start command reaps its children.
func isZombie(int) bool { return false }
