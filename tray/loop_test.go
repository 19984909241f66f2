package tray

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

const waitLimit = 5 * time.Second

// fakeController is a Controller whose calls change its state and notify
// Changes, like the real adapter over the proxy.
type fakeController struct {
	mu       sync.Mutex
	state    State
	calls    []string
	startErr error
	changes  chan struct{}
}

func newFakeController(s State) *fakeController {
	return &fakeController{state: s, changes: make(chan struct{}, 1)}
}

func (f *fakeController) record(call string) {
	f.calls = append(f.calls, call)
}

func (f *fakeController) Start() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Start")
	if f.startErr != nil {
		return f.startErr
	}
	f.state.Running = true
	return nil
}

func (f *fakeController) Stop() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Stop")
	f.state.Running = false
	return nil
}

func (f *fakeController) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state
}

func (f *fakeController) SetDebug(on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if on {
		f.record("SetDebug(true)")
	} else {
		f.record("SetDebug(false)")
	}
	f.state.Debug = on
	return nil
}

func (f *fakeController) DashboardURL() string { return "http://127.0.0.1:5000/debug" }
func (f *fakeController) HomeDir() string      { return "/home/u/.config/freelane" }

func (f *fakeController) Changes() (<-chan struct{}, func()) { return f.changes, func() {} }

// update changes the state from "outside" (a call counted, the debug file
// created by hand) and notifies, coalescing like the real controller.
func (f *fakeController) update(change func(*State)) {
	f.mu.Lock()
	change(&f.state)
	f.mu.Unlock()
	select {
	case f.changes <- struct{}{}:
	default:
	}
}

func (f *fakeController) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

type fakeAutostarter struct {
	mu       sync.Mutex
	enabled  bool
	outdated bool // an entry that starts something else exists
}

func (a *fakeAutostarter) Outdated() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.outdated
}

func (a *fakeAutostarter) Enabled() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.enabled
}

func (a *fakeAutostarter) Enable() error  { a.set(true); return nil }
func (a *fakeAutostarter) Disable() error { a.set(false); return nil }

func (a *fakeAutostarter) set(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.enabled, a.outdated = on, false
}

// fakeView hands every menu the loop shows to the test.
type fakeView struct{ shown chan menu }

func (v *fakeView) show(m menu) { v.shown <- m }

// harness runs the loop with channels standing in for the menu items'
// ClickedCh, wired through forwardClicks as Run wires the real ones.
type harness struct {
	ctrl      *fakeController
	autostart *fakeAutostarter
	view      *fakeView
	clicks    map[action]chan struct{}
	opened    chan string
	shows     chan struct{} // a second launch asking to be shown
	done      chan struct{} // closed when the loop returns
}

func startHarness(t *testing.T, s State) *harness {
	t.Helper()
	h := &harness{
		ctrl:      newFakeController(s),
		autostart: &fakeAutostarter{},
		view:      &fakeView{shown: make(chan menu, 16)},
		clicks:    map[action]chan struct{}{},
		opened:    make(chan string, 4),
		shows:     make(chan struct{}),
		done:      make(chan struct{}),
	}
	opener := func(target string) error { h.opened <- target; return nil }
	actions := make(chan action, pendingActions)
	l := newLoop(h.ctrl, Options{
		Autostart:    h.autostart,
		OpenURL:      opener,
		OpenFolder:   opener,
		ShowRequests: h.shows,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, actions)
	l.view = h.view
	l.shown = l.model()

	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(func() {
		cancel()
		<-h.done
	})
	for _, a := range []action{actionToggle, actionOpenDashboard, actionToggleDebug, actionToggleLaunchAtLogin, actionOpenConfigFolder, actionQuit} {
		ch := make(chan struct{})
		h.clicks[a] = ch
		go forwardClicks(clickSource{ch, a}, actions, ctx.Done())
	}
	go func() {
		defer close(h.done)
		l.run(ctx)
	}()
	return h
}

// click delivers one click the way systray does; the forwarder must be
// waiting, so a blocking send here proves the receiver is always ready.
func (h *harness) click(t *testing.T, a action) {
	t.Helper()
	select {
	case h.clicks[a] <- struct{}{}:
	case <-time.After(waitLimit):
		t.Fatalf("no receiver ready for a %v click", a)
	}
}

// nextMenu waits for the loop to show a menu satisfying ok.
func (h *harness) nextMenu(t *testing.T, what string, ok func(menu) bool) menu {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case m := <-h.view.shown:
			if ok(m) {
				return m
			}
		case <-deadline:
			t.Fatalf("the tray never showed %s", what)
		}
	}
}

