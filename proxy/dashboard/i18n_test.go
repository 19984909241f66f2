package dashboard

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/freelane/freelane/assets"
)

// Every text id the page names (t("web.…") in the scripts, data-i18n* in
// the HTML) must be in the catalog the page gets, or it would show the id.
func TestPageTextIDsAreInTheCatalog(t *testing.T) {
	h := New(newFakeSource(time.Now()), Options{})
	for _, lang := range []string{"en", "zh-CN"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/i18n?prefer="+lang, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /debug/i18n?prefer=%s: %d %s", lang, rec.Code, rec.Body)
		}
		var cat pageCatalog
		if err := json.Unmarshal(rec.Body.Bytes(), &cat); err != nil {
			t.Fatal(err)
		}
		if cat.Language != lang || len(cat.Languages) != 2 {
			t.Errorf("prefer=%s answered %s with languages %v", lang, cat.Language, cat.Languages)
		}
		used := pageTextIDs(t)
		if len(used) < 100 {
			t.Fatalf("found only %d text ids in the page; the pattern is off", len(used))
		}
		for id := range used {
			if _, ok := cat.Messages[id]; !ok {
				t.Errorf("the page uses %s, which the %s catalog lacks", id, lang)
			}
		}
		for id := range cat.Messages {
			if !used[id] && !strings.HasPrefix(id, "web.outcome.") && id != "web.language.name" {
				t.Errorf("the %s catalog has %s, which the page never uses", lang, id)
			}
		}
	}
}

var pageTextID = regexp.MustCompile(`(?:\bt\(|data-i18n(?:-label|-value)?=)"(web\.[a-z0-9_.]+)"|\["(web\.[a-z0-9_.]+)"`)

func pageTextIDs(t *testing.T) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	err := fs.WalkDir(assets.Web(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(assets.Web(), name)
		for _, m := range pageTextID.FindAllStringSubmatch(string(data), -1) {
			ids[m[1]+m[2]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// A browser language the dashboard lacks gets English; a Chinese one in any
// spelling gets zh-CN.
func TestPageCatalogMatchesBrowserLanguages(t *testing.T) {
	h := New(newFakeSource(time.Now()), Options{})
	for prefer, want := range map[string]string{
		"": "en", "de-DE,de": "en", "zh-CN": "zh-CN", "zh": "zh-CN", "fr,zh-Hans-CN;q=0.8": "zh-CN", "en-GB,zh-CN": "en",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/i18n?prefer="+url.QueryEscape(prefer), nil))
		var cat pageCatalog
		if err := json.Unmarshal(rec.Body.Bytes(), &cat); err != nil || cat.Language != want {
			t.Errorf("prefer=%q: language %q (%v), want %q", prefer, cat.Language, err, want)
		}
	}
}
