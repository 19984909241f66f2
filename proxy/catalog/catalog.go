// Package catalog keeps the list of OpenRouter's free models: it filters the
// upstream /models listing down to models that cost nothing, caches the result
// on disk so a restart can route at once, and refreshes it in the background.
//
// Reads (Models, Lookup) are on every chat call, so they load an immutable
// snapshot through an atomic pointer and never take a lock.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Where the current model list came from, as reported by Info.
const (
	SourceUpstream = "upstream"
	SourceCache    = "cache"
	SourceNone     = "none"
)

// Fetcher returns the raw body of OpenRouter's /models listing.
type Fetcher func(ctx context.Context) ([]byte, error)

// Info describes the catalog's state for the dashboard and logs.
type Info struct {
	Count       int
	FetchedAt   time.Time // when the current list was fetched upstream
	Source      string    // SourceUpstream, SourceCache or SourceNone
	LastError   string    // the last refresh or cache failure, cleared by a clean refresh
	LastAttempt time.Time // the last refresh attempt, successful or not
}

// snapshot is one immutable version of the catalog. It is replaced whole,
// never modified, so readers may hold it without locks.
type snapshot struct {
	models    []Model
	byID      map[string]int // index into models
	fetchedAt time.Time
	source    string
}

func newSnapshot(models []Model, fetchedAt time.Time, source string) *snapshot {
	byID := make(map[string]int, len(models))
	for i, m := range models {
		byID[m.ID] = i
	}
	return &snapshot{models: models, byID: byID, fetchedAt: fetchedAt, source: source}
}

var emptySnapshot = newSnapshot(nil, time.Time{}, SourceNone)

// Catalog is the current set of free models. Its zero value is not usable;
// create one with New.
type Catalog struct {
	fetch     Fetcher
	cacheFile string
	logger    *slog.Logger
	now       func() time.Time

	current atomic.Pointer[snapshot]

	// refreshMu serialises Refresh and LoadCache so an older list can never
	// overwrite a newer one, on disk or in memory.
	refreshMu sync.Mutex

	statusMu    sync.Mutex
	lastError   string
	lastAttempt time.Time
	lastTrigger time.Time

	// triggered holds at most one pending early-refresh request for Run.
	triggered chan struct{}
	// jitter returns a random extra delay in [0, n); replaced in tests.
	jitter func(n time.Duration) time.Duration
}

// New returns an empty catalog that fetches with fetch and caches to
// cacheFile. A nil logger discards logs; a nil now uses time.Now.
func New(fetch Fetcher, cacheFile string, logger *slog.Logger, now func() time.Time) *Catalog {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	c := &Catalog{
		fetch:     fetch,
		cacheFile: cacheFile,
		logger:    logger,
		now:       now,
		triggered: make(chan struct{}, 1),
		jitter:    randomJitter,
	}
	c.current.Store(emptySnapshot)
	return c
}

// Models returns the current free models sorted by ID. The slice is shared
// by every caller and must not be modified.
func (c *Catalog) Models() []Model {
	return c.current.Load().models
}

// Lookup returns the free model with the given id.
func (c *Catalog) Lookup(id string) (Model, bool) {
	s := c.current.Load()
	i, ok := s.byID[id]
	if !ok {
		return Model{}, false
	}
	return s.models[i], true
}

// Info reports the catalog's size, origin and last refresh outcome.
func (c *Catalog) Info() Info {
	s := c.current.Load()
	c.statusMu.Lock()
	defer c.statusMu.Unlock()
	return Info{
		Count:       len(s.models),
		FetchedAt:   s.fetchedAt,
		Source:      s.source,
		LastError:   c.lastError,
		LastAttempt: c.lastAttempt,
	}
}

// errNoFreeModels rejects a listing with no free model at all: that is far
// more likely a bad answer than the truth, and keeping the previous list lets
// calls go on.
var errNoFreeModels = errors.New("upstream listed no free models")

// Refresh fetches the model list, swaps in its free models and saves them to
// the cache file. On failure the previous list stays in place, the error is
// recorded in Info and returned. A failure to save the cache is logged and
// recorded but not returned: the in-memory list is up to date.
func (c *Catalog) Refresh(ctx context.Context) error {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()

	started := c.now()
	models, err := c.fetchFree(ctx)
	if err != nil {
		err = fmt.Errorf("refreshing free model catalog: %w", err)
		c.recordAttempt(started, err)
		level := slog.LevelWarn
		if ctx.Err() != nil {
			level = slog.LevelDebug // shutting down, not an upstream problem
		}
		c.logger.Log(ctx, level, "free model catalog refresh failed", "err", err, "kept", len(c.Models()))
		return err
	}

	c.current.Store(newSnapshot(models, started, SourceUpstream))
	saveErr := c.saveCache(models, started)
	if saveErr != nil {
		c.logger.Warn("free model catalog not cached", "err", saveErr)
	}
	c.recordAttempt(started, saveErr)
	c.logger.Info("free model catalog refreshed", "count", len(models))
	return nil
}

func (c *Catalog) fetchFree(ctx context.Context) ([]Model, error) {
	body, err := c.fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetching model list: %w", err)
	}
	models, err := ParseFree(body)
	if err != nil {
		return nil, err
	}
	if len(models) == 0 {
		return nil, errNoFreeModels
	}
	return models, nil
}

func (c *Catalog) recordAttempt(at time.Time, err error) {
	c.statusMu.Lock()
	defer c.statusMu.Unlock()
	c.lastAttempt = at
	c.lastError = ""
	if err != nil {
		c.lastError = err.Error()
	}
}
