package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/openai"
	"github.com/freelane/freelane/proxy/stats"
	"github.com/freelane/freelane/proxy/upstream"
)

var doneData = []byte("[DONE]")

// errInvalidEvent names a stream event whose data is not JSON.
var errInvalidEvent = errors.New("the model sent a stream event that is not valid JSON")

// streamRelay passes one upstream SSE stream to the client event by event.
//
// Until the first event that carries something for the user (content,
// reasoning, a tool call or a finish), nothing is sent: the status line is
// still ours to choose, so a failing model is replaced by another one
// without the client noticing. Role-only chunks wait for that moment and
// OpenRouter's ": OPENROUTER PROCESSING" keep-alives before it are dropped;
// after it, every event is forwarded as it arrives and flushed at once, and
// comments pass unchanged. A failure after that point ends the stream with
// an error event the OpenAI SDKs raise.
//
// One exception keeps a reasoning-only answer readable: while no content has
// been seen and the reasoning may still have to become the content (see
// openai.StreamState.MayAddFinal), the chunks that close the stream (a
// finish_reason, the usage chunk) wait in tail, so that the synthesized
// content chunk goes before them; clients stop reading at either.
type streamRelay struct {
	c         *chatCall
	a         *attempt
	rc        *http.ResponseController
	body      *flushingBody
	state     *openai.StreamState
	held      [][]byte // events before the commit
	tail      [][]byte // closing events held back after it (see above)
	committed bool
	finished  bool // a chunk with finish_reason arrived
	text      strings.Builder
	reasoning strings.Builder
}

// attemptStream makes one streaming attempt; true when the call is over
// (answered, or failed after the answer began).
func (c *chatCall) attemptStream(model string) bool {
	cfg := &c.rt.cfg
	a := c.begin(model)
	ctx, cancel := context.WithCancelCause(c.r.Context())
	defer cancel(nil)
	// One watchdog: first the first-token timeout, then the idle timeout
	// between events once the answer flows.
	watchdog := time.AfterFunc(cfg.FirstTokenTimeout, func() { cancel(errStalled) })
	defer watchdog.Stop()

	resp, uerr := c.send(ctx, model)
	if uerr != nil {
		return a.failed(uerr)
	}
	defer resp.Body.Close()
	rc := http.NewResponseController(c.w)
	sr := &streamRelay{c: c, a: a, rc: rc,
		body:  &flushingBody{body: resp.Body, rc: rc, watchdog: watchdog, idle: cfg.StreamIdleTimeout},
		state: openai.NewStreamState(c.req.WantsReasoning)}
	events := upstream.NewEventReader(sr.body, maxEventBytes)
	defer events.Release() // every use of an event ends before the return
	for {
		ev, err := events.Next()
		if err != nil {
			return sr.readFailed(ctx, err)
		}
		if ev.Comment {
			if sr.committed {
				if !sr.write(ev.Raw) {
					return true
				}
			}
			continue
		}
		if bytes.Equal(ev.Data, doneData) {
			return sr.done(ev.Raw)
		}
		if !sr.committed {
			if e := upstream.ChunkError(ev.Data); e != nil {
				return a.failed(e)
			}
		}
		out, info := sr.state.Chunk(ev.Data)
		if info == (openai.ChunkInfo{}) && !json.Valid(ev.Data) {
			// A garbled event is the model's failure: SDKs cannot parse it.
			return sr.readFailed(ctx, errInvalidEvent)
		}
		frame := ev.Raw
		if !sameBytes(out, ev.Data) {
			frame = dataFrame(out)
		}
		if c.rec != nil {
			sr.captureEvent(out)
		}
		if info.Finish != "" {
			sr.finished = true
		}
		if !sr.committed {
			if !info.Content && !info.Reasoning && info.Finish == "" && !info.Error {
				sr.held = append(sr.held, bytes.Clone(frame))
				continue
			}
			sr.commit()
		}
		if (info.Finish != "" || info.NoChoices) && !info.Error && sr.state.MayAddFinal() {
			sr.tail = append(sr.tail, bytes.Clone(frame))
			sr.body.rearm = true // upstream is alive: the idle wait starts again
			continue
		}
		if !sr.writeTail() || !sr.write(frame) {
			return true
		}
		sr.body.rearm = true
		if info.Error {
			e := upstream.ChunkError(ev.Data)
			if e == nil {
				e = &upstream.Error{Status: http.StatusBadGateway, Kind: upstream.KindModelBusy, Message: "the model reported an error mid-stream"}
			}
			a.failed(e)
			c.finish(model, stats.OutcomeFailed, e.Status, "error mid-stream: "+e.Message)
			return true
		}
	}
}

// commit sends the status line and the held chunks: from here on this model
// owns the answer.
func (sr *streamRelay) commit() {
	c := sr.c
	sr.committed = true
	sr.a.first = c.s.now().Sub(sr.a.started)
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	h.Set(headerModel, sr.a.model)
	h.Set(headerAttempts, strconv.Itoa(len(c.tried)))
	c.w.WriteHeader(http.StatusOK)
	for _, f := range sr.held {
		_, _ = c.w.Write(f)
	}
	sr.held = nil
}

// write sends one event; false when the client is gone (the call is then
// counted and over). The flush waits for the next read of the upstream body
// (see flushingBody), so events that arrived together leave together.
func (sr *streamRelay) write(frame []byte) bool {
	if _, err := sr.c.w.Write(frame); err == nil {
		sr.body.pending = true
		return true
	}
	sr.clientGone()
	return false
}

