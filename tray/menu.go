package tray

import (
	"github.com/freelane/freelane/assets"
	"github.com/freelane/freelane/assets/locale"
)

// The menu's English labels (the "tray.menu.*" texts of the English
// catalog). Tests find menu items by these labels over D-Bus, so they are
// the menu's public surface.
const (
	LabelStartProxy    = "Start proxy"
	LabelStopProxy     = "Stop proxy"
	LabelOpenDashboard = "Open dashboard"
	LabelDebugMode     = "Debug mode"
	LabelLaunchAtLogin = "Launch at login"
	// LabelLaunchAtLoginUnavailable replaces LabelLaunchAtLogin, disabled,
	// when the running binary cannot be started at login (a go run build).
	LabelLaunchAtLoginUnavailable = "Launch at login (needs an installed build)"
	LabelOpenConfigFolder         = "Open config folder"
	LabelQuit                     = "Quit"
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
	// is false when it cannot be changed and the item is disabled, with
	// launchAtLoginLabel and launchAtLoginTip saying why.
	launchAtLogin      bool
	canLaunchAtLogin   bool
	launchAtLoginLabel string
	launchAtLoginTip   string
}

// loginItem is what the tray knows of the login entry: whether it exists,
// whether an Autostarter can change it, and why not when one cannot.
type loginItem struct {
	on      bool
	managed bool
	blocked string
}

// menuModel is the pure mapping from state to what the tray shows.
func menuModel(p *locale.Printer, s State, login loginItem) menu {
	m := menu{
		icon:               Icon(s),
		tooltip:            Tooltip(p, s),
		status:             StatusLine(p, s),
		toggle:             toggleLabel(p, s),
		debug:              s.Debug,
		launchAtLogin:      login.on,
		canLaunchAtLogin:   login.managed,
		launchAtLoginLabel: p.T("tray.menu.login"),
		launchAtLoginTip:   p.T("tray.tip.login"),
	}
	if login.blocked != "" {
		m.launchAtLoginLabel, m.launchAtLoginTip = p.T("tray.menu.login_unavailable"), login.blocked
		if login.blocked == transientReason {
			m.launchAtLoginTip = p.T("tray.tip.login_transient")
		}
	}
	return m
}

func toggleLabel(p *locale.Printer, s State) string {
	if s.Running {
		return p.T("tray.menu.stop")
	}
	return p.T("tray.menu.start")
}
