// Package capture saves one JSON dump per proxied call while debug mode is
// on, so a user can see exactly what a client sent, what went upstream, which
// models were tried and what came back.
//
// Dumps live under <dir>/YYYYMMDD/<id>.json (files 0600, folders 0700).
// Credentials are redacted before anything touches the disk, and old dumps
// are rotated away by size and age in the background.
package capture

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"time"
)

// Attempt is one try of one upstream model within a call.
type Attempt struct {
	Model       string    `json:"model"`
	Status      int       `json:"status,omitempty"` // upstream HTTP status; 0 when none arrived
	Kind        string    `json:"kind,omitempty"`   // failure class, e.g. "daily_cap", "timeout"
	Error       string    `json:"error,omitempty"`
	Started     time.Time `json:"started"`
	DurationMs  int64     `json:"duration_ms"`
	FirstByteMs int64     `json:"first_byte_ms,omitempty"`
}

// ClientInfo describes the local client's request.
type ClientInfo struct {
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	RemoteAddr string            `json:"remote_addr"`
	UserAgent  string            `json:"user_agent,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
}

// ResponseInfo is what the client received.
type ResponseInfo struct {
	Status    int             `json:"status"`
	Body      json.RawMessage `json:"body,omitempty"` // non-stream answers
	Text      string          `json:"text,omitempty"` // streamed content, joined
	Reasoning string          `json:"reasoning,omitempty"`
	Events    []string        `json:"events,omitempty"` // raw SSE data lines
	Cut       string          `json:"cut,omitempty"`    // says what of a long stream was not kept (StreamCapture)
}

// Record is the dump of one call.
//
// The fields a Summary needs come first, ending with Stream and Attempts,
// so that List reads only the head of a dump and stops at Client; see
// readSummary before reordering them.
type Record struct {
	ID         string          `json:"id"`
	Time       time.Time       `json:"time"`
	DurationMs int64           `json:"duration_ms"`
	Outcome    string          `json:"outcome"`
	Model      string          `json:"model,omitempty"` // the model that answered
	Stream     bool            `json:"stream"`
	Attempts   []Attempt       `json:"attempts,omitempty"`
	Client     ClientInfo      `json:"client"`
	Request    json.RawMessage `json:"request,omitempty"`  // the body as received
	Upstream   json.RawMessage `json:"upstream,omitempty"` // the body as last sent upstream
	Response   ResponseInfo    `json:"response"`

	stream *StreamCapture // the streamed events of every attempt, until StreamDone
}

// AddEvent keeps one streamed event's data, within MaxStreamBytes per call
// (see StreamCapture).
func (r *Record) AddEvent(data []byte) {
	if r.stream == nil {
		r.stream = &StreamCapture{}
	}
	r.stream.Add(data)
}

// StreamDone fills Response with the streamed events kept and the text and
// reasoning they carried.
func (r *Record) StreamDone() {
	if r.stream != nil {
		r.stream.Fill(&r.Response)
	}
}

// Summary is the listing entry for one saved record.
type Summary struct {
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	Model      string    `json:"model,omitempty"`
	Outcome    string    `json:"outcome"`
	DurationMs int64     `json:"duration_ms"`
	Stream     bool      `json:"stream"`
	Attempts   int       `json:"attempts"`
	Bytes      int64     `json:"bytes"`
}

// Limits bound the dump folder. Zero disables a limit.
type Limits struct {
	MaxBytes int64
	MaxAge   time.Duration
}

// ErrInvalidID is returned for an id that is not one NewID could produce
// (which also rules out path traversal).
var ErrInvalidID = errors.New("invalid capture id")

// idPattern admits ids safe as a single file name on every OS.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

// ValidID reports whether id could name a saved record: one NewID could
// produce, or a caller-chosen id of the same safe shape. Anything else,
// including every path separator and dot, is not a capture id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// NewID returns a unique id that sorts by creation time (UTC), e.g.
// "20260102-150405-9f86d081884c".
func NewID() string {
	var random [6]byte
	_, _ = rand.Read(random[:]) // crypto/rand.Read never fails
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(random[:])
}
