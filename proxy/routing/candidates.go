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

// group is why a candidate is where it is; lower groups go first.
type group uint8

const (
	groupRequested group = iota
	groupPreferred
	groupRanked
)

// Ranking by expected cost: every failed attempt spends the daily free
// quota, so the chance of an answer counts first and latency only breaks
// near-ties.
const (
	// latencyPenalty is how much chance one second of latency is worth:
	// two seconds weigh like four points of success rate.
	latencyPenalty = 0.02
	// latencyCap bounds the penalty so latency never outweighs chance.
	latencyCap = 30 * time.Second
	// exploreRate is how often a close runner-up is tried first, so that a
	// recovered or faster model is found; exploreMargin is how close its
	// score must be, and staleAfter how long untried makes it worth a look.
	exploreRate   = 0.1
	exploreMargin = 0.15
	staleAfter    = 10 * time.Minute
)

type candidate struct {
	id            string
	contextLength int
	group         group
	preference    int     // position in the user's preferred list
	score         float64 // chance of an answer, less a little for latency
	latencyMs     int64   // 0 when the model never answered
	lastTried     int64   // Unix nanoseconds, 0 when never tried
	restingUntil  int64   // Unix nanoseconds, 0 when not resting
	rest          rest
}

// rest says whether a candidate may be tried now, only as a probe, or not.
type rest uint8

const (
	restNone rest = iota
	restProbe
	restGone
)

// candidateBuffer is sized for a typical free catalog so that ordering it
// needs no heap allocation; larger catalogs still work.
const candidateBuffer = 64

// Route is the plan for one chat call.
type Route struct {
	// IDs are the models to try, best first.
	IDs []string
	// RestingUntil is the earliest end of a rest among the capable models
	// that are not in IDs (or, with Probe, that are), zero when none rests.
	RestingUntil time.Time
	// Probe says that every capable model rests, and IDs are those most
	// likely to answer anyway (a half-open probe). Models known to be gone
	// are never probed: with no IDs and a RestingUntil, all are gone.
	Probe bool
}

// Best returns the route for req: at most n ids of the free models to try,
// best first:
//
//  1. the requested model, when it names a free model in models (a name
//     without ":free" matches its free variant);
//  2. the preferred models that are in models, in the user's order;
//  3. the rest by expected cost: estimated chance of an answer (recent
//     outcomes, fading with time), then latency, then larger context, then
//     id; now and then a close runner-up that is faster or was not tried
//     for a while goes first, so a recovered or faster model is found.
//
// Models that lack a capability in req.Needs are left out, and so are
// models resting after a failure, the requested one included: every
// attempt counts against the account's daily free quota, and a resting
// model most likely fails again. When every capable model rests, the
// result holds those not known to be gone, most likely to answer first
// (see Route.Probe).
//
// Only ids from models that pass catalog.IsFreeID are ever returned: a
// request for a paid model, "auto", "free" or nothing just means "pick one",
// and can never make Freelane send a paid model. h may be nil.
//
// A chat call tries at most a few models, so ordering only those n is
// cheaper than sorting the whole free catalog on every call. The ids, the
// rest and the probe come from one look at the health under one lock, so a
// rest that ends in between cannot make them disagree.
func Best(models []catalog.Model, req Request, preferred []string, h *Health, n int) Route {
	if n <= 0 {
		return Route{}
	}
	var buf [candidateBuffer]candidate
	cands := buf[:0]
	for _, m := range models {
		if !catalog.IsFreeID(m.ID) || !req.Needs.metBy(m) {
			continue
		}
		cands = append(cands, candidate{id: m.ID, contextLength: m.ContextLength, group: groupRanked, score: priorRate})
	}
	if len(cands) == 0 {
		return Route{}
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
	cands, route, explore := h.assess(cands)
	// At least two, for the exploration to compare.
	order(cands, min(max(n, 2), len(cands)))
	if explore {
		exploreRunnerUp(cands, h.now())
	}
	n = min(n, len(cands))
	if n == 0 {
		return route
	}
	route.IDs = make([]string, n)
	for i, c := range cands[:n] {
		route.IDs[i] = c.id
	}
	return route
}

// order puts the n best candidates first, in order.
func order(cands []candidate, n int) {
	if n < selectLimit {
		selectBest(cands, n)
	} else {
		slices.SortFunc(cands, compareCandidates)
	}
}

// exploreRunnerUp swaps the two leading candidates when both are ranked on
// health, their scores are close, and the runner-up answered faster or was
// not tried for a while. Only the runner-up is considered, so that the n
// ids Best returns are the first n of the whole order.
func exploreRunnerUp(cands []candidate, now time.Time) {
	if len(cands) < 2 || cands[0].group != groupRanked || cands[1].group != groupRanked {
		return
	}
	lead, next := cands[0], cands[1]
	if lead.score-next.score > exploreMargin {
		return
	}
	faster := next.latencyMs > 0 && next.latencyMs < lead.latencyMs
	if faster || now.UnixNano()-next.lastTried >= int64(staleAfter) {
		cands[0], cands[1] = next, lead
	}
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

// assess fills in each candidate's health under a single lock. It returns
// the candidates that do not rest (in place), or, when every capable model
// rests, those that are not known to be gone, to be probed; and whether
// this call explores.
func (h *Health) assess(cands []candidate) (kept []candidate, route Route, explore bool) {
	if h == nil {
		return cands, Route{}, false
	}
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	var available, probes int
	var probesUntil time.Time
	for i := range cands {
		c := &cands[i]
		st, ok := h.models[c.id]
		if !ok {
			available++
			continue
		}
		c.score = st.outlook(now) - latencyPenalty*min(time.Duration(st.LatencyMs)*time.Millisecond, latencyCap).Seconds()
		c.latencyMs = st.LatencyMs
		c.lastTried = max(unixNano(st.LastSuccess), unixNano(st.LastFailure))
		until := st.CooldownUntil
		switch {
		case !until.After(now):
			available++
			continue
		case st.gone:
			c.rest = restGone
		default:
			c.rest, c.restingUntil = restProbe, until.UnixNano()
			probes++
			probesUntil = earliest(probesUntil, until)
		}
		route.RestingUntil = earliest(route.RestingUntil, until)
	}
	want := restNone
	if available == 0 && probes > 0 {
		want, route = restProbe, Route{RestingUntil: probesUntil, Probe: true}
	}
	kept = cands[:0]
	for _, c := range cands {
		if c.rest == want {
			if want == restProbe {
				c.group = groupRanked // a probe goes by its chance alone
			}
			kept = append(kept, c)
		}
	}
	return kept, route, !route.Probe && len(kept) > 1 && h.explore.Float64() < exploreRate
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
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
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		// Among probes alike, the model whose rest ends first.
		if c := cmp.Compare(a.restingUntil, b.restingUntil); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(b.contextLength, a.contextLength); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}