func TestLoop_ToggleStartsAndStops(t *testing.T) {
	t.Parallel()
	h := startHarness(t, State{FreeLeft: -1})

	h.click(t, actionToggle)
	m := h.nextMenu(t, "the running state", func(m menu) bool { return m.toggle == LabelStopProxy })
	if m.status != StatusLine(nil, State{Running: true, FreeLeft: -1}) {
		t.Errorf("status = %q", m.status)
	}
	h.click(t, actionToggle)
	h.nextMenu(t, "the stopped state", func(m menu) bool { return m.toggle == LabelStartProxy })

	if got, want := h.ctrl.recorded(), []string{"Start", "Stop"}; !slices.Equal(got, want) {
		t.Errorf("controller calls = %v, want %v", got, want)
	}
}

func TestLoop_FollowsChangesMadeElsewhere(t *testing.T) {
	t.Parallel()
	h := startHarness(t, State{Running: true, FreeLeft: -1})

	h.ctrl.update(func(s *State) { s.Calls, s.OK = 1, 1 })
	h.nextMenu(t, "the new call count", func(m menu) bool {
		return m.tooltip == "Freelane · running · 1 call today (1 ok, 0 failed)"
	})

	// DEBUG_MODE.txt created by hand: the checkbox follows.
	h.ctrl.update(func(s *State) { s.Debug = true })
	h.nextMenu(t, "debug checked", func(m menu) bool { return m.debug })

	h.ctrl.update(func(s *State) { s.Problem, s.Detail = ProblemNoKey, "Add the key" })
	m := h.nextMenu(t, "the problem", func(m menu) bool { return m.status == "Add the key · Running · 1 call today (1 ok, 0 failed)" })
	if m.icon != Icon(State{Problem: ProblemNoKey}) {
		t.Errorf("icon = %v, want attention", m.icon)
	}
}

func TestLoop_DebugAndLaunchAtLoginCheckboxes(t *testing.T) {
	t.Parallel()
	h := startHarness(t, State{Running: true, FreeLeft: -1})

	h.click(t, actionToggleDebug)
	h.nextMenu(t, "debug checked", func(m menu) bool { return m.debug })
	h.click(t, actionToggleDebug)
	h.nextMenu(t, "debug unchecked", func(m menu) bool { return !m.debug })
	if got, want := h.ctrl.recorded(), []string{"SetDebug(true)", "SetDebug(false)"}; !slices.Equal(got, want) {
		t.Errorf("controller calls = %v, want %v", got, want)
	}

	h.click(t, actionToggleLaunchAtLogin)
	h.nextMenu(t, "launch at login checked", func(m menu) bool { return m.launchAtLogin })
	if !h.autostart.Enabled() {
		t.Error("the login entry was not enabled")
	}
	h.click(t, actionToggleLaunchAtLogin)
	h.nextMenu(t, "launch at login unchecked", func(m menu) bool { return !m.launchAtLogin })
	if h.autostart.Enabled() {
		t.Error("the login entry was not disabled")
	}
}

func TestLoop_OpensDashboardAndConfigFolder(t *testing.T) {
	t.Parallel()
	h := startHarness(t, State{Running: true, FreeLeft: -1})
	for _, tc := range []struct {
		click action
		want  string
	}{
		{actionOpenDashboard, "http://127.0.0.1:5000/debug"},
		{actionOpenConfigFolder, "/home/u/.config/freelane"},
	} {
		h.click(t, tc.click)
		select {
		case got := <-h.opened:
			if got != tc.want {
				t.Errorf("%v opened %q, want %q", tc.click, got, tc.want)
			}
		case <-time.After(waitLimit):
			t.Fatalf("%v opened nothing", tc.click)
		}
	}
}

// askToShow delivers a second launch's request; the blocking send proves
// the loop is listening for it.
func (h *harness) askToShow(t *testing.T) {
	t.Helper()
	select {
	case h.shows <- struct{}{}:
	case <-time.After(waitLimit):
		t.Fatal("the loop is not listening for show requests")
	}
}

