//go:build unix && !linux

package service

import "os/exec"

// prepareServer sets platform attributes of the server child; these systems
// have no parent-death signal, so Stop ends a server its supervisor left.
func prepareServer(*exec.Cmd) {}
