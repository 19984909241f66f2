package tray

import (
	"encoding/xml"
	"os"
	"path/filepath"
)

// entryPath is where go-autostart keeps the entry: a per-user LaunchAgent.
func entryPath() string {
	return filepath.Join(os.Getenv("HOME"), "Library", "LaunchAgents", "freelane.plist")
}

// launchAgent is the part of the LaunchAgent plist that names the command:
// the <string> items of the dictionary's one <array>, ProgramArguments.
type launchAgent struct {
	Arguments []string `xml:"dict>array>string"`
}

// storedCommand reads the command of the existing entry; found is false when
// there is no entry.
func (e *loginEntry) storedCommand() (command []string, found bool) {
	data, err := os.ReadFile(entryPath())
	if err != nil {
		return nil, false
	}
	var agent launchAgent
	if err := xml.Unmarshal(data, &agent); err != nil {
		return nil, true
	}
	return agent.Arguments, true
}
