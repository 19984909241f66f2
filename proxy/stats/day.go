package stats

import (
	"slices"
	"time"
)

// Day is one local calendar day's summary, as written to CALLS_YYYYMMDD.json
// in the original proxy's format, which its users' scripts read.
type Day struct {
	Date string `json:"date"` // "20261125", the file name's digits
	Counts
	// LastUpdated is local time without a zone and with microseconds, as the
	// original proxy wrote it ("2026-11-25T20:30:45.123456"); "" for a day
	// nothing happened on.
	LastUpdated string              `json:"last_updated"`
	Models      map[string]ModelDay `json:"models"`
}

// Counts are a day's call counts.
type Counts struct {
	Total   int `json:"total"`
	Success int `json:"success"`
	Failed  int `json:"failed"`
	Timeout int `json:"timeout"`
	Retry   int `json:"retry"` // extra attempts: the sum of Attempts-1
}

func (c Counts) plus(o Counts) Counts {
	return Counts{
		Total:   c.Total + o.Total,
		Success: c.Success + o.Success,
		Failed:  c.Failed + o.Failed,
		Timeout: c.Timeout + o.Timeout,
		Retry:   c.Retry + o.Retry,
	}
}

func (c Counts) negative() bool {
	return c.Total < 0 || c.Success < 0 || c.Failed < 0 || c.Timeout < 0 || c.Retry < 0
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
	// dateLayout names a day in file names and in the summary's date field.
	dateLayout = "20060102"
	// isoDateLayout is how Freelane spelled the date field before it wrote
	// the original proxy's format; such summaries are still read.
	isoDateLayout = "2006-01-02"
	// lastUpdatedLayout is Python's datetime.isoformat() of a local time.
	lastUpdatedLayout = "2006-01-02T15:04:05.000000"
)

// parseLastUpdated reads a summary's last_updated as any version wrote it:
// the original proxy's zone-less local time (with or without fractions) or
// RFC 3339. An unreadable value is no reason to distrust the counts.
func parseLastUpdated(s string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.Local); err == nil {
		return t
	}
	return time.Time{}
}

// dayState is the in-memory, mutable form of a Day. The Store guards it with
// its mutex.
type dayState struct {
	start, end time.Time // local midnights bounding the day
	date       string    // start in dateLayout, as used in file names
	counts     Counts
	// carried are the counts the summary held beyond what the journal
	// covers: a day counted by the original proxy, or one whose journal
	// was lost. They are kept in the summary so they survive a restart.
	carried      Counts
	lastUpdated  time.Time
	models       map[string]*modelState
	journalBytes int64 // length of the journal that the counts cover
	dirty        bool  // the summary on disk is behind
}

func newDayState(start time.Time) *dayState {
	y, m, d := start.Date()
	return &dayState{
		start:  start,
		end:    time.Date(y, m, d+1, 0, 0, 0, 0, time.Local),
		date:   start.Format(dateLayout),
		models: make(map[string]*modelState),
	}
}

// contains reports whether t falls on this day.
func (d *dayState) contains(t time.Time) bool {
	return !t.Before(d.start) && t.Before(d.end)
}

// add counts c, which finished at the moment at.
func (d *dayState) add(c Call, at time.Time) {
	d.counts.Total++
	switch c.Outcome {
	case OutcomeSuccess:
		d.counts.Success++
	case OutcomeFailed:
		d.counts.Failed++
	case OutcomeTimeout:
		d.counts.Timeout++
	}
	d.counts.Retry += max(c.Attempts-1, 0)
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
		Date:   d.date,
		Counts: d.counts.plus(d.carried),
		Models: make(map[string]ModelDay, len(d.models)),
	}
	if !d.lastUpdated.IsZero() {
		day.LastUpdated = d.lastUpdated.Local().Format(lastUpdatedLayout)
	}
	for name, m := range d.models {
		day.Models[name] = m.snapshot(scratch)
	}
	return day
}

func (d *dayState) summary(scratch *[]int64) summaryFile {
	sum := summaryFile{Day: d.snapshot(scratch), JournalBytes: d.journalBytes}
	if d.carried != (Counts{}) {
		sum.Carried = &d.carried
	}
	return sum
}

// carry takes over the counts of sum that the journal does not hold: all of
// them when no journal stood behind it (the original proxy kept none, and
// a lost journal leaves the summary as the only record), else the counts it
// carried itself.
func (d *dayState) carry(sum summaryFile, hasJournal bool) {
	switch {
	case !hasJournal || sum.JournalBytes == 0:
		d.carried = sum.Counts
	case sum.Carried != nil:
		d.carried = *sum.Carried
	default:
		return
	}
	if t := parseLastUpdated(sum.LastUpdated); t.After(d.lastUpdated) {
		d.lastUpdated = t
	}
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
