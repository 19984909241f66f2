package service

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckHealthURL(t *testing.T) {
	t.Parallel()
	for _, good := range []string{
		"http://127.0.0.1:5000/health",
		"http://localhost:5000/health",
		"http://[::1]:5000/health",
		"https://192.168.1.20:5000/health",
	} {
		if err := checkHealthURL(good); err != nil {
			t.Errorf("checkHealthURL(%q) = %v, want it accepted", good, err)
		}
	}
	for _, bad := range []string{"127.0.0.1:5000/health", "ftp://127.0.0.1/health", "http://[::1/health"} {
		if err := checkHealthURL(bad); err == nil {
			t.Errorf("checkHealthURL(%q) accepted, want an error", bad)
		}
	}
}

func TestFetchHealth_SendsTheToken(t *testing.T) {
	const token = "s3cret-token-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			// The real server's refusal: an OpenAI error envelope, no health.
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "invalid_token"}})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "pid": 4242})
	}))
	defer srv.Close()

	tests := []struct {
		name    string
		token   string
		wantPID int
	}{
		{"with_token", token, 4242},
		{"without_token", "", 0},
		{"wrong_token", "not-the-token-0123456789", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{HealthURL: srv.URL + "/health", Token: tt.token}
			h, err := o.fetchHealth(t.Context())
			if h.PID != tt.wantPID {
				t.Errorf("fetchHealth = %+v, %v; want pid %d", h, err, tt.wantPID)
			}
			if tt.wantPID == 0 && err == nil {
				t.Error("fetchHealth refused by the server returned no error")
			}
			if err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("the error reveals the token: %v", err)
			}
		})
	}
}
