// Package truncate shortens texts that Freelane stores or shows (upstream
// error messages, the error kept with a call) without splitting a character.
package truncate

import "unicode/utf8"

// UTF8 returns the longest prefix of s that is at most n bytes and ends on
// a rune boundary, so valid UTF-8 stays valid.
func UTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
