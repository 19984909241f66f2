// Package tray is Freelane's notification-area icon and menu: it shows the
// proxy's state (icon, tooltip, status line) and turns clicks into calls on a
// Controller. It never imports the proxy; main adapts the proxy to Controller.
//
// The design keeps systray at the edge: pure functions map a State to what is
// shown (Tooltip, StatusLine, Icon, menuModel), one event loop performs the
// actions, and a thin view applies the result with systray calls.
package tray

import (
	"context"
	"log/slog"
	"os"

	"fyne.io/systray"
	"github.com/pkg/browser"

	"github.com/freelane/freelane/assets/locale"
)

// Options are the tray's dependencies; zero values get working defaults.
type Options struct {
	// Autostart manages the login entry. Default: NewAutostart for the
	// running executable.
	Autostart Autostarter
	// OpenURL opens the dashboard. Default: browser.OpenURL.
	OpenURL func(string) error
	// OpenFolder opens the config folder in the file manager. Default:
	// browser.OpenFile, which hands the path to xdg-open, open or Explorer.
	OpenFolder func(string) error
	// ShowRequests delivers a request to show Freelane, made by a second
	// launch: the tray starts the proxy when it is stopped and opens the
	// dashboard. Nil when nobody can ask.
	ShowRequests <-chan struct{}
	Logger       *slog.Logger
	// Printer gives the menu's language. Default (nil): English.
	Printer *locale.Printer
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.OpenURL == nil {
		o.OpenURL = browser.OpenURL
	}
	if o.OpenFolder == nil {
		o.OpenFolder = browser.OpenFile
	}
	if o.Autostart == nil {
		if exe, err := os.Executable(); err == nil {
			o.Autostart = NewAutostart(exe)
		} else {
			o.Logger.Warn("launch at login unavailable", "err", err)
		}
	}
	return o
}

// Availability says whether a tray can run here; Available finds it out.
type Availability struct {
	OK     bool
	Reason string // why not, when !OK: the caller serves headless instead
	Hint   string // when OK, a line for the log, e.g. that no panel shows tray icons yet
}

// Run shows the tray and blocks until Quit is clicked or ctx is done; the
// caller then shuts the proxy down. Call it only when Available reported OK
// (which is not checked again here: on Linux that is a session-bus round
// trip). It must be called from the main goroutine (macOS requires it) and
// only once per process: systray's Quit is one-shot.
func Run(ctx context.Context, c Controller, o Options) {
	o = o.withDefaults()
	refreshLoginEntry(o.Autostart, o.Logger)
	actions := make(chan action, pendingActions)
	l := newLoop(c, o, actions)
	first := l.model()

	// Set the icon, title and tooltip before systray.Run too: set only in
	// onReady they were lost in about one start in eight on Linux. The title
	// also becomes the StatusNotifierItem Id there.
	setTrayIcon(first.icon)
	setTrayTitle(appName)
	systray.SetTooltip(first.tooltip)
	// Left click toggles the proxy. It must be set before Run: the Linux
	// backend fixes ItemIsMenu when it exports the item.
	systray.SetOnTapped(func() { queue(actions, actionToggle) })

	runSystray(ctx, func(ctx context.Context) func() {
		// Windows refuses both before Run ("tray not ready yet"), which
		// left its icon blank: set them again now that the tray exists.
		setTrayIcon(first.icon)
		systray.SetTooltip(first.tooltip)
		v := newSystrayView(o.Printer, first)
		l.view, l.shown = v, first
		for _, src := range v.clickSources() {
			go forwardClicks(src, actions, ctx.Done())
		}
		// Opening the menu re-reads the login entry, which has no change feed.
		go forwardClicks(clickSource{systray.TrayOpenedCh, actionRefresh}, actions, ctx.Done())
		return func() { l.run(ctx) }
	})
}

