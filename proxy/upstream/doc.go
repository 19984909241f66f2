// Package upstream is Freelane's OpenRouter client: one tuned HTTP transport
// for one host, the request headers OpenRouter expects, a reader for the SSE
// streams it answers with, and the parsing and classification of its errors
// into the few kinds the router reacts to differently.
//
// The kinds and the reaction each calls for:
//
//   - KindDailyCap: the account-wide free daily limit is spent. Switching
//     models does not help; answer 429 until Error.ResetAt (next 00:00 UTC).
//   - KindMinuteCap: the account-wide per-minute limit. Answer 429 with a
//     Retry-After of about a minute.
//   - KindModelBusy, KindModelGone, KindTimeout, KindNetwork: this model (or
//     the way to it) failed; cool it down and try another free model
//     (Kind.TryAnotherModel).
//   - KindUnreachable: no connection to OpenRouter was made at all; no
//     model is at fault and no other model would fare better.
//   - KindAuth, KindPayment, KindForbidden, KindInvalidRequest: the key, the
//     account or the request itself is the problem; pass the error on.
//
// The API key travels only in the Authorization header; it never appears in
// an error message, a log line or a file written by this package.
package upstream
