package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// sseRetryMs tells EventSource how long to wait before reconnecting.
const sseRetryMs = 2000

// serveEvents streams a "change" event each time the Source reports a state
// change, so the page refreshes within a second of a call instead of polling.
// Comment lines keep the connection alive while nothing happens.
func (h *handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The server's WriteTimeout is meant for ordinary responses; this one
	// lasts as long as the page is open.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		h.log.Debug("clearing write deadline for dashboard events", "err", err)
	}

	changes, unsubscribe := h.src.Subscribe()
	defer unsubscribe()

	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if !h.sendEvent(w, rc, fmt.Sprintf("retry: %d\n: connected\n\n", sseRetryMs)) {
		return
	}

	keepAlive := time.NewTicker(h.keepAlive)
	defer keepAlive.Stop()
	var seq uint64
	for {
		select {
		case <-r.Context().Done():
			return
		case _, ok := <-changes:
			if !ok {
				return
			}
			seq++
			if !h.sendEvent(w, rc, fmt.Sprintf("id: %d\nevent: change\ndata: {}\n\n", seq)) {
				return
			}
			keepAlive.Reset(h.keepAlive)
		case <-keepAlive.C:
			if !h.sendEvent(w, rc, ": keep-alive\n\n") {
				return
			}
		}
	}
}

// sendEvent writes and flushes one frame; false means the client is gone.
func (h *handler) sendEvent(w http.ResponseWriter, rc *http.ResponseController, frame string) bool {
	if _, err := fmt.Fprint(w, frame); err != nil {
		return false
	}
	if err := rc.Flush(); err != nil {
		h.log.Debug("flushing dashboard events", "err", err)
		return false
	}
	return true
}
