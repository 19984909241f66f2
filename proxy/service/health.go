package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// healthTimeout bounds one /health request: the server answers it from memory.
const healthTimeout = 2 * time.Second

// Health is the part of a Freelane server's /health answer the service reads.
type Health struct {
	Status        string  `json:"status"` // "ok" or "degraded"
	Version       string  `json:"version"`
	UptimeSeconds float64 `json:"uptime_seconds"`
	ListenAddr    string  `json:"listen_addr"`
	PID           int     `json:"pid"`
	CallsToday    int     `json:"calls_today"`
}

// healthClient talks to the local server only: no proxy from the environment,
// no idle connections kept between polls.
var healthClient = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// Probe asks the Freelane server at healthURL for its health, with the access
// token when one is set: the server requires it on every path. A degraded
// server may answer with a non-200 status; any answer that decodes counts,
// and anything else (another program on the port, a refusal) is an error.
// The token never appears in the error.
func Probe(ctx context.Context, healthURL, token string) (Health, error) {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, healthURL, nil)
	if err != nil {
		return Health{}, fmt.Errorf("health check: %w", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return Health{}, fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	var h Health
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil || h.Status == "" {
		return Health{}, fmt.Errorf("health check: %s answered %s without health JSON", healthURL, resp.Status)
	}
	return h, nil
}

// fetchHealth probes the service's own server.
func (o Options) fetchHealth(ctx context.Context) (Health, error) {
	return Probe(ctx, o.HealthURL, o.Token)
}

// checkHealthURL rejects a HealthURL that is no http address, so the mistake
// shows at once rather than as a server that never answers.
func checkHealthURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("service options: HealthURL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("service options: HealthURL %q is not an http URL", raw)
	}
	return nil
}

func (h Health) fill(st *Status) {
	st.Health = h.Status
	st.Version = h.Version
	st.Uptime = time.Duration(h.UptimeSeconds * float64(time.Second))
	st.Addr = h.ListenAddr
	st.CallsToday = h.CallsToday
}
