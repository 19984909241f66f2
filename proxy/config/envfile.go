package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/joho/godotenv"

	"github.com/freelane/freelane/proxy/internal/atomicfile"
)

// envFileMu serialises this process's edits of .env so two saves from the
// dashboard cannot interleave their read-modify-write.
var envFileMu sync.Mutex

var envKeyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// SetEnvValue sets key to value in <home>/.env, keeping every other line and
// comment exactly as written. Existing assignments of key are replaced in
// place; a missing key is appended. The file is replaced atomically (write a
// temporary file, then rename), keeps its mode, and is created 0600.
func SetEnvValue(home, key, value string) error {
	if !envKeyPattern.MatchString(key) {
		return fmt.Errorf("setting %q in .env: not a valid variable name", key)
	}
	assignment, err := formatAssignment(key, value)
	if err != nil {
		return fmt.Errorf("setting %s in .env: %w", key, err)
	}

	envFileMu.Lock()
	defer envFileMu.Unlock()

	path, err := writablePath(filepath.Join(home, EnvFileName))
	if err != nil {
		return fmt.Errorf("setting %s in .env: %w", key, err)
	}
	mode := fs.FileMode(0o600)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		info, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("setting %s in .env: %w", key, err)
		}
		mode = info.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("setting %s in .env: %w", key, err)
	}

	updated := replaceAssignment(string(data), key, assignment)
	// Atomic so readers (and the watcher) never see a partial file.
	if err := atomicfile.Write(path, []byte(updated), atomicfile.Options{TempPattern: filepath.Base(path) + ".tmp-*", Mode: mode, Durable: true}); err != nil {
		return fmt.Errorf("setting %s in .env: %w", key, err)
	}
	return nil
}

// writablePath returns the file to replace for path: the file a symbolic
// link points to, so a saved .env that is a link (into a dotfiles folder,
// say) stays a link, or path itself when it is no link or does not exist.
func writablePath(path string) (string, error) {
	info, err := os.Lstat(path)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("following the link %s: %w", path, err)
	}
	return target, nil
}

var bareValuePattern = regexp.MustCompile(`^[A-Za-z0-9_./:,@+%=~-]*$`)

// formatAssignment renders KEY=value in the first form that godotenv reads
// back as exactly value: bare for simple values, else double-quoted with
// escapes, single-quoted, or bare as a last resort (godotenv's quoting has
// gaps, e.g. a quoted value cannot end in a backslash).
func formatAssignment(key, value string) (string, error) {
	bare := key + "=" + value
	escaper := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "$", `\$`)
	candidates := []string{key + `="` + escaper.Replace(value) + `"`, key + `='` + value + `'`, bare}
	if bareValuePattern.MatchString(value) {
		candidates = []string{bare}
	}
	for _, line := range candidates {
		parsed, err := godotenv.Unmarshal(line)
		if err == nil && len(parsed) == 1 && parsed[key] == value {
			return line, nil
		}
	}
	// The value is not echoed: it may be the API key.
	return "", errors.New("the value cannot be written in .env syntax")
}

// replaceAssignment swaps every assignment of key in content for assignment,
// or appends it, preserving all other lines and the file's line endings.
func replaceAssignment(content, key, assignment string) string {
	newline := "\n"
	if strings.Contains(content, "\r\n") {
		newline = "\r\n"
	}
	assignmentPattern := regexp.MustCompile(`^\s*(?:export\s+)?` + regexp.QuoteMeta(key) + `\s*[=:]\s*`)

	var out strings.Builder
	lines := strings.SplitAfter(content, "\n")
	found := false
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		body, ending := splitLineEnding(line)
		loc := assignmentPattern.FindStringIndex(body)
		if loc == nil {
			out.WriteString(line)
			continue
		}
		found = true
		out.WriteString(assignment)
		// A quoted value may continue over the next lines; they belong to
		// the assignment being replaced.
		if quote, open := openQuote(body[loc[1]:]); open {
			for i+1 < len(lines) {
				i++
				next, nextEnding := splitLineEnding(lines[i])
				ending = nextEnding
				if closingQuoteIndex(next, quote, 0) >= 0 {
					break
				}
			}
		}
		out.WriteString(ending)
	}
	if !found {
		if out.Len() > 0 && !strings.HasSuffix(out.String(), "\n") {
			out.WriteString(newline)
		}
		out.WriteString(assignment + newline)
	}
	return out.String()
}

func splitLineEnding(line string) (body, ending string) {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return line[:len(line)-2], "\r\n"
	case strings.HasSuffix(line, "\n"):
		return line[:len(line)-1], "\n"
	}
	return line, ""
}

// openQuote reports whether value starts a quoted string that does not end
// on the same line.
func openQuote(value string) (quote byte, open bool) {
	if value == "" || (value[0] != '"' && value[0] != '\'') {
		return 0, false
	}
	return value[0], closingQuoteIndex(value, value[0], 1) < 0
}

// closingQuoteIndex finds quote not preceded by a backslash, the way
// godotenv ends a quoted value.
func closingQuoteIndex(s string, quote byte, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == quote && (i == 0 || s[i-1] != '\\') {
			return i
		}
	}
	return -1
}
