package config

import "net"

// DefaultCacheDir is CACHE_DIR's default, relative to the home folder.
const DefaultCacheDir = "cache"

// LocalAddr returns the address a client on this machine dials to reach a
// server listening on listenAddr. A wildcard host (empty, 0.0.0.0 or ::)
// names no machine, and some systems (Windows among them) refuse to connect
// to it, so it becomes 127.0.0.1. IPv4 loopback serves [::] too: Go listens
// on both families there, and falls back to IPv4 alone where IPv6 is off,
// where ::1 would not answer. Any other address is returned as it is.
func LocalAddr(listenAddr string) string {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return listenAddr
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return listenAddr
	}
	return net.JoinHostPort("127.0.0.1", port)
}
