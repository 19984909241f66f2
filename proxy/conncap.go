package proxy

import (
	"net"
	"net/http"
	"sync"
)

// defaultMaxConns caps open client connections, well under the 1024 file
// descriptors many systems give a process: past that, accept fails and
// every client is locked out.
const defaultMaxConns = 512

// connHeadroom is room above the calls the limiter admits, for the
// dashboard, /health and clients between calls.
const connHeadroom = 16

// connLimit is the cap on open client connections: Options.MaxConns, but
// never below what the limiter admits (calls in flight and waiting) plus
// headroom, so the cap refuses no call the limiter would take, whatever
// MAX_CONCURRENT_REQUESTS and MAX_QUEUED_REQUESTS say now.
func (s *Server) connLimit() int {
	n := s.opts.MaxConns
	if n <= 0 {
		n = defaultMaxConns
	}
	cfg := s.config()
	return max(n, cfg.MaxConcurrent+cfg.MaxQueued+connHeadroom)
}

// connCap keeps at most max client connections open. A connection over the
// cap makes room by closing the oldest one that is idle (a kept-alive
// connection between requests) or has not sent a request yet; when every
// connection is busy with a call, the newcomer is closed instead. So idle
// connections, however many a client opens, cannot lock others out.
// It is an http.Server's ConnState hook.
type connCap struct {
	limit func() int // read when a connection arrives: settings reload

	mu sync.Mutex
	// idle holds the connections that may be closed, oldest first; busy
	// the ones serving a request.
	idle []net.Conn
	busy map[net.Conn]bool
}

func newConnCap(limit func() int) *connCap {
	return &connCap{limit: limit, busy: map[net.Conn]bool{}}
}

func (c *connCap) track(conn net.Conn, state http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forget(conn)
	switch state {
	case http.StateNew:
		if len(c.idle)+len(c.busy) >= c.limit() {
			if len(c.idle) == 0 {
				conn.Close() // every connection is serving a call
				return
			}
			c.idle[0].Close() // its server goroutine reports StateClosed
			c.idle = c.idle[1:]
		}
		c.idle = append(c.idle, conn)
	case http.StateIdle:
		c.idle = append(c.idle, conn)
	case http.StateActive:
		c.busy[conn] = true
	}
	// StateHijacked and StateClosed: no longer ours to count.
}

// forget drops conn from both sets.
func (c *connCap) forget(conn net.Conn) {
	delete(c.busy, conn)
	for i, idle := range c.idle {
		if idle == conn {
			c.idle = append(c.idle[:i], c.idle[i+1:]...)
			return
		}
	}
}
