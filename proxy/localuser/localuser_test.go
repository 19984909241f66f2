package localuser

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

// A connection this process opens to itself is this user's.
func TestSameUser_OwnConnection(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "tcp6" {
				addr = "[::1]:0"
			}
			ln, err := net.Listen(network, addr)
			if err != nil {
				t.Skipf("no %s loopback here: %v", network, err)
			}
			defer ln.Close()
			accepted := make(chan net.Conn, 1)
			go func() {
				c, _ := ln.Accept()
				accepted <- c
			}()
			client, err := net.Dial(network, ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			server := <-accepted
			if server == nil {
				t.Fatal("accept failed")
			}
			defer server.Close()
			local := server.LocalAddr().(*net.TCPAddr).AddrPort()
			remote := server.RemoteAddr().(*net.TCPAddr).AddrPort()
			same, err := SameUser(local, remote)
			if errors.Is(err, ErrUnsupported) {
				t.Skip(err)
			}
			if err != nil || !same {
				t.Errorf("SameUser(%s, %s) = %v, %v; want true", local, remote, same, err)
			}
			// A connection that does not exist is never taken for ours.
			gone := netip.AddrPortFrom(remote.Addr(), remote.Port()^0x5a5a)
			if same, err := SameUser(local, gone); same || err == nil {
				t.Errorf("SameUser of a connection that does not exist = %v, %v; want an error", same, err)
			}
		})
	}
}
