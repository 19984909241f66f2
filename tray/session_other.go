//go:build !((linux || freebsd || openbsd || netbsd) && !android)

package tray

// Available reports whether a tray can run. Windows and macOS always have a
// notification area or menu bar, so there is nothing to hint at either.
func Available() Availability { return Availability{OK: true} }

// setTrayTitle does nothing here: Windows has no tray title and macOS would
// print it beside the icon in the menu bar.
func setTrayTitle(string) {}
