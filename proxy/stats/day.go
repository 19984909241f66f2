package stats

import (
	"slices"
	"time"
)

// Day is one local calendar day's summary, as written to CALLS_YYYYMMDD.json.
type Day struct {
	Date        string              `json:"date"` // "2026-11-25"
	Total       int                 `json:"total"`
	Success     int                 `json:"success"`
	Failed      int                 `json:"failed"`
	Timeout     int                 `json:"timeout"`
	Retry       int                 `json:"retry"`        // extra attempts: the sum of Attempts-1
	LastUpdated string              `json:"last_updated"` // RFC 3339 local time; "" for a day nothing happened on
	Models      map[string]ModelDay `json:"models"`
}

// ModelDay is one model's share of a day. The percentiles are over the
// durations of its successful calls (the last maxLatencySamples of them):
// failures are often instant refusals and would make a model look fast.
type ModelDay struct {
	Calls   int   `json:"calls"`
	Success int   `json:"success"`
	Failed  int   `json:"failed"`
	Timeout int   `json:"timeout"`
	P50Ms   int64 `json:"p50_ms"`
	P95Ms   int64 `json:"p95_ms"`
}

// maxLatencySamples bounds the per-model latency memory (8 KB per model).
const maxLatencySamples = 1000

const (
	dateLayout    = "2006-01-02"
	fileDayLayout = "20060102"
)

// dayState is the in-memory, mutable form of a Day. The Store guards it with
// its mutex.
type dayState struct {
	start, end   time.Time // local midnights bounding the day
	date         string    // start in dateLayout
	fileKey      string    // start in fileDayLayout, as used in file names
	total        int
	success      int
	failed       int
	timeout      int
	retry        int
	lastUpdated  time.Time
	models       map[string]*modelState
	journalBytes int64 // length of the journal that the counts cover
	dirty        bool  // the summary on disk is behind
}

// startOfDay returns the local midnight that starts t's local calendar day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.Local().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

func newDayState(start time.Time) *dayState {
	y, m, d := start.Date()
	return &dayState{
		start:   start,
		end:     time.Date(y, m, d+1, 0, 0, 0, 0, time.Local),
		date:    start.Format(dateLayout),
		fileKey: start.Format(fileDayLayout),
		models:  make(map[string]*modelState),
	}
}

// contains reports whether t falls on this day.
func (d *dayState) contains(t time.Time) bool {
	return !t.Before(d.start) && t.Before(d.end)
}

// add counts c, which finished at the moment at.
func (d *dayState) add(c Call, at time.Time) {
	d.total++
	switch c.Outcome {
	case OutcomeSuccess:
		d.success++
	case OutcomeFailed:
		d.failed++
	case OutcomeTimeout:
		d.timeout++
	}
	d.retry += max(c.Attempts-1, 0)
	d.lastUpdated = at
	d.dirty = true
	if c.Model == "" {
		// The call failed before any model was chosen: it counts for the
		// day but belongs to no model.
		return
	}
	m := d.models[c.Model]
	if m == nil {
		m = &modelState{}
		d.models[c.Model] = m
	}
	m.add(c)
}

// snapshot returns the day as a Day. scratch, when not nil, is reused for
// sorting latencies.
func (d *dayState) snapshot(scratch *[]int64) Day {
	if scratch == nil {
		scratch = new([]int64)
	}
	day := Day{
		Date:    d.date,
		Total:   d.total,
		Success: d.success,
		Failed:  d.failed,
		Timeout: d.timeout,
		Retry:   d.retry,
		Models:  make(map[string]ModelDay, len(d.models)),
	}
	if !d.lastUpdated.IsZero() {
		day.LastUpdated = d.lastUpdated.Local().Format(time.RFC3339)
	}
	for name, m := range d.models {
		day.Models[name] = m.snapshot(scratch)
	}
	return day
}

func (d *dayState) summary(scratch *[]int64) summaryFile {
	return summaryFile{Day: d.snapshot(scratch), JournalBytes: d.journalBytes}
}

// modelState counts one model's calls and keeps a ring of its latest
// successful durations. Percentiles are recomputed only when asked for after
// a change, so Today stays cheap when called on every request.
type modelState struct {
	calls, success, failed, timeout int

	latencies []int64 // milliseconds, a ring once full
	next      int     // ring position of the next sample once full
	p50, p95  int64
	stale     bool
}

func (m *modelState) add(c Call) {
	m.calls++
	switch c.Outcome {
	case OutcomeSuccess:
		m.success++
	case OutcomeFailed:
		m.failed++
		return
	case OutcomeTimeout:
		m.timeout++
		return
	}
	ms := max(c.Duration.Milliseconds(), 0)
	if len(m.latencies) < maxLatencySamples {
		m.latencies = append(m.latencies, ms)
	} else {
		m.latencies[m.next] = ms
		m.next = (m.next + 1) % maxLatencySamples
	}
	m.stale = true
}

func (m *modelState) snapshot(scratch *[]int64) ModelDay {
	if m.stale {
		sorted := append((*scratch)[:0], m.latencies...)
		slices.Sort(sorted)
		m.p50 = nearestRank(sorted, 50)
		m.p95 = nearestRank(sorted, 95)
		m.stale = false
		*scratch = sorted
	}
	return ModelDay{
		Calls:   m.calls,
		Success: m.success,
		Failed:  m.failed,
		Timeout: m.timeout,
		P50Ms:   m.p50,
		P95Ms:   m.p95,
	}
}

// nearestRank returns the p-th percentile of sorted by the nearest-rank
// method: the smallest sample with at least p% of the samples at or below it.
func nearestRank(sorted []int64, p int) int64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (p*n + 99) / 100 // ceil(p*n/100)
	return sorted[max(rank, 1)-1]
}
