//go:build unix && !linux && !darwin

package service

import "time"

// processNameLimit is 0: process names are never compared on these systems.
const processNameLimit = 0

// processExecutable is not available without /proc; liveness alone decides.
func processExecutable(int) (string, error) { return "", errNoProcessInfo }

// isZombie cannot tell without /proc; the start command reaps its children.
func isZombie(int) bool { return false }

// processStartTime is not available without /proc; the name check decides.
func processStartTime(int) (time.Time, error) { return time.Time{}, errNoProcessInfo }
