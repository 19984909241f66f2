package instance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/freelane/freelane/proxy/internal/atomicfile"
)

// ShowRequestName is the file, next to the instance lock, by which a second
// launch asks the running tray to show itself. A file works the same on
// every system, needs no port (the proxy may be stopped) and no extra
// permission beyond the cache folder both processes already use.
const ShowRequestName = "freelane.show"

// ErrShowUnanswered means no running Freelane took a show request in time:
// it runs headless (serve, or no tray here), which does not watch for them.
var ErrShowUnanswered = errors.New("the running Freelane did not take the request to show itself")

// showPoll is how often AskToShow looks whether its request was taken.
const showPoll = 20 * time.Millisecond

// AskToShow asks the Freelane holding the instance lock of dir to show
// itself, and waits up to wait for it to take the request. Taking a request
// means removing the file, so whichever side removes it decides: after wait
// the request is withdrawn, and if the running one took it just before,
// that still counts as taken.
func AskToShow(ctx context.Context, dir string, wait time.Duration) error {
	path := filepath.Join(dir, ShowRequestName)
	// The content only helps someone reading the folder by hand.
	if err := atomicfile.Write(path, []byte(strconv.Itoa(os.Getpid())+"\n"), atomicfile.Options{}); err != nil {
		return fmt.Errorf("writing the show request: %w", err)
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(showPoll)
	defer tick.Stop()
	for {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		select {
		case <-ctx.Done():
			return withdrawShowRequest(path, ctx.Err())
		case <-deadline.C:
			return withdrawShowRequest(path, ErrShowUnanswered)
		case <-tick.C:
		}
	}
}

// withdrawShowRequest removes an unanswered request so that no later tray
// acts on it, and returns why it was withdrawn, or nil when the running
// Freelane took it first.
func withdrawShowRequest(path string, why error) error {
	err := os.Remove(path)
	switch {
	case err == nil:
		return why
	case errors.Is(err, os.ErrNotExist):
		return nil
	default:
		return fmt.Errorf("withdrawing the show request: %w (after: %w)", err, why)
	}
}

// WatchShowRequests takes the show requests written into dir (the instance
// lock's folder) until ctx is done, and delivers one value on the returned
// channel per request taken; requests that arrive while one is pending
// merge into it. The channel is closed when watching ends. A request
// written before the call, while this Freelane was starting, is taken too.
func WatchShowRequests(ctx context.Context, dir string, log *slog.Logger) (<-chan struct{}, error) {
	watcher, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watching %s for show requests: %w", dir, err)
	}
	// The folder itself, not a parent: a watch on the home folder does not
	// see events inside CACHE_DIR.
	if err := watcher.Add(dir); err != nil {
		watcher.Close()
		return nil, fmt.Errorf("watching %s for show requests: %w", dir, err)
	}
	path := filepath.Join(dir, ShowRequestName)
	requests := make(chan struct{}, 1)
	take := func() {
		err := os.Remove(path)
		switch {
		case err == nil:
			select {
			case requests <- struct{}{}:
			default: // one is already pending
			}
		case !errors.Is(err, os.ErrNotExist):
			log.Warn("taking a show request failed", "file", path, "err", err)
		}
	}
	go func() {
		defer close(requests)
		defer watcher.Close()
		take() // after Add, so a request written in between is not lost
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-watcher.Events:
				if !ok {
					return
				}
				if filepath.Base(ev.Name) == ShowRequestName {
					take()
				}
			case err, ok := <-watcher.Errors:
				if !ok {
					return
				}
				// Events may have been dropped; one may have been a request.
				log.Warn("watching for show requests", "err", err)
				take()
			}
		}
	}()
	return requests, nil
}
