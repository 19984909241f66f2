package dashboard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

const (
	indexFile    = "index.html"
	staticPrefix = "/debug/static/"
)

// staticFile is one page file held in memory with its content hash.
type staticFile struct {
	name    string
	content []byte
	hash    string // first 16 hex digits of the SHA-256; also the ETag
}

// staticFiles is the page, read once at start-up. The files are a few tens
// of kilobytes, so holding them lets every response carry a content-hash
// ETag without hashing per request.
type staticFiles struct {
	index *staticFile
	files map[string]*staticFile
}

func newStaticFile(name string, content []byte) *staticFile {
	sum := sha256.Sum256(content)
	return &staticFile{name: name, content: content, hash: hex.EncodeToString(sum[:8])}
}

// loadStaticFiles reads every file of web and rewrites index.html so each
// "/debug/static/NAME" reference carries "?v=HASH": those URLs change whenever
// the file does, so browsers may cache them for good.
func loadStaticFiles(web fs.FS) (*staticFiles, error) {
	sf := &staticFiles{files: make(map[string]*staticFile)}
	err := fs.WalkDir(web, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || name == indexFile {
			return nil
		}
		content, err := fs.ReadFile(web, name)
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		sf.files[name] = newStaticFile(name, content)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walking page files: %w", err)
	}
	index, err := fs.ReadFile(web, indexFile)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", indexFile, err)
	}
	pairs := make([]string, 0, 2*len(sf.files))
	for name, f := range sf.files {
		ref := `"` + staticPrefix + name + `"`
		pairs = append(pairs, ref, `"`+staticPrefix+name+"?v="+f.hash+`"`)
	}
	index = []byte(strings.NewReplacer(pairs...).Replace(string(index)))
	sf.index = newStaticFile(indexFile, index)
	return sf, nil
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	// Revalidate every time: the page names the versioned static URLs.
	w.Header().Set("Cache-Control", "no-cache")
	serveFile(w, r, h.page.index)
}

func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := h.page.files[r.PathValue("file")]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no dashboard file %q", r.PathValue("file")))
		return
	}
	if r.URL.Query().Get("v") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	serveFile(w, r, f)
}

// serveFile lets http.ServeContent answer If-None-Match with 304 and pick
// the Content-Type from the file name.
func serveFile(w http.ResponseWriter, r *http.Request, f *staticFile) {
	w.Header().Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.content))
}
