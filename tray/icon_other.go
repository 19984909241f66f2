//go:build !darwin

package tray

import (
	"fyne.io/systray"

	"github.com/freelane/freelane/assets"
)

func setTrayIcon(s assets.IconState) { systray.SetIcon(assets.TrayIcon(s)) }
