package loadtest

// Connections is the number of connections accepted so far: a proxy that
// reuses its upstream connections adds few.
func (u *Upstream) Connections() int64 { return u.conns.Load() }
