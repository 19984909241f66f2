// Package fakeopenrouter is an in-process stand-in for OpenRouter's HTTP API,
// built on net/http/httptest, for Freelane's tests and benchmarks. The app
// itself never imports it.
//
// It serves GET /api/v1/models, GET /api/v1/key and POST
// /api/v1/chat/completions with the envelopes, headers and quirks documented
// and observed for the real service: string prices and router sentinels in
// the catalog, the account-wide daily counter for :free models (failed calls
// count too), the three kinds of 429, ": OPENROUTER PROCESSING" comments,
// usage chunks and in-band errors inside HTTP 200 streams, and the
// "models array must have 3 items or fewer" limit.
//
// Tests steer each call with a Behavior: queue them per model with
// [Server.Script], or set a per-model default with [Server.SetDefault].
// Without either, a model answers a deterministic text naming itself, so a
// test can tell which model served a call.
package fakeopenrouter
