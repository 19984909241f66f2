// Package routingsim measures how well Freelane's routing serves calls when
// OpenRouter's free models misbehave the way they do in practice: busy for a
// few seconds, answering a 502, flapping, slow, or delisted.
//
// Its test and benchmark drive a few hundred calls through the real server
// against the fake OpenRouter's seeded simulation (fakeopenrouter.Simulation),
// on a virtual clock so that seconds of model latency cost no real time, and
// compare Freelane with two naive strategies on the same seed: a random free
// model up to three tries, and a fixed fallback list up to three tries.
//
//	go test -run '^$' -bench Routing ./proxy/routingsim/
package routingsim
