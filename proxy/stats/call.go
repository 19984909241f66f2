package stats

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/freelane/freelane/proxy/internal/truncate"
)

// Outcome is how a call ended, as counted in the day's summary.
type Outcome string

// The outcomes a call can have.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailed  Outcome = "failed"
	OutcomeTimeout Outcome = "timeout"
)

func (o Outcome) valid() bool {
	switch o {
	case OutcomeSuccess, OutcomeFailed, OutcomeTimeout:
		return true
	}
	return false
}

// maxErrorBytes bounds the error text kept per call so that one pathological
// upstream message cannot bloat the journal or the Recent list.
const maxErrorBytes = 512

// Call is one finished chat call as the proxy saw it. It is also the shape of
// a journal line; Duration is encoded as whole milliseconds (duration_ms).
type Call struct {
	Time     time.Time     `json:"time"`  // when the call finished; Record uses Now when zero
	Model    string        `json:"model"` // the model that answered, or the last one tried
	Outcome  Outcome       `json:"outcome"`
	Duration time.Duration `json:"duration_ms"` // whole call, all attempts included
	Attempts int           `json:"attempts"`    // attempts that reached OpenRouter; 1 when the first model answered
	Stream   bool          `json:"stream"`
	Status   int           `json:"status"` // HTTP status sent to the client
	Error    string        `json:"error"`  // short, already redacted error text; omitted when empty
}

// callLine is a call as one journal line: the duration in whole milliseconds,
// the error left out when empty.
type callLine struct {
	Time       time.Time `json:"time"`
	Model      string    `json:"model"`
	Outcome    Outcome   `json:"outcome"`
	DurationMs int64     `json:"duration_ms"`
	Attempts   int       `json:"attempts"`
	Stream     bool      `json:"stream"`
	Status     int       `json:"status"`
	Error      string    `json:"error,omitempty"`
}

func (c Call) line() callLine {
	return callLine{
		Time:       c.Time,
		Model:      c.Model,
		Outcome:    c.Outcome,
		DurationMs: max(c.Duration.Milliseconds(), 0),
		Attempts:   c.Attempts,
		Stream:     c.Stream,
		Status:     c.Status,
		Error:      c.Error,
	}
}

// MarshalJSON encodes the call as one journal line (without the newline).
// Like all of encoding/json, it replaces invalid UTF-8 with U+FFFD, so every
// line stays valid JSON whatever an upstream error text holds.
func (c Call) MarshalJSON() ([]byte, error) {
	return json.Marshal(c.line())
}

// UnmarshalJSON decodes a journal line.
func (c *Call) UnmarshalJSON(data []byte) error {
	var line callLine
	if err := json.Unmarshal(data, &line); err != nil {
		return fmt.Errorf("decoding call: %w", err)
	}
	*c = Call{
		Time:     line.Time,
		Model:    line.Model,
		Outcome:  line.Outcome,
		Duration: time.Duration(line.DurationMs) * time.Millisecond,
		Attempts: line.Attempts,
		Stream:   line.Stream,
		Status:   line.Status,
		Error:    line.Error,
	}
	return nil
}

// truncateError cuts s to at most maxErrorBytes on a rune boundary.
func truncateError(s string) string { return truncate.UTF8(s, maxErrorBytes) }
