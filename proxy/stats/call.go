package stats

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
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
	// API is the wire API the call came in on ("anthropic", "responses");
	// empty for Chat Completions, and then omitted.
	API string `json:"api"`
}

// MarshalJSON encodes the call as one journal line (without the newline).
func (c Call) MarshalJSON() ([]byte, error) {
	return appendCallJSON(nil, c), nil
}

// UnmarshalJSON decodes a journal line.
func (c *Call) UnmarshalJSON(data []byte) error {
	var wire struct {
		Time       time.Time `json:"time"`
		Model      string    `json:"model"`
		Outcome    Outcome   `json:"outcome"`
		DurationMs int64     `json:"duration_ms"`
		Attempts   int       `json:"attempts"`
		Stream     bool      `json:"stream"`
		Status     int       `json:"status"`
		Error      string    `json:"error"`
		API        string    `json:"api"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return fmt.Errorf("decoding call: %w", err)
	}
	*c = Call{
		Time:     wire.Time,
		Model:    wire.Model,
		Outcome:  wire.Outcome,
		Duration: time.Duration(wire.DurationMs) * time.Millisecond,
		Attempts: wire.Attempts,
		Stream:   wire.Stream,
		Status:   wire.Status,
		Error:    wire.Error,
		API:      wire.API,
	}
	return nil
}

// appendCallJSON appends the JSON encoding of c to b. It is hand-written
// because it runs on every request: it allocates nothing when b has room.
func appendCallJSON(b []byte, c Call) []byte {
	b = append(b, `{"time":"`...)
	b = c.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","model":`...)
	b = appendJSONString(b, c.Model)
	b = append(b, `,"outcome":`...)
	b = appendJSONString(b, string(c.Outcome))
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendInt(b, max(c.Duration.Milliseconds(), 0), 10)
	b = append(b, `,"attempts":`...)
	b = strconv.AppendInt(b, int64(c.Attempts), 10)
	b = append(b, `,"stream":`...)
	b = strconv.AppendBool(b, c.Stream)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(c.Status), 10)
	if c.Error != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, c.Error)
	}
	if c.API != "" {
		b = append(b, `,"api":`...)
		b = appendJSONString(b, c.API)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Like encoding/json it replaces
// each byte of invalid UTF-8 with U+FFFD, so every line stays valid JSON.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// truncateError cuts s to at most maxErrorBytes on a rune boundary.
func truncateError(s string) string {
	if len(s) <= maxErrorBytes {
		return s
	}
	i := maxErrorBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
