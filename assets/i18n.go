package assets

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed i18n
var catalogFiles embed.FS

// Catalogs returns the message catalogs, one JSON file per language named by
// its tag (en.json, zh-CN.json), rooted at i18n/. The tray, the commands and
// the dashboard all read their texts from these files.
func Catalogs() fs.FS {
	sub, err := fs.Sub(catalogFiles, "i18n")
	if err != nil {
		// fs.Sub fails only for an invalid directory name, which is a constant here.
		panic(fmt.Sprintf("assets: rooting embedded catalogs: %v", err))
	}
	return sub
}
