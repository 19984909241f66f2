package sendtimeout

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Release lifts the deadline: what net/http sends after the handler, and
// the next answer on a kept-alive connection, are not cut by it.
func TestRelease_LiftsTheDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := Wrap(rw, time.Nanosecond) // over before net/http sends anything
		defer w.Release()
		_, _ = w.Write([]byte("hello")) // buffered: sent after the handler
	}))
	defer srv.Close()
	for i := range 2 {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "hello" {
			t.Fatalf("call %d: %q, %v", i, body, err)
		}
	}
}

// A flush through http.ResponseController reaches the wrapped writer.
func TestWriter_FlushThroughResponseController(t *testing.T) {
	rec := httptest.NewRecorder()
	w := Wrap(rec, time.Minute)
	_, _ = w.Write([]byte("x"))
	if err := http.NewResponseController(w).Flush(); err != nil {
		t.Fatal(err)
	}
	if !rec.Flushed {
		t.Error("not flushed")
	}
}
