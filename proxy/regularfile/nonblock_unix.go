//go:build unix

package regularfile

import "syscall"

// nonBlock keeps open(2) of a FIFO from waiting for its other end; it has
// no effect on a regular file.
const nonBlock = syscall.O_NONBLOCK
