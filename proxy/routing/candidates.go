// Package routing decides which free model a chat call tries, in which order,
// and when a failed call may try another one. It is pure policy: no HTTP, the
// clock is injected, and every answer comes from the free catalog it is given.
package routing

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/catalog"
)

// Needs lists the capabilities a request depends on.
type Needs struct {
	Tools  bool // the request declares tools
	Vision bool // a message carries an image
}

func (n Needs) metBy(m catalog.Model) bool {
	return (!n.Tools || m.Tools) && (!n.Vision || m.Vision)
}

// Request is what routing needs to know about a chat call.
type Request struct {
	Model string // as the client sent it: a free id, a paid id, "auto", "" ...
	Needs Needs
}

// failureMemory is how long a failure keeps a model behind untried ones;
// after that it gets a fresh chance, since free providers recover often.
const failureMemory = 30 * time.Minute

// group is why a candidate is where it is; lower groups go first.
type group uint8

const (
	groupRequested group = iota
	groupPreferred
	groupRanked
)

// tier ranks the remaining models by what was last observed of them.
type tier uint8

const (
	tierHealthy tier = iota // last outcome was a success
	tierUnknown             // never tried, or failed long ago
	tierFailed              // failed recently
)

type candidate struct {
	id            string
	contextLength int
	group         group
	preference    int // position in the user's preferred list
	tier          tier
	latencyMs     int64
	lastFailure   int64 // Unix nanoseconds
}

// candidateBuffer is sized for a typical free catalog so that ordering it
// needs no heap allocation; larger catalogs still work.
const candidateBuffer = 64

// Candidates returns the ids of the free models to try for req, best first:
//
//  1. the requested model, when it names a free model in models (a name
//     without ":free" matches its free variant);
//  2. the preferred models that are in models, in the user's order;
//  3. the rest by observed health: recent success and low latency first,
//     recent failures last, then larger context, then id.
//
// Models that lack a capability in req.Needs are left out, and so are
// models cooling down after a failure, the requested one included: every
// attempt counts against the account's daily free quota, and a resting
// model most likely fails again. When every capable model rests, the result
// is empty and Best says until when.
//
// Only ids from models that pass catalog.IsFreeID are ever returned: a
// request for a paid model, "auto", "free" or nothing just means "pick one",
// and can never make Freelane send a paid model. h may be nil.
func Candidates(models []catalog.Model, req Request, preferred []string, h *Health) []string {
	ids, _ := Best(models, req, preferred, h, len(models))
	return ids
}

// Best returns the first n ids of what Candidates returns, in the same order.
// A chat call tries at most a few models, so ordering only those few is
// cheaper than sorting the whole free catalog on every call.
//
// restingUntil is the earliest end of a cool-down among the capable models
// it left out, zero when none rests. With no ids and a restingUntil, every
// capable model rests: both come from one look at the health under one lock,
// so a cool-down that ends in between cannot make the answers disagree.
func Best(models []catalog.Model, req Request, preferred []string, h *Health, n int) (ids []string, restingUntil time.Time) {
	if n <= 0 {
		return nil, time.Time{}
	}
	var buf [candidateBuffer]candidate
	cands := buf[:0]
	for _, m := range models {
		if !catalog.IsFreeID(m.ID) || !req.Needs.metBy(m) {
			continue
		}
		cands = append(cands, candidate{id: m.ID, contextLength: m.ContextLength, group: groupRanked, tier: tierUnknown})
	}
	if len(cands) == 0 {
		return nil, time.Time{}
	}

	if i := findUnplaced(cands, req.Model); i >= 0 {
		cands[i].group = groupRequested
	}
	for pos, name := range preferred {
		if i := findUnplaced(cands, name); i >= 0 {
			cands[i].group = groupPreferred
			cands[i].preference = pos
		}
	}
	cands, restingUntil = h.dropResting(cands)
	n = min(n, len(cands))
	if n < selectLimit {
		selectBest(cands, n)
	} else {
		slices.SortFunc(cands, compareCandidates)
	}

	if n == 0 {
		return nil, restingUntil
	}
	ids = make([]string, n)
	for i, c := range cands[:n] {
		ids[i] = c.id
	}
	return ids, restingUntil
}

// selectLimit is how many leading candidates selectBest orders before a full
// sort becomes cheaper: selection costs n passes over the candidates.
const selectLimit = 4

// selectBest moves the n best candidates to the front of cands, in order.
// compareCandidates never ties (ids are unique), so the order matches a sort.
func selectBest(cands []candidate, n int) {
	for i := range n {
		best := i
		for j := i + 1; j < len(cands); j++ {
			if compareCandidates(cands[j], cands[best]) < 0 {
				best = j
			}
		}
		cands[i], cands[best] = cands[best], cands[i]
	}
}

// findUnplaced returns the index of the still-unplaced candidate that name
// refers to, or -1.
func findUnplaced(cands []candidate, name string) int {
	if name == "" {
		return -1
	}
	for i, c := range cands {
		if c.group == groupRanked && namesModel(name, c.id) {
			return i
		}
	}
	return -1
}

// namesModel reports whether a client-supplied name refers to the free model
// id, either exactly or as the model without its ":free" suffix.
func namesModel(name, id string) bool {
	if name == id {
		return true
	}
	base, ok := strings.CutSuffix(id, ":free")
	return ok && base == name
}

// dropResting fills in each candidate's health under a single lock and
// returns cands without the models that are cooling down (in place), and
// the earliest end of the cool-downs it dropped (zero when none).
func (h *Health) dropResting(cands []candidate) (kept []candidate, restingUntil time.Time) {
	if h == nil {
		return cands, time.Time{}
	}
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	kept = cands[:0]
	for _, c := range cands {
		st, ok := h.models[c.id]
		if !ok {
			kept = append(kept, c)
			continue
		}
		if until := st.CooldownUntil; until.After(now) {
			if restingUntil.IsZero() || until.Before(restingUntil) {
				restingUntil = until
			}
			continue
		}
		c.latencyMs = st.LatencyMs
		c.lastFailure = st.LastFailure.UnixNano()
		switch {
		case st.LastFailure.After(st.LastSuccess) && now.Sub(st.LastFailure) < failureMemory:
			c.tier = tierFailed
		case !st.LastSuccess.IsZero() && !st.LastFailure.After(st.LastSuccess):
			c.tier = tierHealthy
		}
		kept = append(kept, c)
	}
	return kept, restingUntil
}

func compareCandidates(a, b candidate) int {
	if c := cmp.Compare(a.group, b.group); c != 0 {
		return c
	}
	switch a.group {
	case groupPreferred:
		if c := cmp.Compare(a.preference, b.preference); c != 0 {
			return c
		}
	case groupRanked:
		if c := cmp.Compare(a.tier, b.tier); c != 0 {
			return c
		}
		switch a.tier {
		case tierHealthy:
			if c := cmp.Compare(a.latencyMs, b.latencyMs); c != 0 {
				return c
			}
		case tierFailed:
			// The model that failed longest ago has had most time to recover.
			if c := cmp.Compare(a.lastFailure, b.lastFailure); c != 0 {
				return c
			}
		}
	}
	if c := cmp.Compare(b.contextLength, a.contextLength); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}
