package fakeopenrouter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Behavior is what the fake does for one call to one model. Build it with
// the constructors below; the zero Behavior answers the default text.
// Every behaviour serves both streamed and non-streamed calls.
type Behavior struct {
	name string
	run  func(*exchange)
}

// String names the behaviour, for test failure messages.
func (b Behavior) String() string {
	if b.name == "" {
		return "Answer(default)"
	}
	return b.name
}

// Answer replies with text.
func Answer(text string) Behavior {
	return Behavior{name: "Answer", run: func(x *exchange) { x.answer(reply{content: text}) }}
}

// AnswerWithReasoning replies with reasoning (message.reasoning and
// reasoning_details, or reasoning deltas) followed by text.
func AnswerWithReasoning(reasoning, text string) Behavior {
	return Behavior{name: "AnswerWithReasoning", run: func(x *exchange) {
		x.answer(reply{reasoning: reasoning, content: text})
	}}
}

// ReasoningOnly replies with reasoning and empty content, as some free
// reasoning models do.
func ReasoningOnly(reasoning string) Behavior {
	return Behavior{name: "ReasoningOnly", run: func(x *exchange) { x.answer(reply{reasoning: reasoning}) }}
}

// ToolCall replies with one call to the function name with JSON args, and
// finish_reason "tool_calls".
func ToolCall(name, args string) Behavior {
	return Behavior{name: "ToolCall", run: func(x *exchange) {
		x.answer(reply{toolName: name, toolArgs: args})
	}}
}

// DailyCap answers the account-wide free daily cap 429, whose
// X-RateLimit-Reset is the next 00:00 UTC in epoch milliseconds.
func DailyCap() Behavior {
	return Behavior{name: "DailyCap", run: func(x *exchange) {
		x.fail(dailyCapError(x.s.dailyLimit(), x.s.now()))
	}}
}

// MinuteCap answers the free per-minute 429 (limit 20).
func MinuteCap() Behavior {
	return Behavior{name: "MinuteCap", run: func(x *exchange) { x.fail(minuteCapError(x.s.now())) }}
}

// ProviderBusy answers the upstream provider's 429 for this one model
// ("Provider returned error", provider_name, "temporarily rate-limited
// upstream").
func ProviderBusy() Behavior {
	return Behavior{name: "ProviderBusy", run: func(x *exchange) {
		x.fail(providerBusyError(x.answeredBy, x.provider))
	}}
}

// ServerError answers a 5xx (500, 502 and 503 have OpenRouter's bodies).
func ServerError(status int) Behavior {
	return Behavior{name: "ServerError(" + strconv.Itoa(status) + ")", run: func(x *exchange) {
		x.fail(serverError(status, x.provider))
	}}
}

// NoEndpoints answers 404 "No endpoints found for <model>.", as for a
// delisted free model.
func NoEndpoints() Behavior {
	return Behavior{name: "NoEndpoints", run: func(x *exchange) { x.fail(noEndpoints(x.answeredBy)) }}
}

// FreeVariantEnded answers 404 with an availability object whose
// fallback_models names the paid twin.
func FreeVariantEnded() Behavior {
	return Behavior{name: "FreeVariantEnded", run: func(x *exchange) {
		x.fail(freeVariantEndedError(x.answeredBy, strings.TrimSuffix(x.answeredBy, ":free")))
	}}
}

// MidStreamError streams afterChunks content chunks, then an error chunk
// with a numeric code (502) and finish_reason "error". Non-streamed calls
// get a 200 whose choices[0] carries the partial text and the error.
func MidStreamError(afterChunks int) Behavior {
	return MidStreamErrorCode(afterChunks, http.StatusBadGateway)
}

// MidStreamErrorCode is MidStreamError with the given code, a number or a
// string such as "server_error" (both occur on the wire).
func MidStreamErrorCode(afterChunks int, code any) Behavior {
	return Behavior{name: "MidStreamError", run: func(x *exchange) {
		errorType := "server"
		if status, ok := code.(int); ok {
			errorType = errorTypeForStatus(status)
		}
		failure := errorObject{Code: code, Message: "Provider returned error", Metadata: map[string]any{"error_type": errorType}}
		words := wordsOf(defaultAnswer(x.answeredBy), afterChunks)
		if !x.req.Stream {
			x.writeCompletion(x.completion(reply{content: strings.Join(words, "")}, &failure))
			return
		}
		x.startStream()
		for _, w := range words {
			x.event(x.contentChunk(w))
		}
		x.errorChunk(failure)
	}}
}

// ErrorBodyIn200 answers a non-streamed 200 whose choices[0] has partial
// content, an error object and finish_reason "error". Streamed calls get
// the equivalent: one content chunk, then an error chunk.
func ErrorBodyIn200() Behavior {
	b := MidStreamError(1)
	b.name = "ErrorBodyIn200"
	return b
}

// Delay waits d before next starts (before any header), or until the
// client cancels, which is reported on Cancelled.
func Delay(d time.Duration, next Behavior) Behavior {
	return Behavior{name: "Delay(" + d.String() + ", " + next.String() + ")", run: func(x *exchange) {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			x.serveNext(next)
		case <-x.r.Context().Done():
			x.cancelled()
		case <-x.s.done:
			x.abort()
		}
	}}
}

