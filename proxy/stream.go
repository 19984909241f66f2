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
//
// What is held back is bounded (maxHeldBytes), and only progress (content,
// reasoning, a finish, an error) restarts the idle wait, so an upstream
// sending empty chunks can neither grow Freelane nor keep a call open.
type streamRelay struct {
	c         *chatCall
	a         *attempt
	rc        *http.ResponseController
	body      *flushingBody
	state     *openai.StreamState
	held      [][]byte // events before the commit
	tail      [][]byte // closing events held back after it (see above)
	heldBytes int      // in held and tail together, at most maxHeldBytes
	committed bool
	finished  bool // a chunk with finish_reason arrived
}

// maxHeldBytes bounds the events a stream holds back (held and tail): an
// upstream that sends empty or role-only chunks before any content, or
// "choices":[] chunks after the reasoning, must not make Freelane grow.
// Past it such chunks are dropped; they carry nothing a client shows.
const maxHeldBytes = 64 << 10

// hold keeps a copy of frame in *list within maxHeldBytes; false when dropped.
func (sr *streamRelay) hold(list *[][]byte, frame []byte) bool {
	if sr.heldBytes+len(frame) > maxHeldBytes {
		return false
	}
	sr.heldBytes += len(frame)
	*list = append(*list, bytes.Clone(frame))
	return true
}

// attemptStream makes one streaming attempt; over when the call is
// (answered, or failed or left by its client after the answer began).
func (c *chatCall) attemptStream(model string) (res callResult, over bool) {
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
					return c.gone(model), true
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
			c.rec.AddEvent(out)
		}
		if info.Finish != "" {
			sr.finished = true
		}
		// Only progress restarts the idle wait: chunks that carry nothing
		// (keep-alives, "choices":[]) would otherwise keep a stalled model's
		// call open for ever. Before the commit nothing restarts it: such
		// chunks count against the first-token deadline.
		progress := info.Content || info.Reasoning || info.Finish != "" || info.Error
		if !sr.committed {
			if !progress {
				sr.hold(&sr.held, frame)
				continue
			}
			sr.commit()
		}
		if (info.Finish != "" || info.NoChoices) && !info.Error && sr.state.MayAddFinal() {
			sr.hold(&sr.tail, frame)
			if progress {
				sr.body.rearm = true
			}
			continue
		}
		if !sr.writeTail() || !sr.write(frame) {
			return c.gone(model), true
		}
		if progress {
			sr.body.rearm = true
		}
		if info.Error {
			e := upstream.ChunkError(ev.Data)
			if e == nil {
				e = &upstream.Error{Status: http.StatusBadGateway, Kind: upstream.KindModelBusy, Message: "the model reported an error mid-stream"}
			}
			a.failed(e)
			return c.result(model, stats.OutcomeFailed, e.Status, e.Code, "error mid-stream: "+e.Message), true
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
	sr.held, sr.heldBytes = nil, 0
}

// write sends one event; false when the client is gone (the call is then
// over). The flush waits for the next read of the upstream body
// (see flushingBody), so events that arrived together leave together.
func (sr *streamRelay) write(frame []byte) bool {
	if _, err := sr.c.w.Write(frame); err != nil {
		return false
	}
	sr.body.pending = true
	return true
}

// writeTail sends the closing events held back so far, in their order;
// false when the client is gone.
func (sr *streamRelay) writeTail() bool {
	for _, f := range sr.tail {
		if !sr.write(f) {
			return false
		}
	}
	sr.tail, sr.heldBytes = nil, 0
	return true
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
func (sr *streamRelay) done(raw []byte) (callResult, bool) {
	c := sr.c
	if !sr.committed {
		sr.commit()
	}
	if final := sr.state.Final(); final != nil {
		if c.rec != nil {
			c.rec.AddEvent(final)
		}
		if !sr.write(dataFrame(final)) {
			return c.gone(sr.a.model), true
		}
	}
	if !sr.writeTail() || !sr.write(raw) {
		return c.gone(sr.a.model), true
	}
	// Recorded before the last flush: a client that saw [DONE] finds its
	// call in the statistics even if Freelane is killed the next instant.
	sr.a.succeeded(http.StatusOK)
	c.recordStream(sr)
	sr.body.pending = false
	res := c.result(sr.a.model, stats.OutcomeSuccess, http.StatusOK, "", "")
	res.flush = sr.rc // a client gone now has its whole answer but [DONE]
	return res, true
}

// readFailed handles the end of the upstream body without [DONE].
func (sr *streamRelay) readFailed(ctx context.Context, err error) (callResult, bool) {
	c := sr.c
	if c.r.Context().Err() != nil || sr.body.failed != nil {
		if sr.committed {
			return c.gone(sr.a.model), true
		}
		return callResult{}, false // run() counts the departed client
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
	return c.result(sr.a.model, outcome, e.Status, code, msg), true
}

func (c *chatCall) recordStream(sr *streamRelay) {
	if c.rec == nil {
		return
	}
	c.rec.Response.Status = http.StatusOK
	c.rec.StreamDone()
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
