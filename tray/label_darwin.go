package tray

// menuLabel returns s unchanged: NSMenuItem titles have no access-key markup.
func menuLabel(s string) string { return s }
