// Package localuser tells whether the process at the other end of a TCP
// connection from this machine runs as the same OS user as Freelane. On a
// shared computer every account reaches 127.0.0.1; the dashboard (saved
// prompts, the debug switch, .env writes) answers only its own user.
//
// Linux reads the socket's owner from /proc/net/tcp and tcp6; Windows asks
// for the process that owns the connection (GetExtendedTcpTable) and
// compares its user with this process's. Elsewhere the answer is
// ErrUnsupported.
package localuser

import (
	"errors"
	"net/netip"
)

// ErrUnsupported means this OS does not tell who owns a connection.
var ErrUnsupported = errors.New("this system does not tell which user owns a connection")

// SameUser reports whether the client end of a TCP connection, whose
// server end is local and whose client end is remote (both on this
// machine), belongs to a process of the user running Freelane. A connection
// it cannot find is reported as an error, never as the same user.
func SameUser(local, remote netip.AddrPort) (bool, error) {
	return sameUser(unmap(local), unmap(remote))
}

// unmap turns an IPv4-mapped IPv6 address into IPv4, so a dual-stack
// listener's view of a connection matches the kernel tables.
func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
