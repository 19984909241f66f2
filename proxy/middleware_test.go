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
