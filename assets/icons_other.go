//go:build !windows

package assets

import _ "embed"

// Panels scale the one pixmap they get; 64 px stays sharp on HiDPI panels.
// macOS draws it at 16 pt, for which 64 px is more than enough.
var (
	//go:embed icons/running-64.png
	trayRunning []byte
	//go:embed icons/stopped-64.png
	trayStopped []byte
	//go:embed icons/attention-64.png
	trayAttention []byte
)
