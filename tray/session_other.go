//go:build !((linux || freebsd || openbsd || netbsd) && !android)

package tray

// Available reports whether a tray can run. Windows and macOS always have a
// notification area or menu bar.
func Available() (ok bool, reason string) { return true, "" }

// setTrayTitle does nothing here: Windows has no tray title and macOS would
// print it beside the icon in the menu bar.
func setTrayTitle(string) {}

// panelHint has nothing to say here: the notification area or menu bar is
// always there.
func panelHint() string { return "" }