// runSystray runs systray until the loop that setup returns has ended or ctx
// is done. setup runs in systray's onReady, where menu items may be added,
// and gets a context cancelled when systray stops; its loop then runs on its
// own goroutine, and systray quits when it returns.
func runSystray(ctx context.Context, setup func(ctx context.Context) (loop func())) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan struct{})
	loopDone := make(chan struct{})
	onReady := func() {
		close(ready)
		loop := setup(ctx)
		go func() {
			defer close(loopDone)
			loop()
			systray.Quit()
		}()
		// onReady must return: the Linux menu is unreadable until it does.
	}
	systray.Run(onReady, cancel)

	cancel()
	select {
	case <-ready:
		<-loopDone
	default: // systray ended before it was ready; there is no loop to wait for
	}
}

// systrayView applies menus with systray calls, touching only what changed:
// each call is a D-Bus signal or a window message.
type systrayView struct {
	status, toggle, dashboard, debug, launchAtLogin, folder, quit *systray.MenuItem
	shown                                                         menu
}

func newSystrayView(p *locale.Printer, m menu) *systrayView {
	v := &systrayView{shown: m}
	v.status = systray.AddMenuItem(menuLabel(m.status), "")
	v.status.Disable()
	systray.AddSeparator()
	v.toggle = systray.AddMenuItem(menuLabel(m.toggle), p.T("tray.tip.toggle"))
	v.dashboard = systray.AddMenuItem(p.T("tray.menu.dashboard"), p.T("tray.tip.dashboard"))
	systray.AddSeparator()
	v.debug = systray.AddMenuItemCheckbox(p.T("tray.menu.debug"), p.T("tray.tip.debug"), m.debug)
	v.launchAtLogin = systray.AddMenuItemCheckbox(m.launchAtLoginLabel, m.launchAtLoginTip, m.launchAtLogin)
	if !m.canLaunchAtLogin {
		v.launchAtLogin.Disable()
	}
	v.folder = systray.AddMenuItem(p.T("tray.menu.folder"), p.T("tray.tip.folder"))
	systray.AddSeparator()
	v.quit = systray.AddMenuItem(p.T("tray.menu.quit"), p.T("tray.tip.quit"))
	return v
}

func (v *systrayView) clickSources() []clickSource {
	return []clickSource{
		{v.toggle.ClickedCh, actionToggle},
		{v.dashboard.ClickedCh, actionOpenDashboard},
		{v.debug.ClickedCh, actionToggleDebug},
		{v.launchAtLogin.ClickedCh, actionToggleLaunchAtLogin},
		{v.folder.ClickedCh, actionOpenConfigFolder},
		{v.quit.ClickedCh, actionQuit},
	}
}

func (v *systrayView) show(m menu) {
	old := v.shown
	v.shown = m
	if m.icon != old.icon {
		setTrayIcon(m.icon)
	}
	if m.tooltip != old.tooltip {
		systray.SetTooltip(m.tooltip)
	}
	if m.status != old.status {
		v.status.SetTitle(menuLabel(m.status))
	}
	if m.toggle != old.toggle {
		v.toggle.SetTitle(menuLabel(m.toggle))
	}
	if m.debug != old.debug {
		setChecked(v.debug, m.debug)
	}
	if m.launchAtLogin != old.launchAtLogin {
		setChecked(v.launchAtLogin, m.launchAtLogin)
	}
	if m.launchAtLoginLabel != old.launchAtLoginLabel {
		v.launchAtLogin.SetTitle(m.launchAtLoginLabel)
	}
	if m.launchAtLoginTip != old.launchAtLoginTip {
		v.launchAtLogin.SetTooltip(m.launchAtLoginTip)
	}
	if m.canLaunchAtLogin != old.canLaunchAtLogin {
		if m.canLaunchAtLogin {
			v.launchAtLogin.Enable()
		} else {
			v.launchAtLogin.Disable()
		}
	}
}

func setChecked(item *systray.MenuItem, on bool) {
	if on {
		item.Check()
	} else {
		item.Uncheck()
	}
}
