// Package openai holds the OpenAI wire format as Freelane speaks it to its
// clients: the error envelope, the models list, request inspection, the
// rewrite of a request body before it goes to OpenRouter, and the rules that
// turn OpenRouter's reasoning fields into something every client can show.
//
// Everything here is a pure function over bytes; there is no HTTP client.
// Request and response bodies are scanned in place rather than decoded into
// maps, so the fields kept pass through byte for byte and the per-request
// cost stays small.
//
// # Request rewrite
//
// [RewriteForUpstream] sets the top-level "model" to the free model chosen by
// Freelane and forwards only the fields of an allow-list (fields.go, with a
// note of what each costs): the Chat Completions fields and OpenRouter's free
// parameters. Everything else is removed, unknown fields included, and so are
// the entries of "tools", "plugins" and "provider" that may bill credits or
// pick a model (server tools, paid plugins, routing preferences). What is
// kept is forwarded byte for byte. A request with a file part gets the
// file-parser plugin with the free pdf-text engine. [ChatRequest.Removed]
// names what a request lost, so the caller can log it.
// [InspectChatBody] returns the body it accepted as an [InspectedBody], whose
// rewrite skips validating the JSON again on every attempt.
//
// # Reasoning rules
//
// OpenRouter returns a model's thinking in "reasoning" (plus
// "reasoning_details"), while many clients only read "content", and
// DeepSeek-style clients read "reasoning_content". Freelane applies these
// rules to every answer:
//
//  1. Non-streamed answer, empty content: when a choice's message.content is
//     null, empty or missing, the message makes no tool call, and
//     message.reasoning is a non-empty string, the reasoning text becomes the
//     content and "reasoning" is set to null, so the answer is not lost and
//     not shown twice. "reasoning_details" is kept.
//  2. Non-streamed answer with content or a tool call ("tool_calls", or the
//     legacy "function_call"): the message gains "reasoning_content" with the
//     same text as "reasoning"; the content is left as it is.
//  3. Streamed answer: every delta with a non-empty "reasoning" gains
//     "reasoning_content" with the same text.
//  4. Streamed answer that carried reasoning but no content at all: unless the
//     client asked for reasoning explicitly ("include_reasoning": true, or a
//     "reasoning" object without "exclude": true or "enabled": false), one
//     extra chunk is sent whose delta.content is the whole reasoning text, so
//     a client that reads only content still gets an answer. The relay holds
//     back the finish_reason chunk and the usage chunk until then (see
//     [StreamState.MayAddFinal]), so the extra chunk comes before them.
package openai
