package proxy

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestSecurityHeaders_SharedValuesStayIntact checks that every response
// carries the security headers, and that a handler changing them on one
// response (the values are shared between responses) leaves the next
// response untouched.
func TestSecurityHeaders_SharedValuesStayIntact(t *testing.T) {
	t.Parallel()
	h := securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("change") != "" {
			w.Header().Add("X-Frame-Options", "SAMEORIGIN")
			w.Header().Set("Referrer-Policy", "origin")
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	want := http.Header{
		"X-Content-Type-Options": {"nosniff"},
		"X-Frame-Options":        {"DENY"},
		"Referrer-Policy":        {"no-referrer"},
	}
	for i, target := range []string{"/", "/?change=1", "/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		got := rec.Result().Header
		if target != "/" {
			if v := got.Values("X-Frame-Options"); !slices.Equal(v, []string{"DENY", "SAMEORIGIN"}) {
				t.Errorf("response %d: X-Frame-Options = %q, want the handler's addition", i, v)
			}
			continue
		}
		for name, values := range want {
			if v := got.Values(name); !slices.Equal(v, values) {
				t.Errorf("response %d: %s = %q, want %q", i, name, v, values)
			}
		}
	}
}

// TestIsLoopbackName pins which Host names count as this machine without
// being listed.
func TestIsLoopbackName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"app.localhost", true},
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true},
		{"::1%eth0", false}, // a zone is not part of a Host Freelane answers to
		{"0127.0.0.1", false},
		{"192.168.1.10", false},
		{"::", false},
		{"example.com", false},
		{"localhost.example.com", false},
	} {
		if got := isLoopbackName(tc.host); got != tc.want {
			t.Errorf("isLoopbackName(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func BenchmarkIsLoopbackName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !isLoopbackName("127.0.0.1") {
			b.Fatal("127.0.0.1 is not loopback")
		}
	}
}
