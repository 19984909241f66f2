// Package locale picks the language a person reads Freelane in and turns
// message ids into text from the embedded catalogs (assets/i18n). Matching
// and plural rules come from golang.org/x/text and go-i18n.
package locale

import (
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/freelane/freelane/assets"
)

// SimplifiedChinese is zh-CN, the one language besides English.
var SimplifiedChinese = language.MustParse("zh-CN")

// Supported lists the catalog languages; the first is the fallback for any
// text a catalog lacks and for a person whose languages none matches.
var Supported = []language.Tag{language.English, SimplifiedChinese}

var matcher = language.NewMatcher(Supported)

// Printer gives the texts of one language. A nil *Printer prints English, so
// code and tests that do not care about the language can pass nil.
type Printer struct {
	tag language.Tag
	loc *i18n.Localizer
}

var (
	bundleOnce sync.Once
	bundle     *i18n.Bundle
	printers   = map[language.Tag]*Printer{}
)

func loadBundle() {
	bundle = i18n.NewBundle(language.English)
	cat := assets.Catalogs()
	for _, tag := range Supported {
		name := tag.String() + ".json"
		data, err := fs.ReadFile(cat, name)
		if err != nil {
			panic(fmt.Sprintf("locale: reading catalog %s: %v", name, err))
		}
		if _, err := bundle.ParseMessageFileBytes(data, name); err != nil {
			panic(fmt.Sprintf("locale: parsing catalog %s: %v", name, err))
		}
	}
	for _, tag := range Supported {
		printers[tag] = &Printer{tag: tag, loc: i18n.NewLocalizer(bundle, tag.String())}
	}
}

// For returns the printer of the supported language closest to tag.
func For(tag language.Tag) *Printer {
	bundleOnce.Do(loadBundle)
	return printers[Best(tag)]
}

// Best returns the supported language closest to the preferences, English
// when none is close.
func Best(prefs ...language.Tag) language.Tag {
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return Supported[0]
	}
	return Supported[i]
}

// Tag is the printer's language.
func (p *Printer) Tag() language.Tag {
	if p == nil {
		return Supported[0]
	}
	return p.tag
}

// T returns the text of id with its {{.Name}} arguments filled from
// name/value pairs: T("tray.calls_today", "Count", 3). A "Count" argument
// also picks the plural form. An id missing from the catalogs comes back
// as itself, which the catalog tests rule out for every id in the code.
func (p *Printer) T(id string, args ...any) string {
	if p == nil {
		p = For(Supported[0])
	}
	data := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		if name, ok := args[i].(string); ok {
			data[name] = args[i+1]
		}
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	text, err := p.loc.Localize(cfg)
	if err != nil {
		return id
	}
	return text
}

// Catalog returns the raw catalog file of the supported language closest to
// tag and that language, for the dashboard to use in the browser.
func Catalog(tag language.Tag) ([]byte, language.Tag, error) {
	tag = Best(tag)
	data, err := fs.ReadFile(assets.Catalogs(), tag.String()+".json")
	if err != nil {
		return nil, tag, fmt.Errorf("reading the %s catalog: %w", tag, err)
	}
	return data, tag, nil
}

// ParseList reads a list of language preferences in any of the spellings
// people and systems use: BCP 47 ("zh-CN"), POSIX locales ("zh_CN.UTF-8",
// "en_US@euro"), GNU LANGUAGE lists ("zh_CN:en") and Accept-Language style
// lists ("zh-CN,en;q=0.8"). Entries that name no language ("C", "POSIX",
// "") are skipped.
func ParseList(s string) []language.Tag {
	var tags []language.Tag
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' }) {
		part, _, _ = strings.Cut(part, ";")
		part, _, _ = strings.Cut(part, ".")
		part, _, _ = strings.Cut(part, "@")
		part = strings.ReplaceAll(strings.TrimSpace(part), "_", "-")
		if part == "" || part == "C" || part == "POSIX" {
			continue
		}
		if tag, err := language.Parse(part); err == nil {
			tags = append(tags, tag)
		}
	}
	return tags
}

// ParseSetting checks the LANGUAGE setting: empty follows the system,
// otherwise it must name a supported language.
func ParseSetting(v string) (language.Tag, bool, error) {
	if v == "" {
		return language.Und, false, nil
	}
	tags := ParseList(v)
	if len(tags) == 1 {
		_, i, conf := matcher.Match(tags[0])
		if conf >= language.High {
			return Supported[i], true, nil
		}
	}
	return language.Und, false, fmt.Errorf("must be %s", supportedNames())
}

func supportedNames() string {
	names := make([]string, len(Supported))
	for i, t := range Supported {
		names[i] = t.String()
	}
	return strings.Join(names, " or ")
}

// Resolve returns the language to use: the LANGUAGE setting when it names
// one, else the system's.
func Resolve(setting string) language.Tag {
	if tag, ok, err := ParseSetting(setting); err == nil && ok {
		return tag
	}
	return Best(System()...)
}

// systemFrom reads POSIX language preferences: GNU LANGUAGE (a list), then
// the first of LC_ALL, LC_MESSAGES and LANG that is set.
func systemFrom(getenv func(string) string) []language.Tag {
	var tags []language.Tag
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			tags = ParseList(v)
			break
		}
	}
	// gettext ignores LANGUAGE when the locale is C/POSIX (tags empty then).
	if len(tags) > 0 {
		tags = append(ParseList(getenv("LANGUAGE")), tags...)
	}
	return tags
}
