package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// roleFloor is the child role that serves the minimal net/http proxy.
const roleFloor = "floor"

// Floor is the least a Go proxy built on net/http does per call, in its
// own process: read the request body, send it upstream over a pooled
// keep-alive connection with http.Transport, and copy the answer back,
// flushing streams as they arrive. No routing, validation, rewrite,
// statistics or logging: its CPU per call is the floor under Freelane (and
// under any net/http proxy) on the machine measured.
func Floor(ctx context.Context, dir string, u *Upstream) (*Target, error) {
	return startRole(ctx, dir, u, roleFloor)
}

// serveFloor serves the minimal proxy on listen in front of upstream.
func serveFloor(listen, upstream string) error {
	transport := &http.Transport{
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
	}
	copyBuffers := sync.Pool{New: func() any {
		buf := make([]byte, 32<<10)
		return &buf
	}}
	handler := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
		resp, err := transport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		contentType := resp.Header.Get("Content-Type")
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(resp.StatusCode)
		stream := strings.HasPrefix(contentType, "text/event-stream")
		flusher, _ := w.(http.Flusher)
		bufp := copyBuffers.Get().(*[]byte)
		defer copyBuffers.Put(bufp)
		for {
			n, err := resp.Body.Read(*bufp)
			if n > 0 {
				if _, werr := w.Write((*bufp)[:n]); werr != nil {
					return
				}
				if stream && flusher != nil {
					flusher.Flush()
				}
			}
			if err != nil {
				return
			}
		}
	}
	srv := &http.Server{Addr: listen, Handler: http.HandlerFunc(handler), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving the minimal proxy: %w", err)
	}
	return nil
}

// startRole runs this executable again in a child role (see RunChild),
// listening on a free port in front of u, and waits until it answers.
func startRole(ctx context.Context, dir string, u *Upstream, role string) (*Target, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this executable to run the %s child: %w", role, err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := []string{childRoleEnv + "=" + role, childListenEnv + "=" + addr, childUpstreamEnv + "=" + u.URL()}
	c, err := startChild(dir, self, []string{"-test.run=^$"}, env)
	if err != nil {
		return nil, err
	}
	if _, err := waitReady(ctx, c, "http://"+addr+"/api/v1/models", statusOK); err != nil {
		_ = c.stop()
		return nil, err
	}
	return &Target{Name: role, ChatURL: "http://" + addr + ChatPath, pids: []int{c.pid()}, stop: c.stop}, nil
}
