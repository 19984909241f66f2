package tray

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/freelane/freelane/assets"
	"github.com/freelane/freelane/assets/locale"
)

// maxTooltipUnits is the longest tooltip Windows shows: NOTIFYICONDATA has a
// 128-unit UTF-16 buffer, terminator included, and systray truncates silently.
const maxTooltipUnits = 127

const appName = "Freelane"

// Tooltip is the one-line summary shown when hovering the icon, e.g.
// "Freelane · running · 12 calls today (10 ok, 2 failed) · 38 free left".
// p gives the language; nil is English.
func Tooltip(p *locale.Printer, s State) string {
	parts := []string{appName, runState(p, s)}
	if s.Problem != ProblemNone {
		parts = append(parts, problemName(p, s.Problem))
	}
	parts = append(parts, callCount(p, s))
	if s.FreeLeft >= 0 {
		parts = append(parts, p.T("tray.free_left", "Count", s.FreeLeft))
	}
	if s.Debug {
		parts = append(parts, p.T("tray.debug"))
	}
	return truncateUTF16(strings.Join(parts, " · "), maxTooltipUnits)
}

// StatusLine is the disabled first menu item: the state, address and today's
// count, led by the problem and what to do about it when there is one.
func StatusLine(p *locale.Printer, s State) string {
	line := stateLine(p, s)
	if s.Problem != ProblemNone {
		return problemLine(p, s) + " · " + line
	}
	return line
}

func stateLine(p *locale.Printer, s State) string {
	switch {
	case !s.Running:
		return p.T("tray.status.stopped") + " · " + callCount(p, s)
	case s.Addr != "":
		return p.T("tray.status.running_on", "Addr", s.Addr) + " · " + callCount(p, s)
	default:
		return p.T("tray.status.running") + " · " + callCount(p, s)
	}
}

// problemLine names the problem and what to do. The controller's Detail is
// a whole sentence that already names the problem ("Port 5000 is in use:
// ..."), so it stands alone; the generic advice gets the problem's name.
// Detail is the controller's English sentence, so other languages give
// the problem's name and the generic advice in their own words instead.
func problemLine(p *locale.Printer, s State) string {
	if s.Detail != "" && p.Tag() == language.English {
		return s.Detail
	}
	return p.T("tray.problem.line", "Problem", capitalize(problemName(p, s.Problem)), "Advice", advice(p, s))
}

// Icon picks the tray image: attention for any problem, else running or stopped.
func Icon(s State) assets.IconState {
	switch {
	case s.Problem != ProblemNone:
		return assets.IconAttention
	case s.Running:
		return assets.IconRunning
	default:
		return assets.IconStopped
	}
}

func runState(p *locale.Printer, s State) string {
	if s.Running {
		return p.T("tray.state.running")
	}
	return p.T("tray.state.stopped")
}

func callCount(p *locale.Printer, s State) string {
	if s.Calls == 0 {
		return p.T("tray.calls.none")
	}
	return p.T("tray.calls.today", "Count", s.Calls, "OK", s.OK, "Failed", s.Failed)
}

// problemTexts gives each problem's catalog ids: its short name and the
// generic advice, for when the controller gave no Detail.
var problemTexts = map[Problem]struct{ name, advice string }{
	ProblemNoKey:               {"tray.problem.no_key", "tray.advice.no_key"},
	ProblemPortInUse:           {"tray.problem.port_in_use", "tray.advice.port_in_use"},
	ProblemQuotaExhausted:      {"tray.problem.quota", "tray.advice.quota"},
	ProblemUpstreamUnreachable: {"tray.problem.unreachable", "tray.advice.unreachable"},
	ProblemStatsNotSaved:       {"tray.problem.stats_not_saved", "tray.advice.stats_not_saved"},
}

// problemName is the problem's short name in p's language.
func problemName(p *locale.Printer, prob Problem) string {
	if prob == ProblemNone {
		return ""
	}
	if ids, ok := problemTexts[prob]; ok {
		return p.T(ids.name)
	}
	return p.T("tray.problem.unknown")
}

// advice is the generic hint for a problem the controller gave no Detail for.
func advice(p *locale.Printer, s State) string {
	if ids, ok := problemTexts[s.Problem]; ok {
		return p.T(ids.advice)
	}
	return p.T("tray.advice.other")
}

// capitalize upper-cases the first letter; scripts without case, such as
// Chinese, are left as they are.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// truncateUTF16 shortens s to at most max UTF-16 code units, ending it with
// "…" when cut and never splitting a surrogate pair.
func truncateUTF16(s string, max int) string {
	if len(utf16.Encode([]rune(s))) <= max {
		return s
	}
	const ellipsis = '…' // one UTF-16 unit
	units := 0
	for i, r := range s {
		n := utf16.RuneLen(r)
		if units+n > max-1 {
			return s[:i] + string(ellipsis)
		}
		units += n
	}
	return s
}
