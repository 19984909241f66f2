package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"github.com/freelane/freelane/assets/locale"
)

// pageTextPrefix marks the catalog texts the page uses; the rest (tray,
// commands) stay on the server.
const pageTextPrefix = "web."

// pageLanguage is one entry of the page's language switch, named in its
// own language.
type pageLanguage struct {
	Tag  string `json:"tag"`
	Name string `json:"name"`
}

type pageCatalog struct {
	Language  string                     `json:"language"`
	Languages []pageLanguage             `json:"languages"`
	Messages  map[string]json.RawMessage `json:"messages"`
}

// pageCatalogs holds the page's texts per supported language, read once.
type pageCatalogs map[language.Tag]*pageCatalog

func loadPageCatalogs() (pageCatalogs, error) {
	cats := pageCatalogs{}
	var langs []pageLanguage
	for _, tag := range locale.Supported {
		data, _, err := locale.Catalog(tag)
		if err != nil {
			return nil, err
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(data, &all); err != nil {
			return nil, fmt.Errorf("reading the %s catalog: %w", tag, err)
		}
		msgs := map[string]json.RawMessage{}
		for id, m := range all {
			if strings.HasPrefix(id, pageTextPrefix) {
				msgs[id] = m
			}
		}
		var name string
		if err := json.Unmarshal(msgs["web.language.name"], &name); err != nil {
			return nil, fmt.Errorf("the %s catalog names no language: %w", tag, err)
		}
		langs = append(langs, pageLanguage{Tag: tag.String(), Name: name})
		cats[tag] = &pageCatalog{Language: tag.String(), Messages: msgs}
	}
	for _, c := range cats {
		c.Languages = langs
	}
	return cats, nil
}

// getPageCatalog answers the page's texts in the supported language closest
// to ?prefer= (the browser's languages, or the one picked on the page).
func (h *handler) getPageCatalog(w http.ResponseWriter, r *http.Request) {
	tag := locale.Best(locale.ParseList(r.URL.Query().Get("prefer"))...)
	writeJSON(w, http.StatusOK, h.texts[tag])
}
