package assets

import (
	_ "embed"
	"strconv"
)

//go:generate go run icons/gen/main.go -out icons

// IconState is the state the tray icon shows.
type IconState int

const (
	// IconRunning: the proxy is serving.
	IconRunning IconState = iota
	// IconStopped: the proxy was stopped from the tray.
	IconStopped
	// IconAttention: something needs the user, such as a missing API key.
	IconAttention
)

// String names the state, for logs and test failures.
func (s IconState) String() string {
	switch s {
	case IconRunning:
		return "running"
	case IconStopped:
		return "stopped"
	case IconAttention:
		return "attention"
	default:
		return "IconState(" + strconv.Itoa(int(s)) + ")"
	}
}

var (
	//go:embed icons/tray-template.png
	templateIcon []byte
)

// TrayIcon returns the tray image for s in the format the platform's tray
// takes: ICO on Windows, PNG elsewhere. An unknown state gets the attention
// image, so the result is never empty.
func TrayIcon(s IconState) []byte {
	switch s {
	case IconRunning:
		return trayRunning
	case IconStopped:
		return trayStopped
	default:
		return trayAttention
	}
}

// TemplateIcon returns the black-on-transparent PNG that macOS recolours to
// match the menu bar.
func TemplateIcon() []byte { return templateIcon }
