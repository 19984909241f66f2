package tray

import (
	"context"
	"path/filepath"
	"strings"

	"fyne.io/systray"

	"github.com/freelane/freelane/assets"
	"github.com/freelane/freelane/assets/locale"
)

// maxStatusUnits keeps the status line of a long error (several invalid
// settings at once) from stretching the menu across the screen.
const maxStatusUnits = 200

// ConfigProblemStatus is the status line while the configuration cannot be
// loaded: the file to fix and why, on one line, e.g.
// "Fix /home/u/.config/freelane/.env: line 3: a quoted value is never closed".
func ConfigProblemStatus(p *locale.Printer, envFile string, err error) string {
	msg := err.Error()
	// Errors about the file itself name it again ("parsing <path>: ..."):
	// the line already leads with it.
	if i := strings.Index(msg, envFile+": "); i >= 0 {
		msg = msg[i+len(envFile)+2:]
	}
	// errors.Join puts each invalid setting on its own line.
	msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " ")
	return truncateUTF16(p.T("tray.config.fix", "File", envFile, "Error", msg), maxStatusUnits)
}

// ConfigProblemTooltip is the hover text while the configuration cannot be
// loaded: Freelane has not started, and the status line's advice.
func ConfigProblemTooltip(p *locale.Printer, envFile string, err error) string {
	return truncateUTF16(appName+" · "+p.T("tray.config.not_started")+" · "+ConfigProblemStatus(p, envFile, err), maxTooltipUnits)
}

// RunConfigProblem shows the tray while the configuration cannot be loaded,
// so that a Freelane started from a menu or at login says what is wrong
// instead of vanishing: the attention icon, a status line naming the file
// to fix and the error, and only the items that work without a
// configuration (Open config folder, Quit).
//
// Each value on reloads is the outcome of loading the configuration again:
// an error updates the status line, nil ends the tray. RunConfigProblem
// reports whether the configuration loads now; false means Quit was clicked
// or ctx is done. Like Run it blocks, must be called from the main
// goroutine, and only once per process: a process that ran it cannot show
// the normal tray, so the caller starts afresh once the file is fixed.
func RunConfigProblem(ctx context.Context, envFile string, loadErr error, reloads <-chan error, o Options) (fixed bool) {
	o = o.withDefaults()
	first := configProblemModel(o.Printer, envFile, loadErr)
	// Set before systray.Run, as Run does: set only in onReady they were
	// sometimes lost on Linux.
	setTrayIcon(assets.IconAttention)
	setTrayTitle(appName)
	systray.SetTooltip(first.tooltip)

	runSystray(ctx, func(ctx context.Context) func() {
		status := systray.AddMenuItem(menuLabel(first.status), "")
		status.Disable()
		systray.AddSeparator()
		folder := systray.AddMenuItem(o.Printer.T("tray.menu.folder"), o.Printer.T("tray.tip.folder"))
		systray.AddSeparator()
		quit := systray.AddMenuItem(o.Printer.T("tray.menu.quit"), o.Printer.T("tray.tip.quit_config"))
		p := configProblemLoop{
			printer: o.Printer,
			envFile: envFile,
			reloads: reloads,
			folder:  folder.ClickedCh,
			quit:    quit.ClickedCh,
			shown:   first,
			show: func(m configProblemMenu) {
				status.SetTitle(menuLabel(m.status))
				systray.SetTooltip(m.tooltip)
			},
			openFolder: func() {
				dir := filepath.Dir(envFile)
				if err := o.OpenFolder(dir); err != nil {
					o.Logger.Warn("opening config folder failed", "target", dir, "err", err)
				}
			},
		}
		return func() { fixed = p.run(ctx) }
	})
	return fixed
}

// configProblemMenu is what the tray shows for one load error.
type configProblemMenu struct {
	status, tooltip string
}

func configProblemModel(p *locale.Printer, envFile string, err error) configProblemMenu {
	return configProblemMenu{
		status:  ConfigProblemStatus(p, envFile, err),
		tooltip: ConfigProblemTooltip(p, envFile, err),
	}
}

// configProblemLoop is RunConfigProblem's event loop, apart from systray so
// it can be tested.
type configProblemLoop struct {
	printer      *locale.Printer
	envFile      string
	reloads      <-chan error
	folder, quit <-chan struct{}
	shown        configProblemMenu
	show         func(configProblemMenu)
	openFolder   func()
}

// run serves clicks and reloads until the configuration loads (true), or
// Quit is clicked or ctx is done (false).
func (p *configProblemLoop) run(ctx context.Context) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-p.quit:
			return false
		case <-p.folder:
			// File managers may wait for their window; never hold the loop.
			go p.openFolder()
		case err, ok := <-p.reloads:
			if !ok {
				p.reloads = nil // nobody reloads any more; keep serving clicks
				continue
			}
			if err == nil {
				return true
			}
			if m := configProblemModel(p.printer, p.envFile, err); m != p.shown {
				p.show(m)
				p.shown = m
			}
		}
	}
}
