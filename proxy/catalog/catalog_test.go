package catalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/internal/testclock"
)

// fakeClock is a settable clock shared by the catalog and the test.
type fakeClock = testclock.Clock

func newFakeClock() *fakeClock {
	return testclock.New(time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC))
}

// fakeUpstream serves scripted /models answers and counts fetches.
type fakeUpstream struct {
	mu      sync.Mutex
	body    []byte
	err     error
	fetches atomic.Int32
}

func (u *fakeUpstream) set(body []byte, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.body, u.err = body, err
}

func (u *fakeUpstream) fetch(context.Context) ([]byte, error) {
	u.fetches.Add(1)
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.body, u.err
}

func newTestCatalog(t *testing.T, up *fakeUpstream, clock *fakeClock) (*Catalog, string) {
	t.Helper()
	cacheFile := filepath.Join(t.TempDir(), "cache", "models.json")
	return New(up.fetch, cacheFile, nil, clock.Now), cacheFile
}

// refreshedCatalog is a catalog that has read the models.json fixture once,
// with its cache file, its upstream and its clock.
func refreshedCatalog(t *testing.T) (*Catalog, string, *fakeUpstream, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	up := &fakeUpstream{}
	up.set(readFixture(t, "models.json"), nil)
	cat, cacheFile := newTestCatalog(t, up, clock)
	if err := cat.Refresh(t.Context()); err != nil {
		t.Fatalf("first Refresh: %v", err)
	}
	return cat, cacheFile, up, clock
}

func modelIDs(models []Model) []string {
	ids := make([]string, len(models))
	for i, m := range models {
		ids[i] = m.ID
	}
	return ids
}

func TestCatalog_StartsEmpty(t *testing.T) {
	t.Parallel()
	cat, _ := newTestCatalog(t, &fakeUpstream{}, newFakeClock())
	if n := len(cat.Models()); n != 0 {
		t.Errorf("Models() has %d entries, want 0", n)
	}
	if _, ok := cat.Lookup("deepseek/deepseek-r1:free"); ok {
		t.Error("Lookup found a model in an empty catalog")
	}
	if info := cat.Info(); info.Source != SourceNone || info.Count != 0 {
		t.Errorf("Info() = %+v, want source %q and no models", info, SourceNone)
	}
}

func TestCatalog_RefreshSwapsAndCaches(t *testing.T) {
	t.Parallel()
	cat, cacheFile, _, clock := refreshedCatalog(t)
	if got := len(cat.Models()); got != 4 {
		t.Fatalf("Models() has %d entries, want 4", got)
	}
	m, ok := cat.Lookup("qwen/qwen3-vl-235b-a22b-thinking:free")
	if !ok || !m.Vision || !m.Tools {
		t.Errorf("Lookup(qwen) = %+v, %v; want a vision and tools model", m, ok)
	}
	if _, ok := cat.Lookup("meta-llama/llama-3.3-70b-instruct"); ok {
		t.Error("Lookup found the paid twin")
	}
	want := Info{Count: 4, FetchedAt: clock.Now(), Source: SourceUpstream, LastAttempt: clock.Now()}
	if got := cat.Info(); got != want {
		t.Errorf("Info() = %+v, want %+v", got, want)
	}

	st, err := os.Stat(cacheFile)
	if err != nil {
		t.Fatalf("cache not written: %v", err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("cache mode = %v, want 0600", perm)
	}
	leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(cacheFile), "*.tmp"))
	if err != nil || len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v (%v)", leftovers, err)
	}
}

func TestCatalog_CacheRoundTrip(t *testing.T) {
	t.Parallel()
	writer, cacheFile, up, clock := refreshedCatalog(t)

	clock.Advance(time.Hour)
	reader := New(up.fetch, cacheFile, nil, clock.Now)
	if err := reader.LoadCache(); err != nil {
		t.Fatalf("LoadCache: %v", err)
	}
	if !reflect.DeepEqual(reader.Models(), writer.Models()) {
		t.Errorf("cached models differ\n got: %+v\nwant: %+v", reader.Models(), writer.Models())
	}
	info := reader.Info()
	if info.Source != SourceCache || !info.FetchedAt.Equal(writer.Info().FetchedAt) || info.Count != 4 {
		t.Errorf("Info() after LoadCache = %+v, want 4 models from cache fetched at %v", info, writer.Info().FetchedAt)
	}
	if got := up.fetches.Load(); got != 1 {
		t.Errorf("LoadCache fetched upstream: %d fetches, want 1", got)
	}
}

func TestCatalog_LoadCacheMissingFileIsNotAnError(t *testing.T) {
	t.Parallel()
	cat, _ := newTestCatalog(t, &fakeUpstream{}, newFakeClock())
	if err := cat.LoadCache(); err != nil {
		t.Errorf("LoadCache without a file: %v", err)
	}
	if info := cat.Info(); info.Source != SourceNone || info.LastError != "" {
		t.Errorf("Info() = %+v, want an untouched empty catalog", info)
	}
}

