package capture

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/freelane/freelane/proxy/internal/atomicfile"
)

// dayLayout names the per-day folders.
const dayLayout = "20060102"

var dayPattern = regexp.MustCompile(`^[0-9]{8}$`)

// defaultRotateInterval is the least time between two background rotation
// scans, so a burst of calls costs one directory walk, not one per call.
const defaultRotateInterval = 5 * time.Second

// Recorder writes, lists and rotates the dumps in one folder. It is safe for
// concurrent use.
type Recorder struct {
	dir            string
	secrets        func() []string
	now            func() time.Time
	rotateInterval time.Duration

	rotateMu sync.Mutex // serialises rotation scans

	summaryMu sync.Mutex // guards summaries
	// summaries holds the last listing's summaries by path. A listing
	// replaces the map instead of changing it, so a map once read under
	// summaryMu may be used without it.
	summaries map[string]cachedSummary

	mu              sync.Mutex // guards the fields below
	limits          Limits
	lastRotation    time.Time
	rotationPending bool
	closed          bool
	timer           *time.Timer
	running         sync.WaitGroup // a scheduled rotation in flight
}

// New returns a Recorder for dir (typically CACHE_DIR/debug). secrets is
// called on every Save for the credentials to scrub (the API key, the
// token), so a changed key is redacted at once; it may be nil.
func New(dir string, l Limits, secrets func() []string) *Recorder {
	if secrets == nil {
		secrets = func() []string { return nil }
	}
	return &Recorder{
		dir:            dir,
		secrets:        secrets,
		now:            time.Now,
		rotateInterval: defaultRotateInterval,
		limits:         l,
	}
}

// SetLimits replaces the rotation limits and schedules a rotation under them.
func (r *Recorder) SetLimits(l Limits) {
	r.mu.Lock()
	r.limits = l
	r.mu.Unlock()
	r.scheduleRotation()
}

// Save redacts rec and writes it as <dir>/<YYYYMMDD of rec.Time>/<id>.json.
// It fills in rec.ID and rec.Time when they are empty; the caller's record is
// otherwise left untouched. Rotation runs later in the background.
func (r *Recorder) Save(rec *Record) error {
	if rec == nil {
		return errors.New("saving capture: nil record")
	}
	if rec.ID == "" {
		rec.ID = NewID()
	} else if !ValidID(rec.ID) {
		return fmt.Errorf("saving capture %q: %w", rec.ID, ErrInvalidID)
	}
	if rec.Time.IsZero() {
		rec.Time = r.now()
	}

	out := *rec
	out.Client.Headers = redactHeaders(rec.Client.Headers)
	out.Request = asJSON(rec.Request)
	out.Upstream = asJSON(rec.Upstream)
	out.Response.Body = asJSON(rec.Response.Body)

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("encoding capture %s: %w", rec.ID, err)
	}
	data := redactJSON(buf.Bytes(), r.secrets())

	dayDir := filepath.Join(r.dir, rec.Time.Format(dayLayout))
	for attempt := 1; ; attempt++ {
		if err := os.MkdirAll(dayDir, 0o700); err != nil {
			return fmt.Errorf("saving capture %s: %w", rec.ID, err)
		}
		// Atomic so List and Get never see a half-written dump.
		err := atomicfile.Write(filepath.Join(dayDir, rec.ID+".json"), data, atomicfile.Options{TempPattern: tempPrefix + "*"})
		if err == nil {
			break
		}
		// Rotation removes a day folder it has just emptied; if that
		// happened between MkdirAll and the write, create it again.
		if attempt == 1 && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return fmt.Errorf("saving capture %s: %w", rec.ID, err)
	}
	r.scheduleRotation()
	return nil
}

// asJSON keeps a valid JSON body as is and stores anything else (a body
// that was not JSON at all) as a JSON string, so the record always encodes.
func asJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	if json.Valid(raw) {
		return raw
	}
	quoted, _ := json.Marshal(string(raw)) // a string always encodes
	return quoted
}

// Get returns the saved JSON of one record. It fails with ErrInvalidID for
// anything that is not a capture id and with fs.ErrNotExist when there is no
// such record.
func (r *Recorder) Get(id string) ([]byte, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("reading capture %q: %w", id, ErrInvalidID)
	}
	days, err := r.dayDirs()
	if err != nil {
		return nil, err
	}
	for _, day := range slices.Backward(days) {
		data, err := os.ReadFile(filepath.Join(r.dir, day, id+".json"))
		if err == nil {
			return data, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading capture %s: %w", id, err)
		}
	}
	return nil, fmt.Errorf("reading capture %s: %w", id, fs.ErrNotExist)
}

// Usage reports how many dumps are stored and their total size.
func (r *Recorder) Usage() (files int, bytes int64, err error) {
	dumps, err := r.scan()
	if err != nil {
		return 0, 0, err
	}
	for _, d := range dumps {
		bytes += d.size
	}
	return len(dumps), bytes, nil
}

// dumpFile is one saved record found on disk.
type dumpFile struct {
	id      string
	path    string
	day     string
	size    int64
	modTime time.Time
}

const tempPrefix = ".tmp-"

// dayDirs lists the day folders in ascending (oldest first) order. A
// missing dump folder is empty, not an error.
func (r *Recorder) dayDirs() ([]string, error) {
	entries, err := os.ReadDir(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing captures: %w", err)
	}
	var days []string
	for _, e := range entries {
		if e.IsDir() && dayPattern.MatchString(e.Name()) {
			days = append(days, e.Name())
		}
	}
	return days, nil // ReadDir sorts by name, and names are dates
}

// scan lists every dump, oldest first. Only files named like dumps inside
// day folders are considered, so nothing else in dir is ever touched.
func (r *Recorder) scan() ([]dumpFile, error) {
	days, err := r.dayDirs()
	if err != nil {
		return nil, err
	}
	var files []dumpFile
	for _, day := range days {
		entries, err := os.ReadDir(filepath.Join(r.dir, day))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("listing captures: %w", err)
		}
		for _, e := range entries {
			id, ok := strings.CutSuffix(e.Name(), ".json")
			if !ok || !ValidID(id) || !e.Type().IsRegular() {
				continue
			}
			info, err := e.Info()
			if err != nil {
				continue // removed since ReadDir
			}
			files = append(files, dumpFile{
				id: id, path: filepath.Join(r.dir, day, e.Name()), day: day,
				size: info.Size(), modTime: info.ModTime(),
			})
		}
	}
	slices.SortFunc(files, func(a, b dumpFile) int {
		return cmp.Or(a.modTime.Compare(b.modTime), cmp.Compare(a.path, b.path))
	})
	return files, nil
}
