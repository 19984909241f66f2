package instance

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// showWait bounds each wait in these tests; a taken request never needs it.
const showWait = 10 * time.Second

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func receiveShow(t *testing.T, requests <-chan struct{}) {
	t.Helper()
	select {
	case _, ok := <-requests:
		if !ok {
			t.Fatal("the request channel closed instead of delivering")
		}
	case <-time.After(showWait):
		t.Fatal("no show request delivered")
	}
}

func TestAskToShow_TakenByTheWatcher(t *testing.T) {
	dir := t.TempDir()
	requests, err := WatchShowRequests(t.Context(), dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // a second launch later asks again
		if err := AskToShow(t.Context(), dir, showWait); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		receiveShow(t, requests)
	}
	if _, err := os.Stat(filepath.Join(dir, ShowRequestName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the request file is left behind: %v", err)
	}
}

func TestAskToShow_NobodyWatching(t *testing.T) {
	dir := t.TempDir()
	err := AskToShow(t.Context(), dir, 50*time.Millisecond)
	if !errors.Is(err, ErrShowUnanswered) {
		t.Fatalf("AskToShow = %v, want ErrShowUnanswered", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ShowRequestName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the unanswered request was not withdrawn: %v", err)
	}
}

func TestAskToShow_Canceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := AskToShow(ctx, t.TempDir(), showWait); !errors.Is(err, context.Canceled) {
		t.Fatalf("AskToShow = %v, want context.Canceled", err)
	}
}

// A launch that asked while the tray was still starting is answered once
// the tray watches.
func TestWatchShowRequests_TakesAnEarlierRequest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ShowRequestName)
	if err := os.WriteFile(path, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	requests, err := WatchShowRequests(t.Context(), dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	receiveShow(t, requests)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the request was not taken: %v", err)
	}
}

func TestWatchShowRequests_ClosesWhenDone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	requests, err := WatchShowRequests(ctx, t.TempDir(), discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-requests:
		if ok {
			t.Fatal("a request was delivered although none was made")
		}
	case <-time.After(showWait):
		t.Fatal("the channel stayed open after ctx was done")
	}
}

func TestWatchShowRequests_MissingFolder(t *testing.T) {
	if _, err := WatchShowRequests(t.Context(), filepath.Join(t.TempDir(), "absent"), discardLogger()); err == nil {
		t.Fatal("watching a missing folder succeeded")
	}
}
