package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrEventTooLarge is returned by EventReader.Next when one event exceeds
// the reader's size limit.
var ErrEventTooLarge = errors.New("SSE event too large")

// errReleased is returned by Next after Release.
var errReleased = errors.New("SSE reader used after Release")

// readBufferSize is the size a reader's buffer starts at; an event larger
// than that grows it, up to the reader's limit.
const readBufferSize = 16 << 10

// readBuffers recycles the starting buffers of released readers: every
// streamed call needs one, and allocating it afresh was the largest
// allocation of a stream relay.
var readBuffers = sync.Pool{New: func() any {
	buf := make([]byte, readBufferSize)
	return &buf
}}

// Event is one server-sent event.
//
// The slices point into the reader's buffers and are valid only until the
// next call to Next; copy them to keep them.
type Event struct {
	// Comment is true for an event made only of comment lines, such as
	// OpenRouter's ": OPENROUTER PROCESSING" keep-alive.
	Comment bool
	// Data is the event's data lines joined with "\n", without the "data:"
	// prefix and its optional space. Empty for comments.
	Data []byte
	// Raw is the event exactly as received (event:, id: and comment lines
	// included), ending in a blank line, ready to forward byte for byte. When
	// the stream omitted the blank line (at EOF, or a comment running into
	// the next event) one is added.
	Raw []byte
}

// maxEmptyReads bounds how many times in a row a reader may return no data
// and no error before Next gives up, as bufio does.
const maxEmptyReads = 100

// EventReader splits an SSE stream into events. Its memory use is bounded by
// the maximum event size, and once warmed up it does not allocate.
type EventReader struct {
	r        io.Reader
	maxEvent int
	buf      []byte // unread input is buf[start:end]
	start    int
	end      int
	data     []byte  // Data of the current event
	raw      []byte  // Raw of the current event when it had to be completed
	err      error   // sticky read error, returned once the buffer is drained
	pooled   *[]byte // the starting buffer taken from readBuffers, until Release
}

// NewEventReader returns a reader of events from r, none larger than
// maxEventBytes (counting every line of the event). Call Release when done
// with it so that the next reader can reuse its buffer.
func NewEventReader(r io.Reader, maxEventBytes int) *EventReader {
	maxEventBytes = max(maxEventBytes, 64)
	er := &EventReader{r: r, maxEvent: maxEventBytes}
	if maxEventBytes < readBufferSize {
		er.buf = make([]byte, maxEventBytes)
		return er
	}
	er.pooled = readBuffers.Get().(*[]byte)
	er.buf = *er.pooled
	return er
}

// Release gives the reader's starting buffer back for reuse. The reader,
// and the slices of every event it returned, must not be used afterwards;
// Next then fails. Release is idempotent.
func (r *EventReader) Release() {
	if r.pooled != nil {
		readBuffers.Put(r.pooled)
		r.pooled = nil
	}
	r.buf, r.data, r.raw = nil, nil, nil
	r.start, r.end = 0, 0
	r.err = errReleased
}

