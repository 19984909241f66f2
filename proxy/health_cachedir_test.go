package proxy

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A CACHE_DIR that stops taking writes (full, read-only) shows in /health
// and in the tray's status instead of silently losing the counts.
func TestHealth_ReportsCallsThatCannotBeSaved(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	journal := filepath.Join(p.srv.config().CacheDir, "CALLS_"+time.Now().Format("20060102")+".journal")
	// A folder where the journal goes fails its writes even for root.
	if err := os.MkdirAll(journal, 0o700); err != nil {
		t.Fatal(err)
	}
	if status, _, body := p.post("/v1/chat/completions", helloBody); status != http.StatusOK {
		t.Fatalf("chat: status %d: %s", status, body)
	}
	_, _, body := p.get("/health")
	var h struct {
		Status     string   `json:"status"`
		Problems   []string `json:"problems"`
		StatsError string   `json:"stats_error"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "degraded" || !slices.Contains(h.Problems, "stats_not_saved") || h.StatsError == "" {
		t.Errorf("/health = %s; want degraded with stats_not_saved and the error", body)
	}
	if st := p.srv.Status(); st.Problem != ProblemStatsNotSaved || st.Detail == "" {
		t.Errorf("Status problem %q (%q), want %q with what to do", st.Problem, st.Detail, ProblemStatsNotSaved)
	}
}
