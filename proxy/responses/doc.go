// Package responses is the OpenAI Responses API (POST /v1/responses) as
// Freelane speaks it: Codex, the Agents SDK and the Responses clients of the
// OpenAI SDKs use it.
//
// Freelane does not run a second pipeline for it. [ToChat] turns a Responses
// request into a Chat Completions request, which goes through the chat path
// (routing, failover, the retry gate, stats, quota) unchanged; a [Builder]
// turns the chat answer, read as typed pieces (text, reasoning, tool-call
// fragments, finish reason, usage), back into a Responses object or into the
// Responses event stream.
//
// Freeform "custom" tools (Codex's apply_patch) travel upstream as a function
// with one string argument, "input", and come back as custom_tool_call items.
// Hosted OpenAI tools (file search, code interpreter, image generation,
// computer use, ...) cannot run on a free model: a request naming one is
// refused, except web search, which Codex sends by default and which is
// dropped.
//
// store:true (the API's default) and previous_response_id are served from a
// bounded in-memory [Store] of this process's recent responses.
package responses
