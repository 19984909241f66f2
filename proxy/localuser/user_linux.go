package localuser

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// procTables are the kernel's TCP socket tables, one line per socket.
var procTables = []string{"/proc/net/tcp", "/proc/net/tcp6"}

func sameUser(local, remote netip.AddrPort) (bool, error) {
	for _, path := range procTables {
		f, err := os.Open(path)
		if err != nil {
			continue // no IPv6, say
		}
		uid, found, err := socketOwner(f, remote, local)
		f.Close()
		if err != nil {
			return false, fmt.Errorf("reading %s: %w", path, err)
		}
		if found {
			return uid == os.Getuid(), nil
		}
	}
	return false, fmt.Errorf("no socket %s -> %s in %v", remote, local, procTables)
}

// socketOwner finds the socket whose local end is from and whose remote end
// is to in a /proc/net/tcp table, and returns its owner's uid.
func socketOwner(table io.Reader, from, to netip.AddrPort) (uid int, found bool, err error) {
	s := bufio.NewScanner(table)
	s.Scan() // the header line
	for s.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
		fields := strings.Fields(s.Text())
		if len(fields) < 8 {
			continue
		}
		l, lerr := parseProcAddr(fields[1])
		r, rerr := parseProcAddr(fields[2])
		if lerr != nil || rerr != nil || l != from || r != to {
			continue
		}
		uid, err := strconv.Atoi(fields[7])
		if err != nil {
			return 0, false, fmt.Errorf("bad uid %q: %w", fields[7], err)
		}
		return uid, true, nil
	}
	return 0, false, s.Err()
}

// parseProcAddr reads "0100007F:1F90": the address as 32-bit words printed
// from memory in the machine's byte order, then the port.
func parseProcAddr(field string) (netip.AddrPort, error) {
	hexAddr, hexPort, ok := strings.Cut(field, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", field)
	}
	if len(hexAddr) != 8 && len(hexAddr) != 32 {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", field)
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port %q", field)
	}
	raw := make([]byte, len(hexAddr)/2)
	for i := 0; i < len(raw); i += 4 {
		word, err := strconv.ParseUint(hexAddr[2*i:2*i+8], 16, 32)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("bad address %q", field)
		}
		binary.NativeEndian.PutUint32(raw[i:], uint32(word))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}
