//go:build !windows

package locale

import (
	"os"

	"golang.org/x/text/language"
)

// System returns the user's language preferences from the environment, as
// the C library reads them; macOS terminals and launchd set LANG the same way.
func System() []language.Tag {
	return systemFrom(os.Getenv)
}
