package stats

// Subscribe returns a channel that receives a value after something changed:
// a call was recorded or the day rolled over. Notifications coalesce (the
// channel holds at most one), so a slow reader re-reads the state once instead
// of queueing. The returned func unsubscribes and closes the channel; Close
// closes all channels too.
func (s *Store) Subscribe() (<-chan struct{}, func()) { return s.changes.Subscribe() }

// notify wakes every subscriber without blocking.
func (s *Store) notify() { s.changes.Notify() }
