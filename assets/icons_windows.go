//go:build windows

package assets

import _ "embed"

// Windows picks the ICO entry that matches the notification area's DPI.
var (
	//go:embed icons/running.ico
	trayRunning []byte
	//go:embed icons/stopped.ico
	trayStopped []byte
	//go:embed icons/attention.ico
	trayAttention []byte
)
