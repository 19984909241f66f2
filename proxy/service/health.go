package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
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

// fetchHealth asks the server at HealthURL for its health, with the access
// token when one is set: the server requires it on every path. A degraded
// server may answer with a non-200 status; any answer that decodes counts.
func (o Options) fetchHealth(ctx context.Context) (health, error) {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.HealthURL, nil)
	if err != nil {
		return health{}, fmt.Errorf("health check: %w", err)
	}
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return health{}, fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	var h health
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil || h.Status == "" {
		return health{}, fmt.Errorf("health check: %s answered %s without health JSON", o.HealthURL, resp.Status)
	}
	return h, nil
}

// localHealthURL points a health URL built from a listen address at loopback
// when the address is a wildcard (":5000", "0.0.0.0:5000", "[::]:5000"): an
// empty or unspecified host is no place to connect to, and the server's Host
// check refuses it.
func localHealthURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("service options: HealthURL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("service options: HealthURL %q is not an http URL", raw)
	}
	host, port := u.Hostname(), u.Port()
	switch ip := net.ParseIP(host); {
	case host == "" || (ip != nil && ip.IsUnspecified() && ip.To4() != nil):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	default:
		return raw, nil
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u.Host = host
	return u.String(), nil
}

func (h health) fill(st *Status) {
	st.Health = h.Status
	st.Version = h.Version
	st.Uptime = time.Duration(h.UptimeSeconds * float64(time.Second))
	st.Addr = h.ListenAddr
	st.CallsToday = h.CallsToday
}
