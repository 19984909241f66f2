package config

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounceDelay merges the burst of events one save produces (editors write
// a temporary file, rename it, touch it again) into a single reload.
const debounceDelay = 100 * time.Millisecond

// DefaultSettleDelay is how long a change that drops the API key or the
// listen address must stay before it applies. Editors that save in two
// steps (truncate, then write) leave an empty .env for a moment, and an
// empty .env is a valid configuration: applied, it would answer calls with
// missing_api_key and move the listener to the default port and back.
const DefaultSettleDelay = 2 * time.Second

// Handler receives the results of watching the home folder. Callbacks run on
// Watch's goroutine, one at a time, and should return quickly. Nil callbacks
// are skipped.
type Handler struct {
	// Config receives a newly loaded configuration when it differs from
	// the last valid one, or when .env becomes valid after an Invalid.
	Config func(Config)
	// Invalid receives the load error when .env stops being valid; the
	// caller keeps using its last good configuration.
	Invalid func(error)
	// Debug receives the debug state when DEBUG_MODE.txt appears or
	// disappears; a file created and removed again quickly may report the
	// unchanged state, so callers ignore repeats.
	Debug func(on bool)
	// StartInvalid is for a caller that has just failed to load .env: Watch
	// then takes nothing at its start as the baseline and reloads at once,
	// so a fix saved before the watch began is still reported (through
	// Config), as is the error if there is none yet (through Invalid).
	StartInvalid bool
	// SettleDelay replaces DefaultSettleDelay when positive.
	SettleDelay time.Duration
	// Ready is called once the folder is watched and the baseline read:
	// from then on every change is reported.
	Ready func()
}

// Watch reloads the configuration whenever <home>/.env or
// <home>/DEBUG_MODE.txt changes, until ctx is done. It watches the folder
// rather than the files, so saves that replace the file by renaming, and a
// file deleted then re-created, are all seen. The state at the time Watch
// starts is the baseline: only later changes are reported.
//
// Watch returns an error only when watching cannot start; it returns nil
// once ctx is done.
func Watch(ctx context.Context, home string, lookup func(string) (string, bool), h Handler) error {
	watcher, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching %s: %w", home, err)
	}
	defer watcher.Close()
	if err := watcher.Add(home); err != nil {
		return fmt.Errorf("watching %s: %w", home, err)
	}

	// The baseline is read after Add so a change made in between is not lost.
	w := homeWatch{home: home, lookup: lookup, h: h, debug: DebugEnabled(home)}
	if h.StartInvalid {
		w.reload(true)
	} else if c, err := LoadWith(home, lookup); err == nil {
		w.last, w.valid = c, true
	}
	if h.Ready != nil {
		h.Ready()
	}

	settleDelay := h.SettleDelay
	if settleDelay <= 0 {
		settleDelay = DefaultSettleDelay
	}
	debounce := time.NewTimer(debounceDelay)
	debounce.Stop()
	defer debounce.Stop()
	// settle runs while .env looks half-written; every later event pushes
	// it back, so it fires once the file has been left alone that long.
	settle := time.NewTimer(settleDelay)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-watcher.Events:
			if !ok {
				return nil
			}
			switch filepath.Base(ev.Name) {
			case DebugFileName:
				w.debugTouched = true
				debounce.Reset(debounceDelay)
			case EnvFileName:
				debounce.Reset(debounceDelay)
				if w.unsettled {
					settle.Reset(settleDelay)
				}
			}
		case _, ok := <-watcher.Errors:
			if !ok {
				return nil
			}
			// Errors mean events were dropped (e.g. a queue overflow):
			// reload, since one of them may have been ours.
			debounce.Reset(debounceDelay)
		case <-debounce.C:
			if w.reload(false) {
				settle.Reset(settleDelay)
			} else {
				settle.Stop()
			}
		case <-settle.C:
			w.reload(true)
		}
	}
}

// homeWatch is the state Watch compares each reload against.
type homeWatch struct {
	home   string
	lookup func(string) (string, bool)
	h      Handler

	last  Config // the last valid configuration
	valid bool   // whether last is set and .env was valid at the last reload
	debug bool
	// debugTouched is set when DEBUG_MODE.txt changed since the last
	// reload: its state is then reported even if it looks unchanged here,
	// because the caller may have switched debug mode itself in between
	// (a file created by the dashboard and deleted within one debounce).
	debugTouched bool
	// unsettled is set while a reload was held back as incomplete.
	unsettled bool
}

// reload reads the home folder and reports what changed. Unless settled, a
// configuration that drops what the running one had from .env (see
// incomplete) is held back, and reload returns true: the caller retries once
// the file has settled.
func (w *homeWatch) reload(settled bool) (held bool) {
	if on := DebugEnabled(w.home); on != w.debug || w.debugTouched {
		w.debug, w.debugTouched = on, false
		if w.h.Debug != nil {
			w.h.Debug(on)
		}
	}

	c, err := LoadWith(w.home, w.lookup)
	if err != nil {
		w.valid, w.unsettled = false, false
		if w.h.Invalid != nil {
			w.h.Invalid(err)
		}
		return false
	}
	// After an Invalid report the caller needs to hear that .env is good
	// again, even when it is back to the last valid content.
	recovered := !w.valid
	w.valid = true
	if !recovered && c.Equal(w.last) {
		w.unsettled = false
		return false
	}
	if w.unsettled = !settled && !recovered && incomplete(w.last, c); w.unsettled {
		return true
	}
	w.last = c
	if w.h.Config != nil {
		w.h.Config(c)
	}
	return false
}

// incomplete reports whether next looks like .env caught half-written:
// it drops the API key, or moves the listener back to the default address,
// that the running configuration had. Either may be meant, so it only
// delays the change until the file settles.
func incomplete(running, next Config) bool {
	if running.APIKey != "" && next.APIKey == "" {
		return true
	}
	return running.ListenAddr != next.ListenAddr && next.ListenAddr == settingDefault("LISTEN_ADDR")
}

// settingDefault is the built-in default of the setting named key.
func settingDefault(key string) string {
	for _, s := range settings {
		if s.key == key {
			return s.def
		}
	}
	return ""
}
