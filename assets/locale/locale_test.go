package locale

import (
	"encoding/json"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/freelane/freelane/assets"
)

// catalog reads one language's file: a message is a string, or an object
// of CLDR plural forms ("one", "other", ...).
func catalog(t *testing.T, tag language.Tag) map[string][]string {
	t.Helper()
	data, err := fs.ReadFile(assets.Catalogs(), tag.String()+".json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", tag, err)
	}
	out := make(map[string][]string, len(raw))
	for id, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[id] = []string{s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatalf("%s: %s is neither a text nor plural forms: %v", tag, id, err)
		}
		if forms["other"] == "" {
			t.Errorf("%s: %s has no \"other\" plural form", tag, id)
		}
		out[id] = slices.Collect(maps.Values(forms))
	}
	return out
}

var argPattern = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// args lists the {{.Name}} arguments one form uses.
func args(text string) []string {
	var names []string
	for _, m := range argPattern.FindAllStringSubmatch(text, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func TestCatalogsHaveTheSameKeysAndArguments(t *testing.T) {
	en := catalog(t, language.English)
	if len(en) == 0 {
		t.Fatal("the English catalog is empty")
	}
	want := args(strings.Join(en["tray.calls.today"], " "))
	if !slices.Equal(want, []string{"Count", "Failed", "OK"}) {
		t.Fatalf("argument parsing is off: %v", want)
	}
	for _, tag := range Supported[1:] {
		other := catalog(t, tag)
		for id, forms := range en {
			theirs, ok := other[id]
			if !ok {
				t.Errorf("%s lacks %s", tag, id)
				continue
			}
			for _, mine := range forms {
				for _, f := range theirs {
					if !slices.Equal(args(mine), args(f)) {
						t.Errorf("%s: %s uses %v, English %v (%q)", tag, id, args(f), args(mine), f)
					}
				}
			}
		}
		for id := range other {
			if _, ok := en[id]; !ok {
				t.Errorf("%s has %s, which English lacks", tag, id)
			}
		}
	}
}

func TestPrinterFillsArgumentsAndPlurals(t *testing.T) {
	en, zh := For(language.English), For(SimplifiedChinese)
	cases := []struct {
		p    *Printer
		id   string
		args []any
		want string
	}{
		{en, "tray.calls.today", []any{"Count", 1, "OK", 1, "Failed", 0}, "1 call today (1 ok, 0 failed)"},
		{en, "tray.calls.today", []any{"Count", 3, "OK", 2, "Failed", 1}, "3 calls today (2 ok, 1 failed)"},
		{zh, "tray.calls.today", []any{"Count", 1, "OK", 1, "Failed", 0}, "今日 1 次调用（成功 1，失败 0）"},
		{nil, "tray.menu.quit", nil, "Quit"},
		{zh, "tray.menu.quit", nil, "退出"},
		{zh, "no.such.id", nil, "no.such.id"},
	}
	for _, c := range cases {
		if got := c.p.T(c.id, c.args...); got != c.want {
			t.Errorf("%s T(%s, %v) = %q, want %q", c.p.Tag(), c.id, c.args, got, c.want)
		}
	}
}

func TestLanguageFromSettingAndSystem(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want language.Tag
	}{
		{map[string]string{"LANG": "zh_CN.UTF-8"}, SimplifiedChinese},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, SimplifiedChinese},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, language.English},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LANGUAGE": "en_GB:en"}, language.English},
		{map[string]string{"LANG": "zh_SG.UTF-8"}, SimplifiedChinese},
		{map[string]string{"LANG": "de_DE.UTF-8"}, language.English},
		{map[string]string{}, language.English},
	}
	for _, c := range cases {
		got := Best(systemFrom(func(k string) string { return c.env[k] })...)
		if got != c.want {
			t.Errorf("system %v: got %s, want %s", c.env, got, c.want)
		}
	}
	for _, v := range []string{"zh-CN", "zh_CN", "zh", "zh-Hans"} {
		if tag, ok, err := ParseSetting(v); err != nil || !ok || tag != SimplifiedChinese {
			t.Errorf("ParseSetting(%q) = %s, %v, %v; want zh-CN", v, tag, ok, err)
		}
	}
	if tag, ok, err := ParseSetting("en"); err != nil || !ok || tag != language.English {
		t.Errorf("ParseSetting(en) = %s, %v, %v", tag, ok, err)
	}
	for _, v := range []string{"fr", "klingon!", "en,zh-CN"} {
		if _, _, err := ParseSetting(v); err == nil {
			t.Errorf("ParseSetting(%q) accepted a language Freelane does not have", v)
		}
	}
	if got := Resolve("zh-CN"); got != SimplifiedChinese {
		t.Errorf("Resolve(zh-CN) = %s", got)
	}
}
