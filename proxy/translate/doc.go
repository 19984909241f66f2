// Package translate is the format-neutral core that lets Freelane serve
// other wire APIs (Anthropic Messages, OpenAI Responses) on top of its one
// Chat Completions path.
//
// A front-end handler converts its request into a Chat Completions body,
// calls the chat handler with a [Writer] in place of the client's
// http.ResponseWriter, and receives what the chat handler answers as typed
// values through a [Sink]:
//
//   - an error answer (any status but 200) as an [Error];
//   - a non-streamed answer as a [Completion];
//   - a streamed answer as [Sink.StreamStart], one [Chunk] per
//     chat.completion.chunk event, [Sink.KeepAlive] per SSE comment, an
//     [Error] for an in-band error event, and [Sink.StreamEnd] at "[DONE]"
//     (or when the stream stops without it).
//
// Routing, failover, the retry gate, the concurrency cap, statistics, debug
// capture and quota logic stay in the chat handler and apply unchanged. The
// wire API a call came in on travels in the request context ([WithAPI],
// [APIFrom]) so statistics and captures can name it.
package translate
