package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/freelane/freelane/proxy/internal/atomicfile"
	"github.com/freelane/freelane/proxy/regularfile"
)

// cacheVersion changes when the cache layout or the free filter changes, so
// a list written by an older Freelane is refetched rather than trusted.
const cacheVersion = 1

// cacheFile is the on-disk form of models.json.
type cacheFile struct {
	Version   int       `json:"version"`
	FetchedAt time.Time `json:"fetched_at"`
	Models    []Model   `json:"models"`
}

// LoadCache loads the list saved by the last successful Refresh. A missing
// file is not an error: the catalog simply stays empty until the first
// refresh. A corrupt, half-written or foreign file is logged and returned,
// and the catalog keeps what it had. A cache older than the list already
// loaded is ignored.
func (c *Catalog) LoadCache() error {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()

	cached, err := readCache(c.cacheFile)
	if errors.Is(err, fs.ErrNotExist) {
		c.logger.Info("no free model catalog cache yet", "file", c.cacheFile)
		return nil
	}
	if err != nil {
		err = fmt.Errorf("loading free model catalog cache: %w", err)
		c.logger.Warn("ignoring free model catalog cache", "err", err)
		c.statusMu.Lock()
		c.lastError = err.Error()
		c.statusMu.Unlock()
		return err
	}

	if !cached.FetchedAt.After(c.current.Load().fetchedAt) {
		return nil
	}
	c.current.Store(newSnapshot(cached.Models, cached.FetchedAt, SourceCache))
	c.logger.Info("free model catalog loaded from cache",
		"count", len(cached.Models), "fetched_at", cached.FetchedAt)
	return nil
}

// readCache reads and validates a cache file. Every id is checked again
// because the file is outside Freelane's control: a hand-edited entry must not
// smuggle a paid model into routing.
func readCache(path string) (cacheFile, error) {
	data, err := regularfile.ReadFile(path)
	if err != nil {
		return cacheFile{}, err
	}
	var cached cacheFile
	if err := json.Unmarshal(data, &cached); err != nil {
		return cacheFile{}, fmt.Errorf("decoding %s: %w", path, err)
	}
	switch {
	case cached.Version != cacheVersion:
		return cacheFile{}, fmt.Errorf("%s has cache version %d, want %d", path, cached.Version, cacheVersion)
	case cached.FetchedAt.IsZero():
		return cacheFile{}, fmt.Errorf("%s has no fetch time", path)
	case len(cached.Models) == 0:
		return cacheFile{}, fmt.Errorf("%s lists no models", path)
	}
	for i, m := range cached.Models {
		if !IsFreeID(m.ID) {
			return cacheFile{}, fmt.Errorf("%s lists %q, which is not a free model id", path, m.ID)
		}
		if i > 0 && cached.Models[i-1].ID >= m.ID {
			return cacheFile{}, fmt.Errorf("%s is not sorted by id at %q", path, m.ID)
		}
	}
	return cached, nil
}

// saveCache writes the list through a temporary file and a rename, so a crash
// leaves either the old cache or the new one, never half of either.
func (c *Catalog) saveCache(models []Model, fetchedAt time.Time) error {
	data, err := json.Marshal(cacheFile{Version: cacheVersion, FetchedAt: fetchedAt, Models: models})
	if err != nil {
		return fmt.Errorf("encoding catalog cache: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(c.cacheFile), 0o700); err != nil {
		return fmt.Errorf("writing catalog cache: %w", err)
	}
	if err := atomicfile.Write(c.cacheFile, data, atomicfile.Options{Durable: true}); err != nil {
		return fmt.Errorf("writing catalog cache: %w", err)
	}
	return nil
}
