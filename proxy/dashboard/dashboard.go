// Package dashboard serves Freelane's debug dashboard under /debug: the
// embedded page, its JSON endpoints and a Server-Sent Events feed that tells
// the page when to refresh. It reads and changes the proxy only through the
// Source interface; the one other proxy package it uses is capture, for the
// rule of what a saved call's id may be.
package dashboard

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/freelane/freelane/assets"
)

// ErrNotFound is returned by Source.Capture for an unknown capture id; the
// handler answers 404 for it (and for errors matching fs.ErrNotExist).
var ErrNotFound = errors.New("not found")

// Source is everything the dashboard reads from and changes in the proxy.
// Its methods are called from concurrent requests.
type Source interface {
	// Stats reports today, the last days days (oldest first, today
	// included), today's per-model table and the free-request quota.
	Stats(days int) StatsView
	// Concurrency reports the limiter: limit, in flight, queued, recent calls.
	Concurrency() ConcurrencyView
	Status() StatusView
	// Models lists the free catalog with health and preference.
	Models() []ModelView
	// SetPreferred writes PREFERRED_MODELS to .env, in the given order.
	SetPreferred(ids []string) error
	// SetDebug creates or removes DEBUG_MODE.txt.
	SetDebug(on bool) error
	// Captures lists at most limit saved calls, newest first.
	Captures(limit int) ([]CaptureSummary, error)
	// Capture returns one saved call as JSON, already redacted, or an error
	// matching ErrNotFound.
	Capture(id string) ([]byte, error)
	// Subscribe returns a channel that receives a value after state changes
	// (coalesced: one pending value at most) and a func that ends the
	// subscription.
	Subscribe() (<-chan struct{}, func())
}

// Options configures New. The zero value is usable.
type Options struct {
	Logger *slog.Logger // default slog.Default()
	Web    fs.FS        // the page files; default assets.Web()
	// KeepAlive is the interval between SSE comment lines that keep idle
	// proxies and browsers from closing /debug/events; default 15s.
	KeepAlive time.Duration
	// Now is the clock used to fill in the quota reset time; default time.Now.
	Now func() time.Time
}

const (
	defaultHistoryDays  = 30
	maxHistoryDays      = 366
	defaultCaptureLimit = 200
	maxCaptureLimit     = 5000
	defaultKeepAlive    = 15 * time.Second
)

type handler struct {
	src       Source
	log       *slog.Logger
	page      *staticFiles
	texts     pageCatalogs
	keepAlive time.Duration
	now       func() time.Time
}

// New returns the handler for /debug and everything under /debug/. The
// caller mounts it for both "/debug" and "/debug/" and wraps it in the
// proxy's security middleware (Host allow-list, Origin check, token).
// New panics if the page files cannot be read, which means a broken build.
func New(src Source, o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Web == nil {
		o.Web = assets.Web()
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = defaultKeepAlive
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	page, err := loadStaticFiles(o.Web)
	if err != nil {
		panic(fmt.Sprintf("dashboard: loading page files: %v", err))
	}
	texts, err := loadPageCatalogs()
	if err != nil {
		panic(fmt.Sprintf("dashboard: loading page texts: %v", err))
	}
	h := &handler{src: src, log: o.Logger, page: page, texts: texts, keepAlive: o.KeepAlive, now: o.Now}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug", h.serveIndex)
	mux.HandleFunc("GET /debug/{$}", h.serveIndex)
	mux.HandleFunc("GET /debug/static/{file...}", h.serveStatic)
	mux.HandleFunc("GET /debug/i18n", h.getPageCatalog)
	mux.HandleFunc("GET /debug/stats", h.getStats)
	mux.HandleFunc("GET /debug/concurrency", h.getConcurrency)
	mux.HandleFunc("GET /debug/status", h.getStatus)
	mux.HandleFunc("GET /debug/models", h.getModels)
	mux.HandleFunc("PUT /debug/models/preferred", h.putPreferred)
	mux.HandleFunc("GET /debug/requests", h.getRequests)
	mux.HandleFunc("GET /debug/requests/{id}", h.getRequest)
	mux.HandleFunc("GET /debug/mode", h.getMode)
	mux.HandleFunc("PUT /debug/mode", h.putMode)
	mux.HandleFunc("GET /debug/events", h.serveEvents)
	// GET only, so other methods on known paths still get the mux's 405.
	mux.HandleFunc("GET /debug/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no dashboard endpoint at %s", r.URL.Path))
	})
	return securityHeaders(mux)
}

// contentSecurityPolicy allows only the dashboard's own files: no inline
// scripts or styles, no framing, no third-party connections.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
