//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// A user of the original Python proxy points Freelane at its folder: the
// same .env keys, DEBUG_MODE.txt beside it, CACHE_DIR=./cache with its
// CALLS files, debug dumps and service files. Freelane must continue its
// counts and keep every one of its files.
func TestBinaryContinuesTheOriginalProxysFolder(t *testing.T) {
	t.Parallel()
	bin := freelaneBinary(t)
	upstream := fakeopenrouter.New(t)
	home := filepath.Join(t.TempDir(), "openrouter proxy")
	cache := filepath.Join(home, "cache")
	addr := freeLoopbackAddr(t)

	now := time.Now()
	today, yesterday := now.Format("20060102"), now.AddDate(0, 0, -1).Format("20060102")
	original := map[string]string{
		".env": "# OpenRouter\r\nOPENROUTER_API_KEY=" + fakeopenrouter.DefaultAPIKey + "\r\n" +
			"CACHE_DIR=./cache\r\nHTTP_PROXY=\r\nMAX_CONCURRENT_REQUESTS=3\r\n" +
			"OPENROUTER_BASE_URL=" + upstream.BaseURL() + "\r\nLISTEN_ADDR=" + addr + "\r\n",
		"DEBUG_MODE.txt": "on\n",
		"cache/CALLS_" + yesterday + ".json": fmt.Sprintf(
			"{\n  \"date\": %q,\n  \"total\": 7,\n  \"success\": 6,\n  \"failed\": 1,\n  \"timeout\": 0,\n  \"retry\": 2,\n  \"last_updated\": \"%s\"\n}",
			yesterday, now.AddDate(0, 0, -1).Format("2006-01-02")+"T21:14:03.520117"),
		"cache/CALLS_" + today + ".json": fmt.Sprintf(
			"{\n  \"date\": %q,\n  \"total\": 10,\n  \"success\": 8,\n  \"failed\": 1,\n  \"timeout\": 1,\n  \"retry\": 3,\n  \"last_updated\": \"%s\"\n}",
			today, now.Format("2006-01-02")+"T00:00:01.000001"),
		"cache/debug/request_" + today + "_081502_1.json":  `{"request": {"model": "x"}}`,
		"cache/debug/" + today + "/response_081502_1.json": `{"response": "hi"}`,
		"cache/daemon.log": "2026-02-16 20:30:45 proxy started\n",
	}
	for name, content := range original {
		path := filepath.Join(home, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Only what a user's shell has: every setting comes from the folder.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	serve := func() *freelaneServe {
		p := startServeEnv(t, bin, home, addr, env)
		p.waitHealthy(t)
		return p
	}
	stop := func(p *freelaneServe) {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := p.exitCode(t); code != 0 {
			t.Fatalf("freelane exited %d after SIGTERM\n%s", code, p.out)
		}
	}

	p := serve()
	var h struct {
		Home       string `json:"home"`
		Debug      bool   `json:"debug"`
		CallsToday int    `json:"calls_today"`
	}
	getJSON(t, "http://"+addr+"/health", &h)
	if h.CallsToday != 10 || !h.Debug || h.Home != home {
		t.Fatalf("/health = %+v, want the original's 10 calls today, debug on (DEBUG_MODE.txt), home %s", h, home)
	}
	if ok, err := chatComplete(t.Context(), addr, false); !ok {
		t.Fatalf("chat call: %v", err)
	}
	if ok, err := chatComplete(t.Context(), addr, true); !ok {
		t.Fatalf("streamed chat call: %v", err)
	}
	stop(p)

	// The counts continued, in the original's format.
	var sum struct {
		Date        string `json:"date"`
		Total       int    `json:"total"`
		Success     int    `json:"success"`
		LastUpdated string `json:"last_updated"`
	}
	getFileJSON(t, filepath.Join(cache, "CALLS_"+today+".json"), &sum)
	if sum.Date != today || sum.Total != 12 || sum.Success != 10 {
		t.Errorf("today's summary = %+v, want 12 calls (10 + 2) dated %s", sum, today)
	}
	if _, err := time.ParseInLocation("2006-01-02T15:04:05.000000", sum.LastUpdated, time.Local); err != nil {
		t.Errorf("last_updated %q is not local time as the original wrote it: %v", sum.LastUpdated, err)
	}
	// Nothing of the original's was renamed, changed or removed.
	for name, content := range original {
		if name == "cache/CALLS_"+today+".json" || name == "cache/daemon.log" {
			continue // today's counts grew; the log is appended to by `start`, not serve
		}
		data, err := os.ReadFile(filepath.Join(home, filepath.FromSlash(name)))
		if err != nil || string(data) != content {
			t.Errorf("%s changed or went missing: %v", name, err)
		}
	}
	corrupt, _ := filepath.Glob(filepath.Join(cache, "*.corrupt"))
	if len(corrupt) != 0 {
		t.Errorf("files set aside as corrupt: %v", corrupt)
	}
	// Debug mode saved the two calls next to the original's dumps.
	captures, _ := filepath.Glob(filepath.Join(cache, "debug", today, "*.json"))
	if len(captures) != 3 {
		t.Errorf("debug folder for today holds %v, want the original's dump and 2 captures", captures)
	}

	// A restart keeps counting from 12.
	p = serve()
	getJSON(t, "http://"+addr+"/health", &h)
	if h.CallsToday != 12 {
		t.Errorf("/health after a restart counts %d calls today, want 12", h.CallsToday)
	}
	stop(p)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func getFileJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, data)
	}
}
