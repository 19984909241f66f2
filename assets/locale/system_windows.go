package locale

import (
	"golang.org/x/sys/windows"
	"golang.org/x/text/language"
)

// System returns the user's display languages from Windows, most
// preferred first ("zh-CN", "en-US").
func System() []language.Tag {
	names, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil {
		return nil
	}
	var tags []language.Tag
	for _, n := range names {
		if tag, err := language.Parse(n); err == nil {
			tags = append(tags, tag)
		}
	}
	return tags
}