// writeTail sends the closing events held back so far, in their order;
// false when the client is gone.
func (sr *streamRelay) writeTail() bool {
	for _, f := range sr.tail {
		if !sr.write(f) {
			return false
		}
	}
	sr.tail = nil
	return true
}

// flush sends what write buffered; false when the client is gone.
func (sr *streamRelay) flush() bool {
	sr.body.pending = false
	if err := sr.rc.Flush(); err != nil {
		sr.clientGone()
		return false
	}
	return true
}

// clientGone counts a stream whose client left after it began.
func (sr *streamRelay) clientGone() {
	sr.c.finish(sr.a.model, stats.OutcomeFailed, statusClientGone, errClientGone.Error())
}

// flushingBody flushes the events written to the client right before each
// read of the upstream body. Flushing every event cost a write system call
// each; flushing only before the relay could wait for upstream sends the
// events of one upstream read in one write, and never holds an event back
// while upstream is silent.
//
// It also restarts the idle watchdog there, once per upstream read rather
// than once per event: the events of one read arrived together, so the wait
// for the next one starts when the relay asks upstream for more.
type flushingBody struct {
	body     io.Reader
	rc       *http.ResponseController
	watchdog *time.Timer
	idle     time.Duration // the wait allowed between events once the answer flows
	rearm    bool          // an event was forwarded since the watchdog last restarted
	pending  bool          // events written since the last flush
	failed   error         // the flush that found the client gone
}

func (b *flushingBody) Read(p []byte) (int, error) {
	if b.rearm {
		b.rearm = false
		b.watchdog.Reset(b.idle)
	}
	if b.pending {
		b.pending = false
		if err := b.rc.Flush(); err != nil {
			b.failed = fmt.Errorf("%w: %w", errClientGone, err)
			return 0, b.failed
		}
	}
	return b.body.Read(p)
}

// done ends a complete stream.
func (sr *streamRelay) done(raw []byte) bool {
	c := sr.c
	if !sr.committed {
		sr.commit()
	}
	if final := sr.state.Final(); final != nil {
		if c.rec != nil {
			sr.captureEvent(final)
		}
		if !sr.write(dataFrame(final)) {
			return true
		}
	}
	if !sr.writeTail() || !sr.write(raw) {
		return true
	}
	// Counted before the last flush: a client that saw [DONE] finds its call
	// in the statistics even if Freelane is killed the next instant.
	sr.a.succeeded(http.StatusOK)
	c.recordStream(sr)
	c.finish(sr.a.model, stats.OutcomeSuccess, http.StatusOK, "")
	sr.body.pending = false
	_ = sr.rc.Flush() // a client gone now has its whole answer but [DONE]
	return true
}

// readFailed handles the end of the upstream body without [DONE].
func (sr *streamRelay) readFailed(ctx context.Context, err error) bool {
	c := sr.c
	if c.r.Context().Err() != nil || sr.body.failed != nil {
		if sr.committed {
			sr.clientGone()
			return true
		}
		return false // run() counts the departed client
	}
	if errors.Is(err, io.EOF) && sr.committed && sr.finished {
		// The answer was complete; only the [DONE] line was missing.
		return sr.done(dataFrame(doneData))
	}
	var e *upstream.Error
	switch {
	case errors.Is(err, io.EOF) && !sr.committed:
		e = &upstream.Error{Status: http.StatusBadGateway, Kind: upstream.KindModelBusy, Message: "the stream ended before any answer"}
	default:
		e = asUpstreamError(ctx, fmt.Errorf("reading the stream: %w", err))
	}
	if !sr.committed {
		return sr.a.failed(e)
	}
	sr.a.failed(e)
	code, outcome := "upstream_stream_error", stats.OutcomeFailed
	if e.Kind == upstream.KindTimeout {
		code, outcome = "upstream_timeout", stats.OutcomeTimeout
	}
	msg := "The answer from " + sr.a.model + " broke off: " + e.Message
	// What was held back arrived before the failure, so it goes first.
	frames := append(sr.tail, dataFrame(openai.ErrorJSON(e.Status, code, msg)))
	sr.tail = nil
	written := true
	for _, f := range frames {
		if _, werr := c.w.Write(f); werr != nil {
			written = false
			break
		}
	}
	if written {
		_ = sr.rc.Flush()
	}
	c.recordStream(sr)
	c.finish(sr.a.model, outcome, e.Status, msg)
	return true
}

// captureEvent keeps the raw event and the reassembled text for a debug dump.
func (sr *streamRelay) captureEvent(data []byte) {
	rec := sr.c.rec
	rec.Response.Events = append(rec.Response.Events, string(data))
	var chunk struct {
		Choices []struct {
			Delta struct {
				Content   string `json:"content"`
				Reasoning string `json:"reasoning"`
			} `json:"delta"`
		} `json:"choices"`
	}
	if json.Unmarshal(data, &chunk) == nil {
		for _, ch := range chunk.Choices {
			sr.text.WriteString(ch.Delta.Content)
			sr.reasoning.WriteString(ch.Delta.Reasoning)
		}
	}
}

func (c *chatCall) recordStream(sr *streamRelay) {
	if c.rec == nil {
		return
	}
	c.rec.Response.Status = http.StatusOK
	c.rec.Response.Text = sr.text.String()
	c.rec.Response.Reasoning = sr.reasoning.String()
}

func dataFrame(payload []byte) []byte {
	f := make([]byte, 0, len(payload)+8)
	f = append(f, "data: "...)
	f = append(f, payload...)
	return append(f, '\n', '\n')
}

// sameBytes reports whether out is data itself (the chunk passed unchanged).
func sameBytes(out, data []byte) bool {
	return len(out) == len(data) && (len(out) == 0 || &out[0] == &data[0])
}
