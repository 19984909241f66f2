// Package anthropic is the Anthropic Messages API as Freelane serves it to
// Claude Code and the Anthropic SDKs: its wire types, and pure functions that
// translate a Messages request into a Chat Completions request, a chat
// answer (whole or streamed, as parsed by proxy/translate) into a Messages
// answer or event sequence, and an OpenAI error into Anthropic's envelope
// and status. There is no HTTP client here: the proxy runs the translated
// request through its one chat path.
//
// What is translated and what is dropped:
//
//   - system (string or text blocks) becomes the first system message;
//   - text and image blocks (base64 or URL) become content parts; a text
//     document becomes text and a PDF a file part; empty text blocks are
//     dropped (replaying one makes the next request fail);
//   - tool_use blocks become the assistant's tool_calls; tool_result
//     blocks become tool messages, placed before the user's other content
//     of the turn, their images in a user message right after;
//   - thinking and redacted_thinking blocks in the history are dropped: a
//     free model cannot check another model's signature;
//   - metadata.user_id is accepted but not passed on: Claude Code puts its
//     device and session ids there, which no model provider needs;
//   - cache_control, server tools and their blocks are dropped, as are
//     fields a Chat Completions upstream has no use for (service_tier,
//     container, context_management, ...).
package anthropic
