package routing

// Retry gate limits, kept from the original proxy.
const (
	// warmupCalls is how many of the day's first calls may always fail over:
	// at the start of a day there is no recent history to judge upstream by.
	warmupCalls = 3
	// RecentOutcomes is how many of the latest finished calls are consulted.
	RecentOutcomes = 3
)

// RetryAllowed reports whether a failed call may be retried on another
// model. todayTotalBefore is the number of today's calls that reached
// OpenRouter; lastOutcomes are the latest such calls, newest first, true for
// success. Calls that never reached it (refused locally, or whose client
// left) tell nothing about upstream and belong in neither.
//
// OpenRouter counts failed attempts against the account's daily free quota,
// so while upstream is down every retry would burn quota for nothing. A retry
// is therefore allowed only during the day's first few calls, or while at
// least one of the last few calls succeeded, i.e. upstream is evidently up.
func RetryAllowed(todayTotalBefore int, lastOutcomes []bool) bool {
	if todayTotalBefore < warmupCalls {
		return true
	}
	for _, ok := range lastOutcomes[:min(len(lastOutcomes), RecentOutcomes)] {
		if ok {
			return true
		}
	}
	return false
}
