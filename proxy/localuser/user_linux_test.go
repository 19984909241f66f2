package localuser

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
)

// Lines of /proc/net/tcp6 and /proc/net/tcp (x86: little-endian words): the
// client socket 127.0.0.1:41234 -> 127.0.0.1:5000 belongs to uid 1001; the
// server's own socket for it, and a listener, to uid 1000.
const procTCPFixture = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 54917 1 0000000067479069 100 0 0 10 0
   1: 0100007F:1388 0100007F:A112 01 00000000:00000000 00:00000000 00000000  1000        0 54918 1 0000000067479069 20 4 30 10 -1
   2: 0100007F:A112 0100007F:1388 01 00000000:00000000 00:00000000 00000000  1001        0 54919 1 0000000067479069 20 4 30 10 -1
`

const procTCP6Fixture = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:A113 00000000000000000000000001000000:1388 01 00000000:00000000 00:00000000 00000000  1002        0 1 1 0 20 4 30 10 -1
   1: 0000000000000000FFFF00000100007F:A114 0000000000000000FFFF00000100007F:1388 01 00000000:00000000 00:00000000 00000000  1003        0 1 1 0 20 4 30 10 -1
`

func TestSocketOwner(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the fixture is of a little-endian machine")
	}
	server := netip.MustParseAddrPort("127.0.0.1:5000")
	for _, tc := range []struct {
		name, table string
		from, to    netip.AddrPort
		uid         int
		found       bool
	}{
		{"client_socket", procTCPFixture, netip.MustParseAddrPort("127.0.0.1:41234"), server, 1001, true},
		{"server_socket", procTCPFixture, server, netip.MustParseAddrPort("127.0.0.1:41234"), 1000, true},
		{"unknown", procTCPFixture, netip.MustParseAddrPort("127.0.0.1:41235"), server, 0, false},
		{"ipv6", procTCP6Fixture, netip.MustParseAddrPort("[::1]:41235"), netip.MustParseAddrPort("[::1]:5000"), 1002, true},
		{"ipv4_mapped", procTCP6Fixture, netip.MustParseAddrPort("127.0.0.1:41236"), server, 1003, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uid, found, err := socketOwner(strings.NewReader(tc.table), tc.from, tc.to)
			if err != nil || found != tc.found || uid != tc.uid {
				t.Errorf("socketOwner = %d, %v, %v; want %d, %v", uid, found, err, tc.uid, tc.found)
			}
		})
	}
}