func TestLoop_ShowRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		state     State
		startErr  error
		wantCalls []string // after two requests
		wantOpen  bool
	}{
		{"stopped_starts_then_opens", State{FreeLeft: -1}, nil, []string{"Start"}, true},
		{"running_opens", State{Running: true, FreeLeft: -1}, nil, nil, true},
		{"failed_start_opens_nothing", State{FreeLeft: -1}, errors.New("address already in use"), []string{"Start", "Start"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := startHarness(t, tt.state)
			h.ctrl.mu.Lock()
			h.ctrl.startErr = tt.startErr
			h.ctrl.mu.Unlock()

			h.askToShow(t)
			h.askToShow(t)
			// Quit waits in line behind the requests: once the loop is
			// done, both were handled.
			h.click(t, actionQuit)
			select {
			case <-h.done:
			case <-time.After(waitLimit):
				t.Fatal("the loop did not return after Quit")
			}
			if tt.wantOpen {
				for i := range 2 {
					select {
					case got := <-h.opened:
						if got != "http://127.0.0.1:5000/debug" {
							t.Errorf("opened %q, want the dashboard", got)
						}
					case <-time.After(waitLimit):
						t.Fatalf("the dashboard was opened %d times, want 2", i)
					}
				}
			} else if len(h.opened) != 0 {
				t.Errorf("opened %q although the proxy could not start", <-h.opened)
			}
			if got := h.ctrl.recorded(); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("controller calls = %v, want %v", got, tt.wantCalls)
			}
		})
	}
}

func TestLoop_FailedStartKeepsStoppedState(t *testing.T) {
	t.Parallel()
	h := startHarness(t, State{FreeLeft: -1})
	h.ctrl.mu.Lock()
	h.ctrl.startErr = errors.New("listen tcp 127.0.0.1:5000: address already in use")
	h.ctrl.mu.Unlock()

	h.click(t, actionToggle)
	// The loop keeps serving: a later change still shows, and nothing claimed it runs.
	h.ctrl.update(func(s *State) { s.Problem = ProblemPortInUse })
	m := h.nextMenu(t, "the port problem", func(m menu) bool { return m.status != StatusLine(nil, State{FreeLeft: -1}) })
	if m.toggle != LabelStartProxy {
		t.Errorf("toggle = %q after a failed start, want %q", m.toggle, LabelStartProxy)
	}
}

func TestLoop_QuitEndsTheLoop(t *testing.T) {
	t.Parallel()
	h := startHarness(t, State{Running: true, FreeLeft: -1})
	h.click(t, actionQuit)
	select {
	case <-h.done:
	case <-time.After(waitLimit):
		t.Fatal("the loop did not return after Quit")
	}
	if calls := h.ctrl.recorded(); len(calls) != 0 {
		t.Errorf("Quit made controller calls %v; shutting the proxy down is the caller's job", calls)
	}
}

func TestForwardClicks_ClosedChannelIsNoClick(t *testing.T) {
	t.Parallel()
	clicked := make(chan struct{})
	close(clicked) // systray closes ClickedCh when an item is removed
	actions := make(chan action, pendingActions)
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		forwardClicks(clickSource{clicked, actionQuit}, actions, t.Context().Done())
	}()
	select {
	case <-returned:
	case <-time.After(waitLimit):
		t.Fatal("forwardClicks kept running on a closed channel")
	}
	if len(actions) != 0 {
		t.Errorf("a closed channel queued %d actions, want none", len(actions))
	}
}

func TestForwardClicks_StopsWhenDone(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		forwardClicks(clickSource{make(chan struct{}), actionToggle}, make(chan action, 1), done)
	}()
	close(done)
	select {
	case <-returned:
	case <-time.After(waitLimit):
		t.Fatal("forwardClicks did not stop when done was closed")
	}
}

func TestQueue_DropsWhenFullInsteadOfBlocking(t *testing.T) {
	t.Parallel()
	actions := make(chan action, 1)
	queue(actions, actionToggle)
	queue(actions, actionQuit) // must return at once
	if got := <-actions; got != actionToggle {
		t.Errorf("queued %v, want the first action", got)
	}
	if len(actions) != 0 {
		t.Error("the action queued on a full queue was kept")
	}
}
