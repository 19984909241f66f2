//go:build !windows && !darwin

package tray

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// entryPath is where go-autostart keeps the entry: an XDG autostart file.
func entryPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		dir = filepath.Join(os.Getenv("HOME"), ".config")
	}
	return filepath.Join(dir, "autostart", "freelane.desktop")
}

// storedCommand reads the command of the existing entry; found is false when
// there is no entry. The Exec line holds each argument as a Go quoted string,
// as go-autostart writes it; a hand-edited unquoted word is read as it is.
func (e *loginEntry) storedCommand() (command []string, found bool) {
	data, err := os.ReadFile(entryPath())
	if err != nil {
		return nil, false
	}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		if line, ok := strings.CutPrefix(scanner.Text(), "Exec="); ok {
			return splitExec(line), true
		}
	}
	return nil, true
}

// splitExec splits an Exec value into its quoted (or bare) words.
func splitExec(line string) []string {
	var words []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			if quoted, err := strconv.QuotedPrefix(line); err == nil {
				word, _ := strconv.Unquote(quoted)
				words = append(words, word)
				line = line[len(quoted):]
				continue
			}
		}
		word, rest, _ := strings.Cut(line, " ")
		words = append(words, word)
		line = rest
	}
	return words
}
