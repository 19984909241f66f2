package proxy

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// With debug mode off nothing is saved, so only the housekeeping tick ages
// out old dumps.
func TestHousekeeping_AgesOutOldDumpsOnEveryTick(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"DEBUG_MAX_DAYS": "1"})
	tick := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.srv.housekeeping(t.Context(), tick)
	}()
	t.Cleanup(func() { <-done })
	// Each send returns once housekeeping takes the tick, so after the
	// first the start-up trim is over, and after the third the second
	// tick's trim is.
	tick <- time.Now()

	dayDir := filepath.Join(p.srv.config().DebugDir(), "20200101")
	if err := os.MkdirAll(dayDir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dayDir, "20200101-000000-0123456789ab.json")
	if err := os.WriteFile(old, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	longAgo := time.Now().Add(-30 * 24 * time.Hour)
	if err := os.Chtimes(old, longAgo, longAgo); err != nil {
		t.Fatal(err)
	}
	tick <- time.Now()
	tick <- time.Now()
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a 30-day-old dump survived the tick with DEBUG_MAX_DAYS=1: %v", err)
	}
}
