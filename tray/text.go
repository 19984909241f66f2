package tray

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/freelane/freelane/assets"
)

// maxTooltipUnits is the longest tooltip Windows shows: NOTIFYICONDATA has a
// 128-unit UTF-16 buffer, terminator included, and systray truncates silently.
const maxTooltipUnits = 127

const appName = "Freelane"

// Tooltip is the one-line summary shown when hovering the icon, e.g.
// "Freelane · running · 12 calls today (10 ok, 2 failed) · 38 free left".
func Tooltip(s State) string {
	parts := []string{appName, runState(s)}
	if s.Problem != ProblemNone {
		parts = append(parts, s.Problem.String())
	}
	parts = append(parts, callCount(s))
	if s.FreeLeft >= 0 {
		parts = append(parts, fmt.Sprintf("%d free left", s.FreeLeft))
	}
	if s.Debug {
		parts = append(parts, "debug")
	}
	return truncateUTF16(strings.Join(parts, " · "), maxTooltipUnits)
}

// StatusLine is the disabled first menu item: the state, address and today's
// count, led by the problem and what to do about it when there is one.
func StatusLine(s State) string {
	line := stateLine(s)
	if s.Problem != ProblemNone {
		return problemLine(s) + " · " + line
	}
	return line
}

func stateLine(s State) string {
	if !s.Running {
		return "Stopped · " + callCount(s)
	}
	line := "Running"
	if s.Addr != "" {
		line += " on " + s.Addr
	}
	return line + " · " + callCount(s)
}

// problemLine names the problem and what to do. The controller's Detail is
// a whole sentence that already names the problem ("Port 5000 is in use:
// ..."), so it stands alone; the generic advice gets the problem's name.
func problemLine(s State) string {
	if s.Detail != "" {
		return s.Detail
	}
	return capitalize(s.Problem.String()) + ": " + advice(s)
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

func runState(s State) string {
	if s.Running {
		return "running"
	}
	return "stopped"
}

func callCount(s State) string {
	noun := "calls"
	if s.Calls == 1 {
		noun = "call"
	}
	if s.Calls == 0 {
		return "0 calls today"
	}
	return fmt.Sprintf("%d %s today (%d ok, %d failed)", s.Calls, noun, s.OK, s.Failed)
}

// advice is the generic hint for a problem the controller gave no Detail for.
func advice(s State) string {
	switch s.Problem {
	case ProblemNoKey:
		return "add OPENROUTER_API_KEY to the .env file in the config folder"
	case ProblemPortInUse:
		return "set LISTEN_ADDR to a free port or close the other program"
	case ProblemQuotaExhausted:
		return "free calls resume tomorrow (UTC)"
	case ProblemUpstreamUnreachable:
		return "check the internet connection"
	case ProblemStatsNotSaved:
		return "free disk space or make the cache folder writable"
	default:
		return "see the dashboard"
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
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
