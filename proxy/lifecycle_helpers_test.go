package proxy

import (
	"context"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/config"
)

// runningServer is a Freelane whose Run goroutine the test controls.
type runningServer struct {
	*Server
	stop context.CancelFunc
	done chan struct{}
	err  error // Run's result, once done is closed
}

// runServer builds a Freelane from <home>/.env alone (no process
// environment) with o and runs it until stop or the end of the test. It
// does not listen.
func runServer(t *testing.T, home string, o Options) *runningServer {
	t.Helper()
	if o.Env == nil {
		o.Env = func(string) (string, bool) { return "", false }
	}
	cfg, err := config.LoadWith(home, o.Env)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r := &runningServer{Server: srv, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = srv.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	r.awaitWatching(t)
	return r
}

// awaitWatching waits until Run watches the home folder, so that an edit
// the test saves next is seen (or until Run ended, which the test checks).
func (r *runningServer) awaitWatching(t *testing.T) {
	t.Helper()
	select {
	case <-r.watching:
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not start watching the home folder within 10 s")
	}
}

// wait returns Run's result, failing the test when Run takes longer than
// bound to return.
func (r *runningServer) wait(t *testing.T, bound time.Duration) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(bound):
		t.Fatalf("Run did not return within %v", bound)
		return nil
	}
}
