//go:build !windows && !darwin

package tray

import "strings"

// menuLabel escapes s for a com.canonical.dbusmenu label, where a single
// "_" marks the next letter as the access key and is not drawn: the status
// line "Add OPENROUTER_API_KEY to ..." showed as "OPENROUTERAPIKEY".
// "__" is drawn as one underscore.
func menuLabel(s string) string { return strings.ReplaceAll(s, "_", "__") }
