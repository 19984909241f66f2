// Package dashboardlink opens the dashboard with its secrets (the
// dashboard key, FREELANE_TOKEN) without putting them on a command line,
// where every local user can read them (ps, /proc): the browser is opened
// on a private (0600) local page that forwards to the dashboard, as
// Jupyter does.
//
// The dashboard key is a per-user secret in a 0600 file: where the OS
// cannot tell which user opened a connection (see proxy/localuser), it is
// how the dashboard knows its own user.
package dashboardlink

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/freelane/freelane/proxy/internal/atomicfile"
	"github.com/freelane/freelane/proxy/regularfile"
)

// Names of the files kept in CACHE_DIR.
const (
	KeyFileName  = "dashboard.key"
	PageFileName = "dashboard.html"
)

// Key returns the dashboard key kept in dir, creating it on first use.
func Key(dir string) (string, error) {
	path := filepath.Join(dir, KeyFileName)
	data, err := regularfile.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(data))) >= 32 {
		return strings.TrimSpace(string(data)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading the dashboard key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("making the dashboard key: %w", err)
	}
	key := hex.EncodeToString(raw)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("saving the dashboard key: %w", err)
	}
	if err := atomicfile.Write(path, []byte(key+"\n"), atomicfile.Options{}); err != nil {
		return "", fmt.Errorf("saving the dashboard key: %w", err)
	}
	return key, nil
}

// Page writes a private page in dir that forwards the browser to target
// and returns its file:// address, which holds no secret.
func Page(dir, target string) (string, error) {
	path, err := filepath.Abs(filepath.Join(dir, PageFileName))
	if err != nil {
		return "", err
	}
	quoted := html.EscapeString(target)
	page := `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=` + quoted + `">
<title>Opening the Freelane dashboard</title></head>
<body><p><a href="` + quoted + `">Open the Freelane dashboard</a></p></body></html>
`
	if err := atomicfile.Write(path, []byte(page), atomicfile.Options{}); err != nil {
		return "", fmt.Errorf("writing the dashboard link page: %w", err)
	}
	slashed := filepath.ToSlash(path)
	if !strings.HasPrefix(slashed, "/") {
		slashed = "/" + slashed // C:/... on Windows
	}
	return (&url.URL{Scheme: "file", Path: slashed}).String(), nil
}
