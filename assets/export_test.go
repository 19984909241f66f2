package assets

import _ "embed"

// appIcon is the 512 px PNG application icon; FyneApp.toml and packaging
// use the file, the program does not.
//
//go:embed icons/app-512.png
var appIcon []byte

// AppIcon returns appIcon.
func AppIcon() []byte { return appIcon }
