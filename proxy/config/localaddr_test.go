package config

import "testing"

func TestLocalAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, listen, want string
	}{
		{"loopback", "127.0.0.1:5000", "127.0.0.1:5000"},
		{"ipv6_loopback", "[::1]:5000", "[::1]:5000"},
		{"host_name", "localhost:5000", "localhost:5000"},
		{"lan_address", "192.168.1.20:5000", "192.168.1.20:5000"},
		{"empty_host", ":5000", "127.0.0.1:5000"},
		{"ipv4_wildcard", "0.0.0.0:5000", "127.0.0.1:5000"},
		{"ipv6_wildcard", "[::]:5000", "127.0.0.1:5000"},
		{"ipv6_wildcard_long_form", "[0:0:0:0:0:0:0:0]:8080", "127.0.0.1:8080"},
		{"ipv4_mapped_wildcard", "[::ffff:0.0.0.0]:5000", "127.0.0.1:5000"},
		{"no_port_left_alone", "0.0.0.0", "0.0.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := LocalAddr(tt.listen); got != tt.want {
				t.Errorf("LocalAddr(%q) = %q, want %q", tt.listen, got, tt.want)
			}
		})
	}
}
