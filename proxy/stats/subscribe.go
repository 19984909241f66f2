package stats

// Subscribe returns a channel that receives a value after something changed:
// a call was recorded or the day rolled over. Notifications coalesce (the
// channel holds at most one), so a slow reader re-reads the state once instead
// of queueing. The returned func unsubscribes and closes the channel; Close
// closes all channels too.
func (s *Store) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(ch)
		return ch, func() {}
	}
	s.subs[ch] = struct{}{}
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.subs[ch]; ok {
			delete(s.subs, ch)
			close(ch)
		}
	}
}

// notify wakes every subscriber without blocking. s.mu must be held, which
// also keeps a channel from being closed during the send.
func (s *Store) notify() {
	for ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
