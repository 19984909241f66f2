// Package assets is the one place Freelane embeds files: the debug dashboard
// (web/), the tray and application icons (icons/) and the texts in each
// language (i18n/).
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
func Web() fs.FS { return rooted(webFiles, "web") }

// rooted returns the embedded folder dir as the root of a file system.
func rooted(files embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		// fs.Sub fails only for an invalid directory name, which is a constant here.
		panic(fmt.Sprintf("assets: rooting embedded %s: %v", dir, err))
	}
	return sub
}
