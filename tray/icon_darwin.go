package tray

import (
	"fyne.io/systray"

	"github.com/freelane/freelane/assets"
)

// setTrayIcon shows the running state as a template image, which macOS
// recolours to suit the menu bar; the other states keep their colour so
// they stand out.
func setTrayIcon(s assets.IconState) {
	if s == assets.IconRunning {
		systray.SetTemplateIcon(assets.TemplateIcon(), assets.TrayIcon(s))
		return
	}
	systray.SetIcon(assets.TrayIcon(s))
}
