package fakeopenrouter

import (
	"encoding/json"
	"net/http"
)

// processingComment is OpenRouter's SSE keep-alive.
const processingComment = ": OPENROUTER PROCESSING\n\n"

// contentPieces is how many deltas a streamed text is split into.
const contentPieces = 4

// startStream sends the 200 and the stream headers, then the keep-alive
// comment OpenRouter writes before the first chunk. It runs once.
func (x *exchange) startStream() {
	if x.started || x.aborted {
		return
	}
	h := x.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Generation-Id", x.genID)
	x.w.WriteHeader(http.StatusOK)
	x.started = true
	x.write(processingComment)
}

// write sends raw bytes and flushes them; a failed write means the client
// is gone and the rest of the stream is skipped.
func (x *exchange) write(s string) {
	if x.aborted {
		return
	}
	if _, err := x.w.Write([]byte(s)); err != nil {
		x.aborted = true
		return
	}
	if err := x.rc.Flush(); err != nil {
		x.aborted = true
	}
}

// event sends one "data:" event. After the first one it holds at the gate,
// if a Gate behaviour set one.
func (x *exchange) event(v any) {
	line, err := json.Marshal(v)
	if err != nil {
		panic("fakeopenrouter: encoding chunk: " + err.Error())
	}
	x.dataLine(line)
}

func (x *exchange) dataLine(payload []byte) {
	x.write("data: " + string(payload) + "\n\n")
	x.events++
	if x.events == 1 && x.gate != nil {
		x.waitGate()
	}
}

func (x *exchange) waitGate() {
	select {
	case <-x.gate:
	case <-x.r.Context().Done():
		x.cancelled()
	case <-x.s.done:
		x.abort()
	}
}

func (x *exchange) chunk(d delta, finish *string) chunk {
	return chunk{
		ID: x.genID, Object: "chat.completion.chunk", Created: x.created,
		Model: x.answeredBy, Provider: x.provider,
		Choices: []chunkChoice{{Delta: d, FinishReason: finish, NativeFinishReason: finish}},
	}
}

func (x *exchange) contentChunk(text string) chunk {
	return x.chunk(delta{Content: text, Role: "assistant"}, nil)
}

// streamReply streams a reply like §3: reasoning deltas (each with its
// reasoning_details), content deltas, a finish chunk, the usage chunk and
// [DONE].
func (x *exchange) streamReply(rep reply) {
	x.startStream()
	if rep.reasoning != "" {
		for _, piece := range splitPieces(rep.reasoning, contentPieces) {
			quoted, _ := json.Marshal(piece)
			x.event(x.chunk(delta{
				Role: "assistant", Reasoning: quoted,
				ReasoningDetails: []reasoningDetail{{Type: "reasoning.text", Text: piece, Format: "unknown"}},
			}, nil))
		}
	}
	switch {
	case rep.toolName != "":
		x.streamToolCall(rep)
	case rep.content != "":
		for _, piece := range splitPieces(rep.content, contentPieces) {
			x.event(x.contentChunk(piece))
		}
	case rep.reasoning == "":
		x.event(x.contentChunk(""))
	}
	x.finish(rep)
}

func (x *exchange) streamToolCall(rep reply) {
	x.event(x.chunk(delta{Role: "assistant", ToolCalls: []toolCall{{
		ID: x.toolCallID(), Type: "function", Function: toolFunction{Name: rep.toolName},
	}}}, nil))
	for _, piece := range splitPieces(rep.toolArgs, contentPieces) {
		x.event(x.chunk(delta{Role: "assistant", ToolCalls: []toolCall{{Function: toolFunction{Arguments: piece}}}}, nil))
	}
}

// finish writes the finish chunk, the usage chunk and [DONE].
func (x *exchange) finish(rep reply) {
	reason := rep.finishReason()
	d := delta{Role: "assistant"}
	if rep.reasoning != "" {
		d.Reasoning = json.RawMessage("null")
	}
	x.event(x.chunk(d, &reason))

	u := usageFor(x.spec, x.promptBytes, rep)
	final := x.chunk(delta{Role: "assistant"}, &reason)
	final.Choices = []chunkChoice{}
	if x.s.usageChunkChoice.Load() {
		final = x.chunk(delta{Role: "assistant"}, &reason)
		final.ServiceTier = json.RawMessage("null")
	}
	final.Usage = &u
	x.event(final)
	x.write("data: [DONE]\n\n")
}

// errorChunk is a mid-stream error: a top-level error and finish_reason
// "error". The stream ends after it, without [DONE].
func (x *exchange) errorChunk(e errorObject) {
	reason := "error"
	c := chunk{
		ID: x.genID, Object: "chat.completion.chunk", Created: x.created,
		Model: x.answeredBy, Provider: x.provider, Error: &e,
		Choices: []chunkChoice{{Delta: delta{}, FinishReason: &reason}},
	}
	x.event(c)
	x.aborted = true
}

// wordsOf cycles through the words of text, for behaviours that need a
// given number of content chunks.
func wordsOf(text string, n int) []string {
	words := splitPieces(text, len(text))
	out := make([]string, n)
	for i := range out {
		out[i] = words[i%len(words)]
	}
	return out
}

// hugeLine builds a content chunk whose "data: ..." line is exactly n bytes
// (or the smallest possible when n is smaller than an empty chunk).
func (x *exchange) hugeLine(n int) []byte {
	empty, err := json.Marshal(x.contentChunk(""))
	if err != nil {
		panic("fakeopenrouter: encoding chunk: " + err.Error())
	}
	pad := max(n-len("data: ")-len(empty), 0)
	text := make([]byte, pad)
	for i := range text {
		text[i] = 'a' + byte(i%26)
	}
	line, err := json.Marshal(x.contentChunk(string(text)))
	if err != nil {
		panic("fakeopenrouter: encoding chunk: " + err.Error())
	}
	return line
}
