//go:build !linux && !windows

package localuser

import "net/netip"

func sameUser(netip.AddrPort, netip.AddrPort) (bool, error) { return false, ErrUnsupported }
