package tray

import "github.com/freelane/freelane/assets"

// Menu labels. Tests find menu items by these labels over D-Bus, so they are
// the menu's public surface.
const (
	LabelStartProxy       = "Start proxy"
	LabelStopProxy        = "Stop proxy"
	LabelOpenDashboard    = "Open dashboard"
	LabelDebugMode        = "Debug mode"
	LabelLaunchAtLogin    = "Launch at login"
	LabelOpenConfigFolder = "Open config folder"
	LabelQuit             = "Quit"
)

// menu is everything the tray shows for one State: the renderer applies it
// and the event loop compares two of them to skip needless updates.
type menu struct {
	icon    assets.IconState
	tooltip string
	status  string
	toggle  string
	debug   bool
	// launchAtLogin is the real state of the login entry; canLaunchAtLogin
	// is false when there is no Autostarter and the item is disabled.
	launchAtLogin    bool
	canLaunchAtLogin bool
}

// menuModel is the pure mapping from state to what the tray shows.
// launchAtLogin is whether the login entry exists; managed is false when
// there is no Autostarter, which disables that item.
func menuModel(s State, launchAtLogin, managed bool) menu {
	return menu{
		icon:             Icon(s),
		tooltip:          Tooltip(s),
		status:           StatusLine(s),
		toggle:           toggleLabel(s),
		debug:            s.Debug,
		launchAtLogin:    launchAtLogin,
		canLaunchAtLogin: managed,
	}
}

func toggleLabel(s State) string {
	if s.Running {
		return LabelStopProxy
	}
	return LabelStartProxy
}
