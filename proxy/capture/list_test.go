package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An old dump, written before the summary fields came first: "stream" and
// "attempts" after the bodies.
const oldLayoutDump = `{
  "id": "old",
  "time": "2026-03-04T10:11:12Z",
  "duration_ms": 900,
  "outcome": "failed",
  "model": "a/b:free",
  "client": {"method": "POST", "path": "/v1/chat/completions", "remote_addr": "127.0.0.1:1"},
  "request": {"model": "auto", "stream": false, "messages": [{"role": "user", "content": "hi"}]},
  "upstream": {"model": "a/b:free", "attempts": [1, 2, 3, 4]},
  "stream": true,
  "attempts": [{"model": "c/d:free", "status": 429}, {"model": "a/b:free", "status": 502}, {"model": "e/f:free", "status": 502}],
  "response": {"status": 502}
}`

func TestDecodeSummaryHead(t *testing.T) {
	at := time.Date(2026, 3, 4, 10, 11, 12, 0, time.UTC)
	tests := []struct {
		name    string
		dump    string
		want    summaryHead
		wantErr bool
	}{
		{name: "summary_first_stops_before_the_bodies",
			// The bodies are cut off: only a read that stops at "client" succeeds.
			dump: `{"id":"x","time":"2026-03-04T10:11:12Z","duration_ms":7,"outcome":"success","model":"a/b:free","stream":true,` +
				`"attempts":[{"model":"a/b:free"}],"client":{"method":"POST"},"request":{"messages":[{"content":"trunc`,
			want: summaryHead{Time: at, DurationMs: 7, Outcome: "success", Model: "a/b:free", Stream: true, Attempts: make([]struct{}, 1)}},
		{name: "no_model_no_attempts",
			dump: `{"id":"x","time":"2026-03-04T10:11:12Z","duration_ms":7,"outcome":"failed","stream":false,"client":{},"request":"trunc`,
			want: summaryHead{Time: at, DurationMs: 7, Outcome: "failed"}},
		{name: "old_layout_read_to_the_end", dump: oldLayoutDump,
			want: summaryHead{Time: at, DurationMs: 900, Outcome: "failed", Model: "a/b:free", Stream: true, Attempts: make([]struct{}, 3)}},
		{name: "old_layout_truncated", dump: oldLayoutDump[:len(oldLayoutDump)/2], wantErr: true},
		{name: "empty_object", dump: `{}`},
		{name: "empty_file", dump: ``, wantErr: true},
		{name: "array", dump: `[1,2]`, wantErr: true},
		{name: "wrong_type", dump: `{"duration_ms":"slow"}`, wantErr: true},
		{name: "not_json", dump: `hello`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeSummaryHead(strings.NewReader(tt.dump))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %t", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if !got.Time.Equal(tt.want.Time) || got.DurationMs != tt.want.DurationMs || got.Outcome != tt.want.Outcome ||
				got.Model != tt.want.Model || got.Stream != tt.want.Stream || len(got.Attempts) != len(tt.want.Attempts) {
				t.Errorf("head = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// writeDump places raw as the dump id in today's folder, modified age ago.
func writeDump(t *testing.T, dir, id, raw string, age time.Duration) string {
	t.Helper()
	day := filepath.Join(dir, time.Now().Format(dayLayout))
	if err := os.MkdirAll(day, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(day, id+".json")
	if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	mod := time.Now().Add(-age)
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestList_OldAndUndecodableDumps(t *testing.T) {
	r, dir := newTestRecorder(t, Limits{})
	writeDump(t, dir, "old", oldLayoutDump, 2*time.Hour)
	brokenPath := writeDump(t, dir, "broken", `{"outcome":"success","stream":tr`, time.Hour)
	saveAged(t, r, "new", time.Minute)

	summaries, err := r.List(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(summaries) != 3 {
		t.Fatalf("List = %+v, want 3 summaries", summaries)
	}
	newest, broken, old := summaries[0], summaries[1], summaries[2]
	if newest.ID != "new" || newest.Model != "model-new" || newest.Attempts != 2 || newest.Outcome != "success" {
		t.Errorf("new dump summary = %+v", newest)
	}
	brokenInfo, err := os.Stat(brokenPath)
	if err != nil {
		t.Fatal(err)
	}
	if broken.ID != "broken" || broken.Outcome != "" || broken.Bytes != brokenInfo.Size() || !broken.Time.Equal(brokenInfo.ModTime()) {
		t.Errorf("undecodable dump summary = %+v, want only id, size and modification time", broken)
	}
	wantTime := time.Date(2026, 3, 4, 10, 11, 12, 0, time.UTC)
	if old.ID != "old" || old.Outcome != "failed" || !old.Stream || old.Attempts != 3 || old.DurationMs != 900 || !old.Time.Equal(wantTime) {
		t.Errorf("old-layout dump summary = %+v", old)
	}
}

func TestList_SavedDumpIsReadOnlyToItsSummary(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	path := saveAged(t, r, "big", time.Minute)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	client := bytes.Index(data, []byte(`"client"`))
	if client < 0 || bytes.Index(data, []byte(`"attempts"`)) > client || bytes.Index(data, []byte(`"stream"`)) > client {
		t.Fatalf("saved dump does not put the summary fields before the client:\n%s", data)
	}
	// Cut the dump inside its bodies: a listing that reads past the summary
	// fields could no longer decode it.
	if err := os.WriteFile(path, data[:client+20], 0o600); err != nil {
		t.Fatal(err)
	}
	summaries, err := r.List(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(summaries) != 1 || summaries[0].Model != "model-big" || summaries[0].Attempts != 2 || summaries[0].Outcome != "success" {
		t.Errorf("List = %+v, want the full summary from the head alone", summaries)
	}
}

func TestList_ReusesSummaryUntilTheFileChanges(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	path := saveAged(t, r, "dump", time.Hour)
	if got := listIDs(t, r, 0); len(got) != 1 {
		t.Fatalf("List = %q, want one dump", got)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	// Same size and modification time: the listing must not read the file
	// again, so a changed content that keeps both goes unseen.
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(original, []byte(`"model-dump"`), []byte(`"other-dump"`), 1)
	if len(changed) != len(original) || bytes.Equal(changed, original) {
		t.Fatal("test edit changed the size or nothing")
	}
	if err := os.WriteFile(path, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	summaries, err := r.List(0)
	if err != nil || len(summaries) != 1 || summaries[0].Model != "model-dump" {
		t.Fatalf("List = %+v, %v; want the remembered summary", summaries, err)
	}

	// A new modification time is a new file.
	later := info.ModTime().Add(time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	summaries, err = r.List(0)
	if err != nil || len(summaries) != 1 || summaries[0].Model != "other-dump" {
		t.Fatalf("List after the file changed = %+v, %v; want it read again", summaries, err)
	}

	// A rotated dump leaves the listing and the remembered summaries.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, r, 0); len(got) != 0 {
		t.Errorf("List after removal = %q, want none", got)
	}
	r.summaryMu.Lock()
	remembered := len(r.summaries)
	r.summaryMu.Unlock()
	if remembered != 0 {
		t.Errorf("%d summaries remembered after every dump was removed", remembered)
	}
}

func TestList_ConcurrentWithSave(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	const saves = 40
	done := make(chan error)
	go func() {
		defer close(done)
		for range saves {
			if err := r.Save(sampleRecord()); err != nil {
				done <- err
				return
			}
		}
	}()
	for listing := true; listing; {
		select {
		case err, ok := <-done:
			if ok {
				t.Fatal(err)
			}
			listing = false
		default:
		}
		summaries, err := r.List(10)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range summaries {
			if s.Outcome != "success" || s.Attempts != 2 {
				t.Fatalf("summary of a dump being saved = %+v", s)
			}
		}
	}
	if got := listIDs(t, r, 0); len(got) != saves {
		t.Errorf("List = %d dumps, want %d", len(got), saves)
	}
}
