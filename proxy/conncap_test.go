package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
	"github.com/freelane/freelane/proxy/internal/testpoll"
)

// A client that opens connections and leaves them idle (keep-alive) cannot
// lock others out: past the cap, the oldest idle connection is closed to
// make room, and a new client is still served.
func TestConnCap_IdleConnectionsMakeRoom(t *testing.T) {
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	// One call at a time and none waiting keep the cap low.
	writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nOPENROUTER_API_KEY="+testKey+
		"\nLISTEN_ADDR=127.0.0.1:0\nMAX_CONCURRENT_REQUESTS=1\nMAX_QUEUED_REQUESTS=0\n")
	srv := runServer(t, home, Options{MaxConns: 4})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	maxConns := srv.connLimit()
	if maxConns != 1+connHeadroom {
		t.Fatalf("connection cap %d, want the limiter's 1 call plus %d headroom", maxConns, connHeadroom)
	}

	var idle []net.Conn
	for range 3 * maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := io.WriteString(c, "GET /health HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		idle = append(idle, c) // kept alive, idle
	}

	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get("http://" + addr + "/health")
	if err != nil {
		t.Fatalf("a new client after %d idle connections: %v", len(idle), err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a new client: status %d", resp.StatusCode)
	}
	testpoll.Until(t, 10*time.Second, "the idle connections over the cap to be closed", func() bool {
		open := 0
		for _, c := range idle {
			if !closedByServer(c) {
				open++
			}
		}
		return open <= maxConns
	})
}

// closedByServer reports whether the server closed c: a read ends at once
// with EOF (or a reset) instead of waiting for data that never comes.
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// The cap never refuses a call the limiter would take: with many calls
// allowed in flight and waiting, it rises above MaxConns.
func TestConnLimit_NeverBelowWhatTheLimiterAdmits(t *testing.T) {
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nOPENROUTER_API_KEY="+testKey+
		"\nLISTEN_ADDR=127.0.0.1:0\nMAX_CONCURRENT_REQUESTS=1000\nMAX_QUEUED_REQUESTS=200\n")
	srv := runServer(t, home, Options{MaxConns: 512})
	if got, want := srv.connLimit(), 1000+200+connHeadroom; got != want {
		t.Errorf("connection cap %d, want %d", got, want)
	}
}
