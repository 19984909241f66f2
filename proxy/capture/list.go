package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"
)

// cachedSummary is a listed dump's summary, valid while the file keeps the
// size and modification time it had when read. Dumps are written by atomic
// rename, so a rewritten dump always shows a new modification time.
type cachedSummary struct {
	size    int64
	modTime time.Time
	summary Summary
}

func (c cachedSummary) matches(f dumpFile) bool {
	return c.size == f.size && c.modTime.Equal(f.modTime)
}

// List returns up to limit saved records, newest first; limit <= 0 means
// all. A dump that cannot be decoded is listed with only its id, size and
// modification time.
//
// The dashboard lists on every change while debug mode is on, so List reads
// each dump once: later listings reuse the summary of any file whose size and
// modification time are unchanged, and a new dump is read only up to the end
// of its summary fields.
func (r *Recorder) List(limit int) ([]Summary, error) {
	files, err := r.scan()
	if err != nil {
		return nil, err
	}
	slices.Reverse(files) // scan sorts oldest first
	if limit > 0 && len(files) > limit {
		files = files[:limit]
	}

	r.summaryMu.Lock()
	cached := r.summaries
	r.summaryMu.Unlock()

	listed := make(map[string]cachedSummary, len(files))
	summaries := make([]Summary, 0, len(files))
	for _, f := range files {
		if c, ok := cached[f.path]; ok && c.matches(f) {
			listed[f.path] = c
			summaries = append(summaries, c.summary)
			continue
		}
		s, err := readSummary(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // rotated away since the scan
		case err == nil:
			listed[f.path] = cachedSummary{size: f.size, modTime: f.modTime, summary: s}
		}
		// A dump that could not be opened is still listed, but read again
		// next time.
		summaries = append(summaries, s)
	}

	// Keeping only what this listing showed bounds the cache by the
	// listing and drops rotated dumps.
	r.summaryMu.Lock()
	r.summaries = listed
	r.summaryMu.Unlock()
	return summaries, nil
}

// readSummary reads one dump's summary. The error is only for a file that
// could not be opened; a dump that does not decode still yields its id, size
// and modification time.
func readSummary(f dumpFile) (Summary, error) {
	s := Summary{ID: f.id, Time: f.modTime, Bytes: f.size}
	file, err := os.Open(f.path)
	if err != nil {
		return s, fmt.Errorf("reading capture %s: %w", f.id, err)
	}
	defer file.Close() // read-only: closing cannot lose data

	head, err := decodeSummaryHead(file)
	if err != nil {
		return s, nil
	}
	if !head.Time.IsZero() {
		s.Time = head.Time
	}
	s.DurationMs, s.Outcome, s.Model, s.Stream = head.DurationMs, head.Outcome, head.Model, head.Stream
	s.Attempts, s.API = len(head.Attempts), head.API
	return s, nil
}

// summaryHead is the part of a Record that a Summary shows.
type summaryHead struct {
	Time       time.Time
	DurationMs int64
	Outcome    string
	Model      string
	API        string
	Stream     bool
	Attempts   []struct{} // only counted
}

// decodeSummaryHead decodes a dump's summary fields from the start of its
// JSON object, stopping at the first other field after "stream".
//
// Record puts the summary fields first: model and api (when present)
// before "stream", and "attempts" (when present) right after it. So once "stream"
// has been read, any other field means the rest are the call's bodies, which
// can be megabytes. Dumps written before that order had "stream" after the
// bodies; they decode correctly too, only without stopping early.
func decodeSummaryHead(r io.Reader) (summaryHead, error) {
	var head summaryHead
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return head, fmt.Errorf("decoding dump: %w", err)
	}
	if tok != json.Delim('{') {
		return head, errors.New("decoding dump: not a JSON object")
	}
	var skipped json.RawMessage // reused for every field not summarised
	sawStream := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return head, fmt.Errorf("decoding dump: %w", err)
		}
		key, _ := tok.(string) // an object's keys are always strings
		var value any
		switch key {
		case "time":
			value = &head.Time
		case "duration_ms":
			value = &head.DurationMs
		case "outcome":
			value = &head.Outcome
		case "model":
			value = &head.Model
		case "api":
			value = &head.API
		case "stream":
			value, sawStream = &head.Stream, true
		case "attempts":
			value = &head.Attempts
		default:
			if sawStream {
				return head, nil
			}
			value = &skipped
		}
		if err := dec.Decode(value); err != nil {
			return head, fmt.Errorf("decoding dump field %q: %w", key, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return head, fmt.Errorf("decoding dump: %w", err)
	}
	return head, nil
}