// Next returns the next event. It returns io.EOF at the end of the stream,
// io.ErrUnexpectedEOF when the stream ends in the middle of a line,
// ErrEventTooLarge (wrapped) when an event exceeds the limit, and any read
// error. Blank lines between events are skipped. Lines end in "\n" or
// "\r\n"; a lone "\r" is not a line ending.
func (r *EventReader) Next() (Event, error) {
	r.compact()
	pos := r.start // start of the next line to examine
	var st eventState
	r.data = r.data[:0]
	for {
		nl := bytes.IndexByte(r.buf[pos:r.end], '\n')
		if nl < 0 {
			shift, err := r.fill()
			pos -= shift
			if err != nil {
				return r.atEnd(pos, st, err)
			}
			continue
		}
		lineEnd := pos + nl + 1
		line := bytes.TrimSuffix(r.buf[pos:pos+nl], []byte{'\r'})

		switch {
		case len(line) == 0:
			if !st.sawField && !st.sawComment {
				// A stray blank line between events.
				r.start = lineEnd
				pos = lineEnd
				continue
			}
			ev := Event{Comment: !st.sawField, Raw: r.buf[r.start:lineEnd]}
			if st.sawField {
				ev.Data = r.data
			}
			r.start = lineEnd
			return ev, nil
		case line[0] == ':':
			// Before any field a comment starts a comment event; inside an
			// event it is ignored but kept in Raw.
			st.sawComment = st.sawComment || !st.sawField
		default:
			if st.sawComment && !st.sawField {
				// A comment ran straight into a field line: hand the
				// comment over as its own event, completed by a blank line.
				ev := Event{Comment: true, Raw: r.completed(r.buf[r.start:pos], r.buf[pos:lineEnd])}
				r.start = pos
				return ev, nil
			}
			st.sawField = true
			r.addField(line, &st)
		}
		pos = lineEnd
	}
}

// eventState tracks the lines of the event being read.
type eventState struct {
	sawField   bool // a non-comment line
	sawComment bool // a comment line before any field
	dataLines  int
}

// addField records a field line; only data lines contribute to Data.
func (r *EventReader) addField(line []byte, st *eventState) {
	name, value, found := bytes.Cut(line, []byte{':'})
	if string(name) != "data" {
		return // event:, id:, retry: and unknown fields stay in Raw only
	}
	if found {
		value = bytes.TrimPrefix(value, []byte{' '})
	}
	if st.dataLines > 0 {
		r.data = append(r.data, '\n')
	}
	st.dataLines++
	r.data = append(r.data, value...)
}

// completed returns lines followed by a blank line, using the line ending of
// next so the stream keeps one style.
func (r *EventReader) completed(lines, next []byte) []byte {
	r.raw = append(r.raw[:0], lines...)
	if bytes.HasSuffix(next, []byte("\r\n")) {
		return append(r.raw, '\r', '\n')
	}
	return append(r.raw, '\n')
}

// atEnd handles the end of input (or a read error) with the next line at pos.
func (r *EventReader) atEnd(pos int, st eventState, err error) (Event, error) {
	if !errors.Is(err, io.EOF) {
		return Event{}, err
	}
	if pos < r.end {
		// The stream stopped in the middle of a line.
		r.err = io.ErrUnexpectedEOF
		r.start = r.end
		return Event{}, io.ErrUnexpectedEOF
	}
	if !st.sawField && !st.sawComment {
		return Event{}, io.EOF
	}
	// A last event whose blank line never came: complete it.
	lines := r.buf[r.start:pos]
	ev := Event{Comment: !st.sawField, Raw: r.completed(lines, lines)}
	if st.sawField {
		ev.Data = r.data
	}
	r.start = pos
	return ev, nil
}

// compact moves the unread input to the front of the buffer.
func (r *EventReader) compact() {
	if r.start == 0 {
		return
	}
	r.end = copy(r.buf, r.buf[r.start:r.end])
	r.start = 0
}

// fill reads more input, first making room by compacting or growing the
// buffer up to the event limit. It returns how far the unread input moved.
func (r *EventReader) fill() (shift int, err error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.end == len(r.buf) {
		shift = r.start
		r.compact()
		if r.end == len(r.buf) {
			if len(r.buf) >= r.maxEvent {
				r.err = fmt.Errorf("%w: more than %d bytes", ErrEventTooLarge, r.maxEvent)
				return shift, r.err
			}
			grown := make([]byte, min(2*len(r.buf), r.maxEvent))
			copy(grown, r.buf[:r.end])
			r.buf = grown
		}
	}
	for range maxEmptyReads {
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.err = err
			if n > 0 {
				return shift, nil // deliver what came with the error first
			}
			return shift, err
		}
		if n > 0 {
			return shift, nil
		}
	}
	r.err = io.ErrNoProgress
	return shift, r.err
}
