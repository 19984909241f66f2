package tray

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

const envFile = "/home/u/.config/freelane/.env"

func TestConfigProblemStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			"setting",
			errors.New(`LISTEN_ADDR="no-port" (from .env): missing port in address`),
			`Fix /home/u/.config/freelane/.env: LISTEN_ADDR="no-port" (from .env): missing port in address`,
		},
		{
			"syntax_names_the_file_once",
			errors.New("parsing " + envFile + ": line 3: a quoted value is never closed"),
			"Fix " + envFile + ": line 3: a quoted value is never closed",
		},
		{
			"several_settings_on_one_line",
			errors.Join(errors.New("MAX_MODEL_ATTEMPTS (from .env): not a number"), errors.New("LOG_LEVEL (from .env): unknown level")),
			"Fix " + envFile + ": MAX_MODEL_ATTEMPTS (from .env): not a number; LOG_LEVEL (from .env): unknown level",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ConfigProblemStatus(nil, envFile, tt.err); got != tt.want {
				t.Errorf("ConfigProblemStatus = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestConfigProblemStatus_LongErrorIsCut(t *testing.T) {
	t.Parallel()
	got := ConfigProblemStatus(nil, envFile, errors.New(strings.Repeat("PREFERRED_MODELS is wrong; ", 20)))
	if n := len(utf16.Encode([]rune(got))); n > maxStatusUnits || !strings.HasSuffix(got, "…") {
		t.Errorf("status of %d units, want at most %d ending in an ellipsis: %q", n, maxStatusUnits, got)
	}
}

func TestConfigProblemTooltip(t *testing.T) {
	t.Parallel()
	got := ConfigProblemTooltip(nil, envFile, errors.New(`LISTEN_ADDR="no-port" (from .env): missing port in address`))
	if !strings.HasPrefix(got, "Freelane · not started · Fix "+envFile+": LISTEN_ADDR") {
		t.Errorf("tooltip = %q, want it to say Freelane has not started and what to fix", got)
	}
	if n := len(utf16.Encode([]rune(got))); n > maxTooltipUnits {
		t.Errorf("tooltip has %d UTF-16 units, Windows shows %d", n, maxTooltipUnits)
	}
}

// problemHarness runs configProblemLoop with channels standing in for the
// menu items and the reloads.
type problemHarness struct {
	reloads       chan error
	folder, quit  chan struct{}
	shown, opened chan configProblemMenu
	result        chan bool
}

func startProblemLoop(t *testing.T, loadErr error) *problemHarness {
	t.Helper()
	h := &problemHarness{
		reloads: make(chan error),
		folder:  make(chan struct{}),
		quit:    make(chan struct{}),
		shown:   make(chan configProblemMenu, 4),
		opened:  make(chan configProblemMenu, 4),
		result:  make(chan bool, 1),
	}
	p := &configProblemLoop{
		envFile:    envFile,
		reloads:    h.reloads,
		folder:     h.folder,
		quit:       h.quit,
		shown:      configProblemModel(nil, envFile, loadErr),
		show:       func(m configProblemMenu) { h.shown <- m },
		openFolder: func() { h.opened <- configProblemMenu{} },
	}
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go func() { h.result <- p.run(ctx) }()
	return h
}

func (h *problemHarness) send(t *testing.T, what string, deliver func() bool) {
	t.Helper()
	done := make(chan bool, 1)
	go func() { done <- deliver() }()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatalf("the loop is not listening for %s", what)
	}
}

func (h *problemHarness) reload(t *testing.T, err error) {
	h.send(t, "reloads", func() bool { h.reloads <- err; return true })
}

func (h *problemHarness) wantResult(t *testing.T, want bool) {
	t.Helper()
	select {
	case got := <-h.result:
		if got != want {
			t.Errorf("the loop reported fixed = %v, want %v", got, want)
		}
	case <-time.After(waitLimit):
		t.Fatal("the loop did not return")
	}
}

func TestConfigProblemLoop_FollowsReloadsUntilFixed(t *testing.T) {
	t.Parallel()
	first := errors.New("line 1: a quoted value is never closed")
	h := startProblemLoop(t, first)

	h.reload(t, first) // saved, still the same fault: nothing to redraw
	second := errors.New(`LISTEN_ADDR="x" (from .env): missing port in address`)
	h.reload(t, second)
	select {
	case m := <-h.shown:
		if want := configProblemModel(nil, envFile, second); m != want {
			t.Errorf("showed %+v, want %+v", m, want)
		}
	case <-time.After(waitLimit):
		t.Fatal("a new error was not shown")
	}
	if len(h.shown) != 0 {
		t.Errorf("the unchanged error was redrawn too")
	}

	h.send(t, "folder clicks", func() bool { h.folder <- struct{}{}; return true })
	select {
	case <-h.opened:
	case <-time.After(waitLimit):
		t.Fatal("Open config folder opened nothing")
	}

	h.reload(t, nil)
	h.wantResult(t, true)
}

func TestConfigProblemLoop_Quit(t *testing.T) {
	t.Parallel()
	h := startProblemLoop(t, errors.New("bad"))
	h.send(t, "Quit", func() bool { h.quit <- struct{}{}; return true })
	h.wantResult(t, false)
}
