//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"context"
	"fmt"
	"time"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"
)

// sessionBusTimeout bounds the check; a bus that accepts but never answers
// would otherwise hold up start-up.
const sessionBusTimeout = 3 * time.Second

// Available reports whether a tray can run: here the tray lives on the D-Bus
// session bus, so one must be reachable (DBUS_SESSION_BUS_ADDRESS, or the
// default the D-Bus library falls back to). systray cannot report that
// itself, and its Quit panics when it started without a bus.
func Available() (ok bool, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), sessionBusTimeout)
	defer cancel()
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return false, fmt.Sprintf("no D-Bus session bus: %v", err)
	}
	conn.Close()
	return true, ""
}

// setTrayTitle sets the StatusNotifierItem title, which systray also uses as
// the item's Id when called before Run.
func setTrayTitle(title string) { systray.SetTitle(title) }