func TestCatalog_LoadCacheRejectsBadFiles(t *testing.T) {
	t.Parallel()
	valid := `{"version":1,"fetched_at":"2026-09-30T11:00:00Z","models":[{"id":"a/b:free","name":"B"},{"id":"c/d:free","name":"D"}]}`
	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{"half_written", valid[:len(valid)/2], "decoding"},
		{"empty_file", "", "decoding"},
		{"not_json", "<html>", "decoding"},
		{"old_version", strings.Replace(valid, `"version":1`, `"version":0`, 1), "cache version"},
		{"no_fetch_time", strings.Replace(valid, `"fetched_at":"2026-09-30T11:00:00Z",`, "", 1), "no fetch time"},
		{"no_models", `{"version":1,"fetched_at":"2026-09-30T11:00:00Z","models":[]}`, "lists no models"},
		{"paid_model", strings.Replace(valid, `c/d:free`, `openai/gpt-4o`, 1), "not a free model id"},
		{"router", strings.Replace(valid, `c/d:free`, `openrouter/free`, 1), "not a free model id"},
		{"unsorted", strings.Replace(valid, `c/d:free`, `a/a:free`, 1), "not sorted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cat, cacheFile := newTestCatalog(t, &fakeUpstream{}, newFakeClock())
			if err := os.MkdirAll(filepath.Dir(cacheFile), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cacheFile, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := cat.LoadCache()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadCache error = %v, want one containing %q", err, tt.wantErr)
			}
			if n := len(cat.Models()); n != 0 {
				t.Errorf("catalog has %d models after a bad cache, want 0", n)
			}
			if info := cat.Info(); info.Source != SourceNone || info.LastError == "" {
				t.Errorf("Info() = %+v, want an empty catalog with the error recorded", info)
			}
		})
	}
}

func TestCatalog_LoadCacheDoesNotReplaceNewerList(t *testing.T) {
	t.Parallel()
	cat, cacheFile, _, _ := refreshedCatalog(t)
	stale := `{"version":1,"fetched_at":"2026-09-29T11:00:00Z","models":[{"id":"old/model:free","name":"Old"}]}`
	if err := os.WriteFile(cacheFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cat.LoadCache(); err != nil {
		t.Fatalf("LoadCache: %v", err)
	}
	if _, ok := cat.Lookup("old/model:free"); ok {
		t.Error("an older cache replaced the refreshed list")
	}
	if got := cat.Info().Source; got != SourceUpstream {
		t.Errorf("Source = %q, want %q", got, SourceUpstream)
	}
}

func TestCatalog_RefreshFailureKeepsOldList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		err     error
		wantErr string
	}{
		{name: "fetch_error", err: errors.New("connection refused"), wantErr: "connection refused"},
		{name: "invalid_json", body: `{"data":`, wantErr: "decoding model list"},
		{name: "no_free_models", body: `{"data":[{"id":"openai/gpt-4o","pricing":{"prompt":"0.0000025","completion":"0.00001"}}]}`, wantErr: "no free models"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cat, cacheFile, up, clock := refreshedCatalog(t)
			before := cat.Models()
			fetchedAt := clock.Now()
			cached, err := os.ReadFile(cacheFile)
			if err != nil {
				t.Fatal(err)
			}

			clock.Advance(time.Minute)
			up.set([]byte(tt.body), tt.err)
			err = cat.Refresh(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Refresh error = %v, want one containing %q", err, tt.wantErr)
			}
			if !reflect.DeepEqual(modelIDs(cat.Models()), modelIDs(before)) {
				t.Errorf("models changed after a failed refresh: %v", modelIDs(cat.Models()))
			}
			info := cat.Info()
			if !info.FetchedAt.Equal(fetchedAt) || !info.LastAttempt.Equal(clock.Now()) ||
				!strings.Contains(info.LastError, tt.wantErr) || info.Source != SourceUpstream {
				t.Errorf("Info() = %+v, want the old list, the new attempt time and the error", info)
			}
			after, err := os.ReadFile(cacheFile)
			if err != nil || string(after) != string(cached) {
				t.Errorf("cache file changed after a failed refresh (%v)", err)
			}

			up.set(readFixture(t, "models.json"), nil)
			if err := cat.Refresh(t.Context()); err != nil {
				t.Fatalf("recovering Refresh: %v", err)
			}
			if info := cat.Info(); info.LastError != "" {
				t.Errorf("LastError = %q after a clean refresh, want it cleared", info.LastError)
			}
		})
	}
}

func TestCatalog_RefreshRecordsCacheWriteFailure(t *testing.T) {
	t.Parallel()
	up := &fakeUpstream{}
	up.set(readFixture(t, "models.json"), nil)
	// The cache "directory" is a regular file, so the cache cannot be written.
	blocker := filepath.Join(t.TempDir(), "blocker")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cat := New(up.fetch, filepath.Join(blocker, "models.json"), nil, newFakeClock().Now)

	if err := cat.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	info := cat.Info()
	if info.Count != 4 || !strings.Contains(info.LastError, "writing catalog cache") {
		t.Errorf("Info() = %+v, want the new list and the cache error", info)
	}
}

func TestCatalog_ConcurrentReadsDuringRefresh(t *testing.T) {
	t.Parallel()
	up := &fakeUpstream{}
	up.set(readFixture(t, "models.json"), nil)
	cat, _ := newTestCatalog(t, up, newFakeClock())

	ctx, cancel := context.WithCancel(t.Context())
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for ctx.Err() == nil {
				models := cat.Models()
				for _, m := range models {
					if got, ok := cat.Lookup(m.ID); ok && got.ID != m.ID {
						t.Errorf("Lookup(%q) returned %q", m.ID, got.ID)
					}
				}
				if n := len(models); n != 0 && n != 4 {
					t.Errorf("Models() has %d entries, want 0 or 4", n)
				}
			}
		})
	}
	for range 20 {
		if err := cat.Refresh(t.Context()); err != nil {
			t.Errorf("Refresh: %v", err)
		}
	}
	cancel()
	readers.Wait()
}

func BenchmarkCatalog_Lookup(b *testing.B) {
	up := &fakeUpstream{}
	up.set(readFixture(b, "models.json"), nil)
	cat := New(up.fetch, filepath.Join(b.TempDir(), "models.json"), nil, nil)
	if err := cat.Refresh(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := cat.Lookup("meta-llama/llama-3.3-70b-instruct:free"); !ok {
			b.Fatal("model not found")
		}
	}
}
