package tray

import (
	"context"
	"log/slog"

	"github.com/freelane/freelane/assets/locale"
)

// action is one thing the user asked for through the tray.
type action int

const (
	actionToggle action = iota + 1
	actionOpenDashboard
	actionToggleDebug
	actionToggleLaunchAtLogin
	actionOpenConfigFolder
	actionQuit
	// actionRefresh re-reads state that has no change feed (the login
	// entry, which the user may delete by hand); sent when the menu opens.
	actionRefresh
	// actionShow answers a second launch: start the proxy when it is
	// stopped, then open the dashboard.
	actionShow
)

func (a action) String() string {
	switch a {
	case actionToggle:
		return "toggle"
	case actionOpenDashboard:
		return "open dashboard"
	case actionToggleDebug:
		return "toggle debug"
	case actionToggleLaunchAtLogin:
		return "toggle launch at login"
	case actionOpenConfigFolder:
		return "open config folder"
	case actionQuit:
		return "quit"
	case actionRefresh:
		return "refresh"
	case actionShow:
		return "show"
	default:
		return "unknown"
	}
}

// pendingActions bounds the clicks queued while the loop is busy (a slow
// Start, say); a user cannot click faster than that in any useful way.
const pendingActions = 16

// view shows a menu on screen. The loop calls it only from its own goroutine.
type view interface {
	show(m menu)
}

// loop is the tray's single event loop: the only place where clicks become
// controller calls and state becomes what the tray shows.
type loop struct {
	ctrl       Controller
	autostart  Autostarter // nil when the login entry cannot be managed
	openURL    func(string) error
	openFolder func(string) error
	log        *slog.Logger
	printer    *locale.Printer

	view    view
	actions <-chan action
	shows   <-chan struct{}
	shown   menu
}

func newLoop(c Controller, o Options, actions <-chan action) *loop {
	return &loop{
		ctrl:       c,
		autostart:  o.Autostart,
		openURL:    o.OpenURL,
		openFolder: o.OpenFolder,
		log:        o.Logger,
		printer:    o.Printer,
		actions:    actions,
		shows:      o.ShowRequests,
	}
}

// model reads the current state into a menu.
func (l *loop) model() menu {
	return menuModel(l.printer, l.ctrl.State(), loginItemState(l.autostart))
}

// run shows state changes and performs actions until Quit is clicked or ctx
// is done. l.shown must hold what the view already shows.
func (l *loop) run(ctx context.Context) {
	changes, unsubscribe := l.ctrl.Changes()
	defer unsubscribe()
	l.render() // state may have moved between building the menu and now
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok {
				changes = nil // the controller is gone; keep serving clicks
				continue
			}
			l.render()
		case _, ok := <-l.shows:
			if !ok {
				l.shows = nil // nobody can ask any more; keep serving clicks
				continue
			}
			l.perform(actionShow)
			l.render()
		case a := <-l.actions:
			if a == actionQuit {
				l.log.Info("quit from the tray")
				return
			}
			l.perform(a)
			l.render()
		}
	}
}

func (l *loop) render() {
	m := l.model()
	if m == l.shown {
		return
	}
	l.view.show(m)
	l.shown = m
}

func (l *loop) perform(a action) {
	var err error
	switch a {
	case actionToggle:
		if l.ctrl.State().Running {
			err = l.ctrl.Stop()
		} else {
			err = l.ctrl.Start()
		}
	case actionToggleDebug:
		err = l.ctrl.SetDebug(!l.ctrl.State().Debug)
	case actionToggleLaunchAtLogin:
		switch {
		case l.autostart == nil:
		case l.autostart.Enabled():
			err = l.autostart.Disable()
		default:
			err = l.autostart.Enable()
		}
	case actionOpenDashboard:
		// Launchers wait for the browser; never hold the loop for that.
		go l.open("dashboard", l.openURL, l.ctrl.DashboardURL())
	case actionOpenConfigFolder:
		go l.open("config folder", l.openFolder, l.ctrl.HomeDir())
	case actionShow:
		if !l.ctrl.State().Running {
			if err = l.ctrl.Start(); err != nil {
				break // the icon shows why; a dashboard that cannot load would not
			}
		}
		go l.open("dashboard", l.openURL, l.ctrl.DashboardURL())
	case actionRefresh:
	}
	if err != nil {
		l.log.Warn("tray action failed", "action", a.String(), "err", err)
	}
}

func (l *loop) open(what string, open func(string) error, target string) {
	if err := open(target); err != nil {
		l.log.Warn("opening "+what+" failed", "target", target, "err", err)
	}
}

// clickSource pairs a menu item's click channel with the action it asks for.
type clickSource struct {
	clicked <-chan struct{}
	action  action
}

// forwardClicks keeps a receiver waiting on clicked at all times, because
// systray drops a click that nobody is waiting for, and queues the action
// for the loop. It returns when clicked is closed (systray closes the
// channel of a removed item, which must not count as a click) or done is.
func forwardClicks(src clickSource, actions chan<- action, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case _, ok := <-src.clicked:
			if !ok {
				return
			}
			queue(actions, src.action)
		}
	}
}

// queue adds a without blocking; when the queue is full the click is dropped
// rather than stalling systray's D-Bus or window-message thread.
func queue(actions chan<- action, a action) {
	select {
	case actions <- a:
	default:
	}
}
