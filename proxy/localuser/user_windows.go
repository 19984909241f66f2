package localuser

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	iphlpapi                = windows.NewLazySystemDLL("iphlpapi.dll")
	procGetExtendedTcpTable = iphlpapi.NewProc("GetExtendedTcpTable")
)

const (
	tcpTableOwnerPIDAll = 5 // TCP_TABLE_OWNER_PID_ALL
	afInet              = 2
	afInet6             = 23
	// Row sizes of MIB_TCPROW_OWNER_PID and MIB_TCP6ROW_OWNER_PID.
	tcpRowSize  = 24
	tcp6RowSize = 56
)

func sameUser(local, remote netip.AddrPort) (bool, error) {
	family, rowSize := uint32(afInet), tcpRowSize
	if remote.Addr().Is6() {
		family, rowSize = afInet6, tcp6RowSize
	}
	table, err := tcpTable(family)
	if err != nil {
		return false, err
	}
	pid, found := owningPID(table, rowSize, remote, local)
	if !found {
		return false, fmt.Errorf("no connection %s -> %s in the TCP table", remote, local)
	}
	return processOfThisUser(pid)
}

// tcpTable returns the raw MIB_TCP(6)TABLE_OWNER_PID of one address family.
func tcpTable(family uint32) ([]byte, error) {
	size := uint32(16 << 10)
	for range 5 {
		buf := make([]byte, size)
		r, _, _ := procGetExtendedTcpTable.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)),
			0, uintptr(family), tcpTableOwnerPIDAll, 0)
		switch windows.Errno(r) {
		case 0:
			return buf[:size], nil
		case windows.ERROR_INSUFFICIENT_BUFFER:
			continue // size now holds what is needed
		default:
			return nil, fmt.Errorf("reading the TCP table: %w", windows.Errno(r))
		}
	}
	return nil, errors.New("reading the TCP table: it kept growing")
}

// owningPID finds the row whose local end is from and remote end is to.
// Addresses are in network byte order; a port is the first two bytes of
// its 32-bit field, also in network order.
func owningPID(table []byte, rowSize int, from, to netip.AddrPort) (uint32, bool) {
	if len(table) < 4 {
		return 0, false
	}
	n := int(binary.LittleEndian.Uint32(table))
	addrLen, localPort, remoteAddr, remotePort, pidAt := 4, 4, 8, 12, 16
	if rowSize == tcp6RowSize {
		addrLen, localPort, remoteAddr, remotePort, pidAt = 16, 20, 24, 44, 52
	}
	for i := range n {
		row := table[4+i*rowSize:]
		if len(row) < rowSize {
			break
		}
		if rowSize == tcpRowSize {
			row = row[4:] // dwState comes first in the IPv4 row
		}
		l := endpoint(row[:addrLen], row[localPort:])
		r := endpoint(row[remoteAddr:remoteAddr+addrLen], row[remotePort:])
		if l == from && r == to {
			return binary.LittleEndian.Uint32(row[pidAt:]), true
		}
	}
	return 0, false
}

func endpoint(addr, port []byte) netip.AddrPort {
	a, _ := netip.AddrFromSlice(addr)
	return netip.AddrPortFrom(a.Unmap(), binary.BigEndian.Uint16(port))
}

// processOfThisUser compares the user of process pid with this process's.
// A process this user may not inspect belongs to someone else.
func processOfThisUser(pid uint32) (bool, error) {
	self, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return false, fmt.Errorf("reading this process's user: %w", err)
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return false, nil
	}
	defer windows.CloseHandle(h)
	var token windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &token); err != nil {
		return false, nil
	}
	defer token.Close()
	user, err := token.GetTokenUser()
	if err != nil {
		return false, fmt.Errorf("reading the user of process %d: %w", pid, err)
	}
	return windows.EqualSid(user.User.Sid, self.User.Sid), nil
}
