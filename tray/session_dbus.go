//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"context"
	"fmt"
	"os"
	"time"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"
)

// sessionBusTimeout bounds the check; a bus that accepts but never answers
// would otherwise hold up start-up.
const sessionBusTimeout = 3 * time.Second

// watcherName is the bus name of the panel component that hosts
// StatusNotifierItems; systray registers the icon with it.
const watcherName = "org.kde.StatusNotifierWatcher"

// Available reports whether a tray can run: here it needs a graphical
// session and the D-Bus session bus the tray lives on (DBUS_SESSION_BUS_ADDRESS,
// or the default the D-Bus library falls back to). systray cannot report
// that itself, and its Quit panics when it started without a bus. On the
// same connection it asks whether a panel hosts tray icons yet, for the hint.
func Available() Availability {
	if ok, reason := graphicalSession(os.Getenv); !ok {
		return Availability{Reason: reason}
	}
	// The context bounds the whole check: the connection closes with it.
	ctx, cancel := context.WithTimeout(context.Background(), sessionBusTimeout)
	defer cancel()
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return Availability{Reason: fmt.Sprintf("no D-Bus session bus: %v", err)}
	}
	defer conn.Close()
	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&owned)
	return Availability{OK: true, Hint: panelHintFor(owned, err)}
}

// graphicalSession decides from the environment whether a display exists.
// A per-user session bus alone is no proof: systemd starts one for SSH
// logins too, and a tray there would be an icon nobody can see.
func graphicalSession(getenv func(string) string) (ok bool, reason string) {
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return false, "no graphical session (DISPLAY/WAYLAND_DISPLAY unset)"
	}
	return true, ""
}

// panelHintFor returns a line for the log when no panel hosts tray icons
// yet, "" otherwise. It is only a hint, not a reason to go headless: at
// login the panel may start after Freelane, and systray registers the icon
// as soon as a watcher appears. A failed question gives no hint.
func panelHintFor(watcherOwned bool, err error) string {
	if err != nil || watcherOwned {
		return ""
	}
	return "no panel with a system tray is running (no " + watcherName + "); the icon will appear once one starts"
}

// setTrayTitle sets the StatusNotifierItem title, which systray also uses as
// the item's Id when called before Run.
func setTrayTitle(title string) { systray.SetTitle(title) }
