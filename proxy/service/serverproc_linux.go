package service

import (
	"os/exec"
	"syscall"
)

// prepareServer has the kernel send the server SIGTERM when the supervisor
// dies (kill -9, OOM killer): an orphaned server would keep the port and the
// instance lock with nobody to restart or stop it, and its output pipe would
// have no reader.
func prepareServer(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
