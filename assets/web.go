// Package assets is the one place Freelane embeds files: the debug dashboard
// (web/) and the tray and application icons (icons/).
package assets

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed web
var webFiles embed.FS

// Web returns the dashboard files (index.html, the app.js modules, app.css) rooted at
// web/, so callers address them as "index.html" rather than "web/index.html".
func Web() fs.FS {
	sub, err := fs.Sub(webFiles, "web")
	if err != nil {
		// fs.Sub fails only for an invalid directory name, which is a constant here.
		panic(fmt.Sprintf("assets: rooting embedded dashboard files: %v", err))
	}
	return sub
}
