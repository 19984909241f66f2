package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleTempAge is how old a leftover temporary file (from a crash mid-save)
// must be before rotation deletes it.
const staleTempAge = time.Hour

// scheduleRotation arranges one background rotation, at most one per
// rotateInterval, keeping the directory walk off the request path.
func (r *Recorder) scheduleRotation() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.rotationPending {
		return
	}
	r.rotationPending = true
	delay := max(r.lastRotation.Add(r.rotateInterval).Sub(r.now()), 0)
	r.running.Add(1)
	r.timer = time.AfterFunc(delay, func() {
		defer r.running.Done()
		r.mu.Lock()
		r.rotationPending = false
		r.lastRotation = r.now()
		r.mu.Unlock()
		// A failed scan is retried after the next Save; there is no one to
		// report it to here.
		_ = r.Rotate()
	})
}

// Close cancels a pending background rotation and waits for one in
// progress. Saves still work afterwards but no longer trigger rotation.
func (r *Recorder) Close() error {
	r.mu.Lock()
	r.closed = true
	if r.timer != nil && r.timer.Stop() {
		r.running.Done() // the callback will never run
		r.rotationPending = false
	}
	r.mu.Unlock()
	r.running.Wait()
	return nil
}

// Rotate deletes the oldest dumps until none is older than MaxAge and their
// total is at most MaxBytes, then removes day folders left empty. Save
// triggers it in the background; call it directly to apply limits now (e.g.
// at startup).
func (r *Recorder) Rotate() error {
	r.rotateMu.Lock()
	defer r.rotateMu.Unlock()

	r.mu.Lock()
	limits := r.limits
	r.mu.Unlock()
	now := r.now()

	files, err := r.scan()
	if err != nil {
		return fmt.Errorf("rotating captures: %w", err)
	}
	var total int64
	for _, f := range files {
		total += f.size
	}
	var errs []error
	touchedDays := map[string]bool{}
	for _, f := range files { // oldest first
		expired := limits.MaxAge > 0 && now.Sub(f.modTime) > limits.MaxAge
		oversize := limits.MaxBytes > 0 && total > limits.MaxBytes
		if !expired && !oversize {
			break // every later file is newer, and the total only shrank
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		total -= f.size
		touchedDays[f.day] = true
	}

	days, err := r.dayDirs()
	if err != nil {
		errs = append(errs, err)
	}
	for _, day := range days {
		dayDir := filepath.Join(r.dir, day)
		removeStaleTemps(dayDir, now)
		if touchedDays[day] || now.Sub(dirModTime(dayDir)) > staleTempAge {
			// Fails harmlessly while the folder still holds files.
			_ = os.Remove(dayDir)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rotating captures: %w", err)
	}
	return nil
}

func removeStaleTemps(dayDir string, now time.Time) {
	entries, err := os.ReadDir(dayDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleTempAge {
			_ = os.Remove(filepath.Join(dayDir, e.Name()))
		}
	}
}

func dirModTime(dir string) time.Time {
	info, err := os.Stat(dir)
	if err != nil {
		return time.Time{}
	}
	return info.ModTime()
}
