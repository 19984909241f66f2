package translate

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"sync"
	"time"
)

// Sink receives the chat handler's answer as typed values. The Writer calls
// it from one goroutine at a time (the chat handler's, or its keep-alive
// timer's), never concurrently. A method that returns an error (the client
// is gone) makes the Writer's Write fail, which the chat handler counts as
// a departed client.
type Sink interface {
	// Error gets an error answer (any status but 200) before any answer began.
	Error(e *Error) error
	// Completion gets a non-streamed answer; h holds the chat handler's
	// headers (e.g. X-Freelane-Model).
	Completion(h http.Header, c *Completion) error
	// StreamStart opens a streamed answer; h as for Completion.
	StreamStart(h http.Header) error
	// Chunk gets one chat.completion.chunk event of the stream.
	Chunk(c *Chunk) error
	// KeepAlive gets an SSE comment of the stream.
	KeepAlive() error
	// StreamError gets an in-band error event: the stream ends with it.
	StreamError(e *Error) error
	// StreamEnd ends the stream; complete is false when it stopped without
	// "[DONE]" and without an error event.
	StreamEnd(complete bool) error
	// Waiting is called every WaitEvery while the chat handler has not yet
	// answered (see Writer.WaitEvery); the sink may send a keep-alive of its
	// own wire format.
	Waiting() error
	// Flush pushes what the sink wrote to the client.
	Flush() error
}

// maxBuffered bounds a non-streamed answer or an error body the Writer
// holds, and one stream event; the chat handler bounds them already.
const maxBuffered = 64 << 20

// ErrTooLarge is returned by Write when a held body outgrows maxBuffered.
var ErrTooLarge = errors.New("translate: answer too large to translate")

type mode int

const (
	modeNone   mode = iota
	modeError       // status >= 300: the body is an OpenAI error
	modeJSON        // 200 application/json: a chat.completion
	modeStream      // 200 text/event-stream
)

// Writer is the http.ResponseWriter the chat handler writes to. It parses
// what it gets into typed values for its Sink. Call Close after the chat
// handler returned.
type Writer struct {
	rw   http.ResponseWriter
	sink Sink

	mu       sync.Mutex
	header   http.Header
	status   int
	mode     mode
	body     bytes.Buffer // held error or JSON body; partial stream line
	data     bytes.Buffer // data lines of the stream event being read
	ended    bool         // the stream saw [DONE] or an error event
	closed   bool
	sinkErr  error
	waitStop chan struct{}
}

// NewWriter returns a Writer over rw, the client's writer, reporting to sink.
func NewWriter(rw http.ResponseWriter, sink Sink) *Writer {
	return &Writer{rw: rw, sink: sink, header: make(http.Header)}
}

// WaitEvery starts calling sink.Waiting every d until the chat handler
// answers or Close is called. Use it before handing the Writer over.
func (w *Writer) WaitEvery(d time.Duration) {
	if d <= 0 {
		return
	}
	w.waitStop = make(chan struct{})
	go func(stop chan struct{}) {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				w.mu.Lock()
				if w.status != 0 || w.closed {
					w.mu.Unlock()
					return
				}
				if w.sinkErr == nil {
					if err := w.sink.Waiting(); err == nil {
						err = w.sink.Flush()
						w.sinkErr = err
					} else {
						w.sinkErr = err
					}
				}
				w.mu.Unlock()
			}
		}
	}(w.waitStop)
}

// Header is the chat handler's header map; it never reaches the client
// as is: the sink decides which headers to pass on.
func (w *Writer) Header() http.Header { return w.header }

// Unwrap gives http.ResponseController the client's writer (read and write
// deadlines).
func (w *Writer) Unwrap() http.ResponseWriter { return w.rw }

// WriteHeader records the status and how the body is to be parsed.
func (w *Writer) WriteHeader(status int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeader(status)
}

func (w *Writer) writeHeader(status int) {
	if w.status != 0 || status < 200 {
		return // informational answers and repeats are not the answer
	}
	w.status = status
	if w.waitStop != nil {
		close(w.waitStop)
		w.waitStop = nil
	}
	ct, _, _ := mime.ParseMediaType(w.header.Get("Content-Type"))
	switch {
	case status != http.StatusOK:
		w.mode = modeError
	case ct == "text/event-stream":
		w.mode = modeStream
		w.sinkErr = w.sink.StreamStart(w.header)
	default:
		w.mode = modeJSON
	}
}