// Hang never answers; when the client cancels, the call is reported on
// Cancelled.
func Hang() Behavior {
	return Behavior{name: "Hang", run: func(x *exchange) {
		select {
		case <-x.r.Context().Done():
			x.cancelled()
		case <-x.s.done:
			x.abort()
		}
	}}
}

// Drip streams text one character per chunk, one chunk per interval.
// Non-streamed calls get the JSON body one byte per interval.
func Drip(interval time.Duration, text string) Behavior {
	return Behavior{name: "Drip", run: func(x *exchange) {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		tick := func() bool {
			select {
			case <-ticker.C:
				return true
			case <-x.r.Context().Done():
				x.cancelled()
			case <-x.s.done:
				x.abort()
			}
			return false
		}
		if !x.req.Stream {
			body := x.completionBytes(reply{content: text})
			x.startBody()
			for i := range body {
				if !tick() {
					return
				}
				x.write(string(body[i : i+1]))
			}
			return
		}
		x.startStream()
		for rest := text; rest != ""; {
			_, size := utf8.DecodeRuneInString(rest)
			if !tick() {
				return
			}
			x.event(x.contentChunk(rest[:size]))
			rest = rest[size:]
		}
		x.finish(reply{content: text})
	}}
}

// ResetMidStream sends afterChunks content chunks (non-streamed calls: the
// first half of the body), then closes the TCP connection with a reset.
func ResetMidStream(afterChunks int) Behavior {
	return Behavior{name: "ResetMidStream", run: func(x *exchange) {
		if !x.req.Stream {
			body := x.completionBytes(reply{content: defaultAnswer(x.answeredBy)})
			x.startBody()
			x.write(string(body[:len(body)/2]))
			x.reset()
			return
		}
		x.startStream()
		for _, w := range wordsOf(defaultAnswer(x.answeredBy), afterChunks) {
			x.event(x.contentChunk(w))
		}
		x.reset()
	}}
}

// MalformedJSON answers 200 with a body (or a first data event) that is not
// valid JSON.
func MalformedJSON() Behavior {
	return Behavior{name: "MalformedJSON", run: func(x *exchange) {
		broken := `{"id":"` + x.genID + `","object":"chat.completion","choices":[{"message":{"content":"ok"}]}}`
		if !x.req.Stream {
			x.startBody()
			x.write(broken)
			return
		}
		x.startStream()
		x.dataLine([]byte(broken))
		x.write("data: [DONE]\n\n")
	}}
}

// TruncatedSSE streams two content chunks, then half an event, and ends the
// response cleanly without [DONE]. Non-streamed calls get half a body.
func TruncatedSSE() Behavior {
	return Behavior{name: "TruncatedSSE", run: func(x *exchange) {
		if !x.req.Stream {
			body := x.completionBytes(reply{content: defaultAnswer(x.answeredBy)})
			x.startBody()
			x.write(string(body[:len(body)/2]))
			return
		}
		x.startStream()
		for _, w := range wordsOf(defaultAnswer(x.answeredBy), 2) {
			x.event(x.contentChunk(w))
		}
		x.write(`data: {"id":"` + x.genID + `","object":"chat.completion.chunk","cho`)
	}}
}

// HugeEventLine streams one content event whose "data: ..." line is n bytes
// long (newline excluded), then finishes normally. Non-streamed calls get n
// bytes of content.
func HugeEventLine(n int) Behavior {
	return Behavior{name: "HugeEventLine", run: func(x *exchange) {
		if !x.req.Stream {
			x.writeCompletion(x.completion(reply{content: strings.Repeat("a", n)}, nil))
			return
		}
		x.startStream()
		line := x.hugeLine(n)
		x.dataLine(line)
		// The usage reflects the content actually sent.
		x.finish(reply{content: string(line)})
	}}
}

// Comments sends n extra ": OPENROUTER PROCESSING" comments before next
// (streamed calls only). The 200 is then already out, so an error from
// next arrives in-band, as it does from OpenRouter.
func Comments(n int, next Behavior) Behavior {
	return Behavior{name: "Comments(" + strconv.Itoa(n) + ", " + next.String() + ")", run: func(x *exchange) {
		if x.req.Stream {
			x.startStream()
			for range n {
				x.write(processingComment)
			}
		}
		x.serveNext(next)
	}}
}

// Gate runs next but, in a stream, holds after the first data event is
// written and flushed until ch is closed (or the client cancels). A
// non-streamed call waits for ch before answering.
func Gate(ch <-chan struct{}, next Behavior) Behavior {
	return Behavior{name: "Gate(" + next.String() + ")", run: func(x *exchange) {
		x.gate = ch
		if !x.req.Stream {
			x.waitGate()
			x.gate = nil
			if x.aborted {
				return
			}
		}
		x.serveNext(next)
	}}
}

// serveNext runs a wrapped behaviour, the zero one being the default answer.
func (x *exchange) serveNext(next Behavior) {
	if next.run == nil {
		next = Answer(defaultAnswer(x.answeredBy))
	}
	next.run(x)
}
