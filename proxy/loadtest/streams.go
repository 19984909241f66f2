package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// streamsTimeout bounds how long the open streams may take to start and,
// once released, to finish.
const streamsTimeout = time.Minute

// StreamResult is the memory Freelane holds for many open, slow streams.
type StreamResult struct {
	Streams int
	// RSS of the Freelane process before the streams and while all are
	// open; zero when Freelane runs in the harness.
	RSSBefore, RSSOpen int64
}

// PerStream is the resident memory each open stream costs.
func (r StreamResult) PerStream() int64 {
	if r.Streams == 0 || r.RSSOpen == 0 {
		return 0
	}
	return (r.RSSOpen - r.RSSBefore) / int64(r.Streams)
}

// measureStreams opens n streams through t that the upstream pauses after
// their first content delta, reads t's memory once every client has that
// delta, then lets them all finish.
func measureStreams(ctx context.Context, up *Upstream, t *Target, n int) (*StreamResult, error) {
	ctx, cancel := context.WithTimeout(ctx, streamsTimeout)
	defer cancel()
	res := &StreamResult{Streams: n}
	var err error
	if len(t.pids) > 0 {
		if res.RSSBefore, err = processRSS(t.pids...); err != nil {
			return nil, err
		}
	}
	client := newClient(n)
	defer client.CloseIdleConnections()
	release := up.Hold()
	defer release()

	started := make(chan struct{}, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- openSlowStream(ctx, client, t.ChatURL, started) })
	}
	for got := 0; got < n; got++ {
		select {
		case <-started:
		case err := <-errs:
			if err == nil {
				err = errors.New("it ended while the upstream held it")
			}
			cancel()
			wg.Wait()
			return nil, fmt.Errorf("a stream failed before its first byte: %w", err)
		case <-ctx.Done():
			wg.Wait()
			return nil, fmt.Errorf("only %d of %d streams started within %s", got, n, streamsTimeout)
		}
	}
	if len(t.pids) > 0 {
		if res.RSSOpen, err = processRSS(t.pids...); err != nil {
			return nil, err
		}
	}
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// openSlowStream makes one streaming call, signals started at its first
// data event and reads it to the end.
func openSlowStream(ctx context.Context, client *http.Client, url string, started chan<- struct{}) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(streamBody))
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("calling %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	r := bufio.NewReader(resp.Body)
	signalled, sawDone := false, false
	for {
		line, err := r.ReadSlice('\n')
		if !signalled && bytes.HasPrefix(line, dataPrefix) {
			signalled = true
			started <- struct{}{}
		}
		sawDone = sawDone || bytes.HasPrefix(line, doneEvent)
		if errors.Is(err, io.EOF) {
			if !sawDone {
				return errors.New("a slow stream ended without [DONE]")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading a slow stream: %w", err)
		}
	}
}
