// Package appinfo reads Freelane's identity (name, application ID, version, build
// number) from FyneApp.toml, the single source of the version. The binary embeds
// that file, so `go run .` and release builds report the same version.
package appinfo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// Info is the [Details] table of FyneApp.toml.
type Info struct {
	Name    string // display name, e.g. "Freelane"
	ID      string // reverse-DNS application ID, e.g. "io.github.freelane.freelane"
	Version string // semantic version MAJOR.MINOR.PATCH, e.g. "0.1.0"
	Build   int    // build counter, increases with every release
	Icon    string // icon path relative to FyneApp.toml
}

// Parse reads the [Details] table of a FyneApp.toml document. Name, ID and
// Version are required, and Version must be MAJOR.MINOR.PATCH. Keys and
// tables Freelane does not use are allowed: fyne's tooling may add them.
func Parse(data []byte) (Info, error) {
	var doc struct{ Details Info }
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return Info{}, fmt.Errorf("app metadata: line %d: %s", perr.Position.Line, perr.Message)
		}
		return Info{}, fmt.Errorf("app metadata: %w", err)
	}
	info := doc.Details
	if info.Build < 0 {
		return Info{}, fmt.Errorf("app metadata: Build %d is negative", info.Build)
	}
	if err := info.validate(); err != nil {
		return Info{}, err
	}
	return info, nil
}

func (info Info) validate() error {
	var missing []string
	for _, f := range []struct{ key, value string }{
		{"Name", info.Name}, {"ID", info.ID}, {"Version", info.Version},
	} {
		if f.value == "" {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("app metadata: [Details] lacks %s", strings.Join(missing, ", "))
	}
	if !isSemver(info.Version) {
		return fmt.Errorf("app metadata: Version %q is not MAJOR.MINOR.PATCH", info.Version)
	}
	return nil
}

// isSemver reports whether v is MAJOR.MINOR.PATCH with an optional
// -prerelease or +build suffix.
func isSemver(v string) bool {
	core, _, _ := strings.Cut(v, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre && pre == "" {
		return false
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
