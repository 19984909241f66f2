package capture

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MaxStreamBytes caps what a record keeps of one streamed answer (events,
// text and reasoning together): an answer of hundreds of MB must not be
// held in memory twice over for a debug dump.
const MaxStreamBytes = 4 << 20

// StreamCapture collects the events of one streamed answer for a record,
// at most its limit in bytes; the rest is counted, and the record says so.
// The zero value keeps MaxStreamBytes.
type StreamCapture struct {
	Limit     int // bytes kept at most; MaxStreamBytes when zero
	events    []string
	text      strings.Builder
	reasoning strings.Builder
	size      int
	cutEvents int
	cutBytes  int
}

// Add keeps the data of one event and the content and reasoning it carries.
func (s *StreamCapture) Add(data []byte) {
	limit := s.Limit
	if limit <= 0 {
		limit = MaxStreamBytes
	}
	var chunk struct {
		Choices []struct {
			Delta struct {
				Content   string `json:"content"`
				Reasoning string `json:"reasoning"`
			} `json:"delta"`
		} `json:"choices"`
	}
	_ = json.Unmarshal(data, &chunk)
	size := len(data)
	for _, ch := range chunk.Choices {
		size += len(ch.Delta.Content) + len(ch.Delta.Reasoning)
	}
	if s.cutEvents > 0 || s.size+size > limit {
		s.cutEvents++
		s.cutBytes += len(data)
		return
	}
	s.size += size
	s.events = append(s.events, string(data))
	for _, ch := range chunk.Choices {
		s.text.WriteString(ch.Delta.Content)
		s.reasoning.WriteString(ch.Delta.Reasoning)
	}
}

// Fill sets the streamed parts of resp.
func (s *StreamCapture) Fill(resp *ResponseInfo) {
	resp.Events = s.events
	resp.Text = s.text.String()
	resp.Reasoning = s.reasoning.String()
	resp.Cut = ""
	if s.cutEvents > 0 {
		resp.Cut = fmt.Sprintf("the capture keeps the first %d bytes of the stream; %d later events (%d bytes) are not kept",
			s.size, s.cutEvents, s.cutBytes)
	}
}