// Write takes body bytes of the chat handler's answer.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 {
		w.writeHeader(http.StatusOK)
	}
	if w.sinkErr != nil {
		return 0, w.sinkErr
	}
	if w.body.Len()+len(p) > maxBuffered {
		return 0, ErrTooLarge
	}
	w.body.Write(p)
	if w.mode == modeStream {
		w.lines()
	}
	if w.sinkErr != nil {
		return 0, w.sinkErr
	}
	return len(p), nil
}

// lines handles every complete line held in body.
func (w *Writer) lines() {
	for w.sinkErr == nil {
		buf := w.body.Bytes()
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return
		}
		line := bytes.TrimSuffix(buf[:i], []byte("\r"))
		w.line(line)
		w.body.Next(i + 1)
	}
}

// line applies one SSE line: a comment, a data line, or the blank line
// that ends an event. Other fields (event:, id:) are not used by the chat
// stream and are ignored.
func (w *Writer) line(line []byte) {
	switch {
	case len(line) == 0:
		if w.data.Len() > 0 {
			w.event(bytes.Clone(w.data.Bytes()))
			w.data.Reset()
		}
	case line[0] == ':':
		if !w.ended {
			w.sinkErr = w.sink.KeepAlive()
		}
	case bytes.HasPrefix(line, []byte("data:")):
		v := bytes.TrimPrefix(line[5:], []byte(" "))
		if w.data.Len() > 0 {
			w.data.WriteByte('\n')
		}
		w.data.Write(v)
	}
}

func (w *Writer) event(data []byte) {
	if w.ended {
		return
	}
	if string(data) == "[DONE]" {
		w.ended = true
		w.sinkErr = w.sink.StreamEnd(true)
		return
	}
	c, err := ParseChunk(data)
	var e *Error
	switch {
	case errors.As(err, &e):
		w.ended = true
		w.sinkErr = w.sink.StreamError(e)
	case err != nil:
		// The chat handler only forwards valid JSON; skip anything else.
	default:
		w.sinkErr = w.sink.Chunk(c)
	}
}

// Flush passes the chat handler's flushes on to the client.
func (w *Writer) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting a client that is gone (http.ResponseController
// prefers it to Flush).
func (w *Writer) FlushError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 {
		w.writeHeader(http.StatusOK)
	}
	if w.sinkErr != nil {
		return w.sinkErr
	}
	if w.mode != modeStream {
		return nil // held bodies are translated at Close
	}
	w.sinkErr = w.sink.Flush()
	return w.sinkErr
}

// Close ends the translation once the chat handler has returned: a held
// error or answer goes to the sink, a stream without its end is closed.
// It returns the sink's error, if any.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.sinkErr
	}
	w.closed = true
	if w.waitStop != nil {
		close(w.waitStop)
		w.waitStop = nil
	}
	if w.sinkErr != nil {
		return w.sinkErr
	}
	switch w.mode {
	case modeNone:
		// The handler wrote nothing (a client that left before any answer).
		return nil
	case modeError:
		w.sinkErr = w.sink.Error(ParseError(w.status, w.header, w.body.Bytes()))
	case modeJSON:
		c, err := ParseCompletion(w.body.Bytes())
		var e *Error
		switch {
		case errors.As(err, &e):
			w.sinkErr = w.sink.Error(e)
		case err != nil:
			w.sinkErr = w.sink.Error(&Error{Status: http.StatusBadGateway, Type: "api_error", Message: err.Error()})
		default:
			w.sinkErr = w.sink.Completion(w.header, c)
		}
	case modeStream:
		if w.body.Len() > 0 {
			w.body.WriteByte('\n')
			w.lines()
		}
		w.line(nil) // a last event without its blank line
		if !w.ended && w.sinkErr == nil {
			w.sinkErr = w.sink.StreamEnd(false)
		}
	}
	if w.sinkErr == nil {
		w.sinkErr = w.sink.Flush()
	}
	return w.sinkErr
}
