package limiter

// QueuedBytes reports the body bytes the waiting calls hold.
func (l *Limiter) QueuedBytes() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.queuedBytes
}
