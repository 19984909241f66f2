// Package sendtimeout bounds how long a client may take to accept each
// write of an answer, as nginx's send_timeout does: a client that stops
// reading (a tool suspended with Ctrl+Z, a hung process) fails the next
// write after the timeout instead of holding its call, and its upstream
// slot, for ever. The timeout is between two successive writes, not for
// the whole answer, so a long stream to a client that reads is never cut.
package sendtimeout

import (
	"net/http"
	"time"
)

// Default is the timeout when none is configured, nginx's default.
const Default = 60 * time.Second

// Writer is an http.ResponseWriter whose every write and flush must be
// accepted by the client within the timeout; then it fails with an error
// wrapping os.ErrDeadlineExceeded. http.NewResponseController finds the
// underlying writer through Unwrap.
type Writer struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

// Wrap returns w with the send timeout. Call Release when the handler ends.
func Wrap(w http.ResponseWriter, timeout time.Duration) *Writer {
	if timeout <= 0 {
		timeout = Default
	}
	return &Writer{ResponseWriter: w, rc: http.NewResponseController(w), timeout: timeout}
}

func (w *Writer) arm() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout)) }

func (w *Writer) Write(p []byte) (int, error) {
	w.arm()
	return w.ResponseWriter.Write(p)
}

// FlushError sends what is buffered; http.ResponseController.Flush calls it.
func (w *Writer) FlushError() error {
	w.arm()
	return w.rc.Flush()
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Release lifts the deadline, so that a kept-alive connection's next
// answer does not inherit it. What net/http still sends after the handler
// (the end of a chunked body) is then unbounded, but holds no slot.
func (w *Writer) Release() { _ = w.rc.SetWriteDeadline(time.Time{}) }
