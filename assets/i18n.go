package assets

import (
	"embed"
	"io/fs"
)

//go:embed i18n
var catalogFiles embed.FS

// Catalogs returns the message catalogs, one JSON file per language named by
// its tag (en.json, zh-CN.json), rooted at i18n/. The tray, the commands and
// the dashboard all read their texts from these files.
func Catalogs() fs.FS { return rooted(catalogFiles, "i18n") }
