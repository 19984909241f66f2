package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// saveAged saves a record and sets its file's modification time age ago.
func saveAged(t *testing.T, r *Recorder, id string, age time.Duration) string {
	t.Helper()
	rec := sampleRecord()
	rec.ID = id
	rec.Model = "model-" + id
	rec.Time = time.Now().Add(-age)
	if err := r.Save(rec); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(r.dir, rec.Time.Format(dayLayout), id+".json")
	mod := time.Now().Add(-age)
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
	return path
}

func listIDs(t *testing.T, r *Recorder, limit int) []string {
	t.Helper()
	summaries, err := r.List(limit)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range summaries {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestList_NewestFirst(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	saveAged(t, r, "old", 3*time.Hour)
	saveAged(t, r, "newest", time.Minute)
	saveAged(t, r, "middle", 2*time.Hour)

	if got, want := listIDs(t, r, 0), []string{"newest", "middle", "old"}; !slices.Equal(got, want) {
		t.Errorf("List(0) = %q, want %q", got, want)
	}
	if got, want := listIDs(t, r, 2), []string{"newest", "middle"}; !slices.Equal(got, want) {
		t.Errorf("List(2) = %q, want %q", got, want)
	}

	summaries, err := r.List(1)
	if err != nil {
		t.Fatal(err)
	}
	s := summaries[0]
	if s.Model != "model-newest" || s.Outcome != "success" || s.Attempts != 2 || s.DurationMs != 1234 || s.Bytes <= 0 || s.Time.IsZero() {
		t.Errorf("summary = %+v", s)
	}
}

func TestList_EmptyFolder(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	summaries, err := r.List(10)
	if err != nil || len(summaries) != 0 {
		t.Errorf("List on a missing folder = %v, %v; want empty, nil", summaries, err)
	}
}

func TestGet(t *testing.T) {
	r, dir := newTestRecorder(t, Limits{})
	path := saveAged(t, r, "known", time.Minute)
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}

	got, err := r.Get("known")
	if err != nil || string(got) != string(want) {
		t.Errorf("Get(known) = %d bytes, %v; want the saved file", len(got), err)
	}

	for _, id := range []string{"", "../x", "..", "/etc/passwd", `C:\x`, "a/b", `a\b`, "known.json", ".hidden", "*", "../secret"} {
		if _, err := r.Get(id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Get(%q) error = %v, want ErrInvalidID", id, err)
		}
	}
	if _, err := r.Get(filepath.Join(dir, "known")); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Get(absolute path) error = %v, want ErrInvalidID", err)
	}
	if _, err := r.Get("missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get(missing) error = %v, want fs.ErrNotExist", err)
	}
}

func TestUsage(t *testing.T) {
	r, dir := newTestRecorder(t, Limits{})
	if n, size, err := r.Usage(); n != 0 || size != 0 || err != nil {
		t.Errorf("Usage of an empty folder = %d, %d, %v", n, size, err)
	}
	var want int64
	for i := range 3 {
		info, err := os.Stat(saveAged(t, r, fmt.Sprint("id", i), time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want += info.Size()
	}
	// Files that are not dumps do not count.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	n, size, err := r.Usage()
	if err != nil || n != 3 || size != want {
		t.Errorf("Usage = %d, %d, %v; want 3, %d, nil", n, size, err, want)
	}
}
