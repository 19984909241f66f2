package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthTimeout bounds one /health request: the server answers it from memory.
const healthTimeout = 2 * time.Second

// health is the part of the server's /health answer the service reads.
type health struct {
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

// fetchHealth asks the server at url for its health. A degraded server may
// answer with a non-200 status; any answer that decodes counts.
func fetchHealth(ctx context.Context, url string) (health, error) {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return health{}, fmt.Errorf("health check: %w", err)
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return health{}, fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	var h health
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil || h.Status == "" {
		return health{}, fmt.Errorf("health check: %s answered %s without health JSON", url, resp.Status)
	}
	return h, nil
}

func (h health) fill(st *Status) {
	st.Health = h.Status
	st.Version = h.Version
	st.Uptime = time.Duration(h.UptimeSeconds * float64(time.Second))
	st.Addr = h.ListenAddr
	st.CallsToday = h.CallsToday
}
