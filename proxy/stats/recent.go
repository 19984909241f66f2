package stats

// recentRing keeps the latest calls, oldest overwritten first.
type recentRing struct {
	calls []Call // fixed length, the ring's capacity
	next  int    // where the next call goes
	count int    // how many slots hold a call
}

func newRecentRing(size int) recentRing {
	return recentRing{calls: make([]Call, size)}
}

func (r *recentRing) push(c Call) {
	if len(r.calls) == 0 {
		return
	}
	r.calls[r.next] = c
	r.next = (r.next + 1) % len(r.calls)
	r.count = min(r.count+1, len(r.calls))
}

// newest returns up to n calls, newest first.
func (r *recentRing) newest(n int) []Call {
	n = min(max(n, 0), r.count)
	out := make([]Call, n)
	for i := range n {
		out[i] = r.calls[(r.next-1-i+len(r.calls))%len(r.calls)]
	}
	return out
}
