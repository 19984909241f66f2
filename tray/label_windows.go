package tray

import "strings"

// menuLabel escapes s for a Win32 menu item, where "&" underlines the next
// letter as the access key and is not drawn (a config folder path may hold
// one). "&&" is drawn as one ampersand.
func menuLabel(s string) string { return strings.ReplaceAll(s, "&", "&&") }
