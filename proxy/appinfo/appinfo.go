// Package appinfo reads Freelane's identity (name, application ID, version, build
// number) from FyneApp.toml, the single source of the version. The binary embeds
// that file, so `go run .` and release builds report the same version.
//
// Only the [Details] table is interpreted, with the subset of TOML it uses:
// basic and literal strings, integers and comments. Other tables are skipped,
// which keeps the app free of a TOML dependency.
package appinfo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
// Version are required, and Version must be MAJOR.MINOR.PATCH.
func Parse(data []byte) (Info, error) {
	var info Info
	seen := make(map[string]bool)
	inDetails := false

	sc := bufio.NewScanner(bytes.NewReader(data))
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			header, err := tableName(line)
			if err != nil {
				return Info{}, fmt.Errorf("line %d: %w", lineNo, err)
			}
			inDetails = header == "Details"
			continue
		}
		if !inDetails {
			continue
		}
		key, value, err := keyValue(line)
		if err != nil {
			return Info{}, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if seen[key] {
			return Info{}, fmt.Errorf("line %d: duplicate key %q in [Details]", lineNo, key)
		}
		seen[key] = true
		if err := info.set(key, value); err != nil {
			return Info{}, fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
	if err := sc.Err(); err != nil {
		return Info{}, fmt.Errorf("reading app metadata: %w", err)
	}
	if err := info.validate(); err != nil {
		return Info{}, err
	}
	return info, nil
}

func (info *Info) set(key, raw string) error {
	switch key {
	case "Name", "ID", "Version", "Icon":
		s, err := parseString(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		switch key {
		case "Name":
			info.Name = s
		case "ID":
			info.ID = s
		case "Version":
			info.Version = s
		case "Icon":
			info.Icon = s
		}
	case "Build":
		n, err := strconv.Atoi(strings.ReplaceAll(raw, "_", ""))
		if err != nil || n < 0 {
			return fmt.Errorf("Build: want a non-negative integer, got %s", raw)
		}
		info.Build = n
	}
	// Keys Freelane does not use are allowed: fyne's tooling may add them.
	return nil
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

// tableName returns the name of a [table] or [[array]] header line.
func tableName(line string) (string, error) {
	line = stripComment(line)
	name, ok := strings.CutPrefix(line, "[[")
	if ok {
		name, ok = strings.CutSuffix(name, "]]")
	} else {
		name, ok = strings.CutSuffix(line[1:], "]")
	}
	if !ok {
		return "", fmt.Errorf("malformed table header %q", line)
	}
	return strings.TrimSpace(name), nil
}

// keyValue splits `key = value # comment` into its bare key and raw value.
func keyValue(line string) (key, value string, err error) {
	key, value, ok := strings.Cut(line, "=")
	if !ok {
		return "", "", fmt.Errorf("want key = value, got %q", line)
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t\"'.") {
		return "", "", fmt.Errorf("unsupported key %q", key)
	}
	value = stripComment(strings.TrimSpace(value))
	if value == "" {
		return "", "", fmt.Errorf("key %q has no value", key)
	}
	return key, value, nil
}

// stripComment removes a trailing # comment that is not inside a string.
func stripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\':
			i++ // skip the escaped character
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '#':
			return strings.TrimSpace(s[:i])
		}
	}
	return strings.TrimSpace(s)
}

var errNotString = errors.New("want a quoted string")

// parseString decodes a TOML basic ("...") or literal ('...') string.
func parseString(raw string) (string, error) {
	if len(raw) < 2 {
		return "", errNotString
	}
	switch {
	case raw[0] == '\'' && raw[len(raw)-1] == '\'':
		s := raw[1 : len(raw)-1]
		if strings.ContainsRune(s, '\'') {
			return "", fmt.Errorf("malformed literal string %s", raw)
		}
		return s, nil
	case raw[0] == '"' && raw[len(raw)-1] == '"':
		// TOML basic-string escapes are a subset of Go's, except that Go also
		// accepts single quotes escaped; those never appear in valid TOML.
		s, err := strconv.Unquote(raw)
		if err != nil {
			return "", fmt.Errorf("malformed string %s: %w", raw, err)
		}
		return s, nil
	default:
		return "", errNotString
	}
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
