package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/freelane/freelane/proxy/upstream"
)

// TestUnreachable classifies the errors net/http returns for a call that
// never reached OpenRouter, and for calls that did. The dial timeout is
// built by hand: no address times out deterministically.
func TestUnreachable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	transport := func(kind upstream.Kind, err error) *upstream.Error {
		// As upstream.Client wraps a failed Do: *url.Error around the cause.
		return &upstream.Error{Status: http.StatusBadGateway, Kind: kind, Message: err.Error(),
			Err: fmt.Errorf("POST chat/completions: %w", err)}
	}
	tests := []struct {
		name string
		err  *upstream.Error
		want bool
	}{
		{"no_error", nil, false},
		{"connection_refused", transport(upstream.KindNetwork, refused), true},
		{"dial_timeout", transport(upstream.KindTimeout, dialTimeout), true},
		{"proxy_refused", transport(upstream.KindNetwork, &net.OpError{Op: "proxyconnect", Net: "tcp", Err: refused}), true},
		{"proxy_dial_timeout", transport(upstream.KindTimeout, &net.OpError{Op: "proxyconnect", Net: "tcp", Err: dialTimeout}), true},
		{"name_not_resolved", transport(upstream.KindNetwork, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "openrouter.ai", IsNotFound: true}}), true},
		{"reset_while_reading", transport(upstream.KindNetwork, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), false},
		{"read_timeout", transport(upstream.KindTimeout, &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), false},
		{"request_timeout", transport(upstream.KindTimeout, context.DeadlineExceeded), false},
		{"model_busy", &upstream.Error{Status: http.StatusServiceUnavailable, Kind: upstream.KindModelBusy, Message: "busy"}, false},
		{"stalled", asUpstreamError(stalledContext(t), errors.New("stalled")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unreachable(tt.err); got != tt.want {
				t.Errorf("unreachable = %v, want %v", got, tt.want)
			}
		})
	}
}

// stalledContext is a context the stall watchdog has cancelled.
func stalledContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(errStalled)
	return ctx
}
