package capture

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

func TestRotate_BySize(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	var size int64
	for i := range 5 {
		size = fileSize(t, saveAged(t, r, fmt.Sprint("dump", i), time.Duration(5-i)*time.Minute))
	}
	// Room for the two newest dumps (all dumps are the same size).
	r.SetLimits(Limits{MaxBytes: 2*size + size/2})
	if err := r.Rotate(); err != nil {
		t.Fatal(err)
	}
	if got, want := listIDs(t, r, 0), []string{"dump4", "dump3"}; !slices.Equal(got, want) {
		t.Errorf("after rotation = %q, want %q", got, want)
	}
	if _, total, _ := r.Usage(); total > 2*size+size/2 {
		t.Errorf("total %d exceeds the limit", total)
	}
}

func TestRotate_ByAgeRemovesEmptyDayFolders(t *testing.T) {
	r, dir := newTestRecorder(t, Limits{MaxAge: 48 * time.Hour})
	oldPath := saveAged(t, r, "ancient", 10*24*time.Hour)
	saveAged(t, r, "old", 3*24*time.Hour)
	saveAged(t, r, "fresh", time.Hour)
	// Something that is not a dump, in the dump folder: never touched.
	foreign := filepath.Join(dir, "keep.txt")
	if err := os.WriteFile(foreign, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	oldMod := time.Now().Add(-10 * 24 * time.Hour)
	if err := os.Chtimes(foreign, oldMod, oldMod); err != nil {
		t.Fatal(err)
	}

	if err := r.Rotate(); err != nil {
		t.Fatal(err)
	}
	if got, want := listIDs(t, r, 0), []string{"fresh"}; !slices.Equal(got, want) {
		t.Errorf("after rotation = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Dir(oldPath)); !os.IsNotExist(err) {
		t.Errorf("empty day folder %s kept (stat: %v)", filepath.Dir(oldPath), err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("rotation removed a file that is not a dump: %v", err)
	}
}

func TestRotate_RemovesStaleTemporaryFiles(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	path := saveAged(t, r, "kept", time.Minute)
	stale := filepath.Join(filepath.Dir(path), tempPrefix+"123")
	recent := filepath.Join(filepath.Dir(path), tempPrefix+"456")
	for _, p := range []string{stale, recent} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if err := r.Rotate(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("in-progress temporary file removed: %v", err)
	}
}

func TestSave_RotatesInBackground(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	r.rotateInterval = 50 * time.Millisecond
	size := fileSize(t, saveAged(t, r, "probe", time.Hour))
	r.SetLimits(Limits{MaxBytes: 3 * size})
	for i := range 10 {
		rec := sampleRecord()
		rec.ID = fmt.Sprint("burst", i)
		rec.Time = time.Now()
		if err := r.Save(rec); err != nil {
			t.Fatal(err)
		}
	}
	// Rotation is throttled; poll until it has caught up.
	const wait = 5 * time.Second
	deadline := time.Now().Add(wait)
	for {
		files, total, err := r.Usage()
		if err != nil {
			t.Fatal(err)
		}
		if total <= 3*size {
			if files < 1 {
				t.Errorf("rotation removed everything")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d files, %d bytes after %v; limit %d", files, total, wait, 3*size)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ids := listIDs(t, r, 0); slices.Contains(ids, "probe") {
		t.Errorf("oldest dump survived rotation: %q", ids)
	}
}

func TestRotation_ScheduledAtMostOncePerInterval(t *testing.T) {
	r, _ := newTestRecorder(t, Limits{})
	r.rotateInterval = time.Hour
	r.mu.Lock()
	r.lastRotation = time.Now() // as if a scan just ran
	r.mu.Unlock()

	for i := range 5 {
		rec := sampleRecord()
		rec.ID = fmt.Sprint("id", i)
		if err := r.Save(rec); err != nil {
			t.Fatal(err)
		}
	}
	r.mu.Lock()
	pending := r.rotationPending
	r.mu.Unlock()
	if !pending {
		t.Error("no rotation scheduled after saves")
	}
	// Close must cancel the hour-long wait rather than block on it.
	done := make(chan struct{})
	go func() { r.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the scheduled rotation")
	}
}
