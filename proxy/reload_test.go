package proxy

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/freelane/freelane/proxy/fakeopenrouter"
)

// writeEnv saves .env the way editors do: a temp file renamed over it.
func writeEnv(t *testing.T, home, content string) {
	t.Helper()
	tmp := filepath.Join(home, ".env.tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(home, ".env")); err != nil {
		t.Fatal(err)
	}
}

func TestReload_EnvEditsApplyWithoutRestart(t *testing.T) {
	fake := fakeopenrouter.New(t)
	home := t.TempDir()
	writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nLISTEN_ADDR=127.0.0.1:0\n")
	srv := runProxyFromHome(t, home)
	post := func() int {
		resp, err := http.Post("http://"+srv.Addr()+"/v1/chat/completions", "application/json", stringsReader(helloBody))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := post(); status != http.StatusUnauthorized {
		t.Fatalf("without a key: %d", status)
	}

	// Add the key and raise the cap: the next request sees both.
	writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nLISTEN_ADDR=127.0.0.1:0\nOPENROUTER_API_KEY="+testKey+"\nMAX_CONCURRENT_REQUESTS=7\n")
	eventually(t, "the key to be picked up", func() bool { return srv.config().APIKey == testKey })
	if limit, _, _ := srv.limiter.Snapshot(); limit != 7 {
		t.Errorf("limit = %d, want 7", limit)
	}
	if status := post(); status != http.StatusOK {
		t.Fatalf("after adding the key: %d", status)
	}

	// An invalid value keeps the last good configuration.
	writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nOPENROUTER_API_KEY="+testKey+"\nMAX_CONCURRENT_REQUESTS=lots\n")
	writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nOPENROUTER_API_KEY="+testKey+"\nMAX_CONCURRENT_REQUESTS=lots\nPREFERRED_MODELS=x\n")
	if status := post(); status != http.StatusOK {
		t.Fatalf("after an invalid edit: %d", status)
	}
	if limit, _, _ := srv.limiter.Snapshot(); limit != 7 {
		t.Errorf("limit = %d after an invalid edit, want the last good 7", limit)
	}

	// A changed LISTEN_ADDR rebinds.
	old := srv.Addr()
	writeEnv(t, home, "OPENROUTER_BASE_URL="+fake.BaseURL()+"\nOPENROUTER_API_KEY="+testKey+"\nLISTEN_ADDR=127.0.0.2:0\n")
	eventually(t, "the new listen address", func() bool { a := srv.Addr(); return a != old && a != "" })
	if status := post(); status != http.StatusOK {
		t.Fatalf("on the new address: %d", status)
	}
	if _, err := http.Get("http://" + old + "/health"); err == nil {
		t.Error("the old address still answers")
	}

	// Debug mode follows DEBUG_MODE.txt.
	if err := os.WriteFile(filepath.Join(home, "DEBUG_MODE.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, "debug mode on", srv.Debug)
	if err := os.Remove(filepath.Join(home, "DEBUG_MODE.txt")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "debug mode off", func() bool { return !srv.Debug() })
}
