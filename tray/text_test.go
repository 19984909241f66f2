package tray

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/freelane/freelane/assets"
)

func TestTooltip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{
			name:  "running_with_calls_and_quota",
			state: State{Running: true, Addr: "127.0.0.1:5000", Calls: 12, OK: 10, Failed: 2, FreeLeft: 38},
			want:  "Freelane · running · 12 calls today (10 ok, 2 failed) · 38 free left",
		},
		{
			name:  "one_call_quota_unknown",
			state: State{Running: true, Calls: 1, OK: 1, FreeLeft: -1},
			want:  "Freelane · running · 1 call today (1 ok, 0 failed)",
		},
		{
			name:  "stopped_no_calls",
			state: State{FreeLeft: -1},
			want:  "Freelane · stopped · 0 calls today",
		},
		{
			name:  "problem_is_named",
			state: State{Running: true, Problem: ProblemNoKey, FreeLeft: -1, Detail: "Add OPENROUTER_API_KEY to /x/.env"},
			want:  "Freelane · running · no API key · 0 calls today",
		},
		{
			name:  "debug_is_flagged",
			state: State{Running: true, Debug: true, FreeLeft: 0},
			want:  "Freelane · running · 0 calls today · 0 free left · debug",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Tooltip(nil, tt.state); got != tt.want {
				t.Errorf("Tooltip() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTooltip_FitsWindowsLimit(t *testing.T) {
	t.Parallel()
	huge := State{
		Running: true, Calls: 1 << 40, OK: 1 << 39, Failed: 1 << 39, FreeLeft: 1 << 40,
		Debug: true, Problem: ProblemUpstreamUnreachable,
	}
	got := Tooltip(nil, huge)
	if n := len(utf16.Encode([]rune(got))); n > maxTooltipUnits {
		t.Errorf("tooltip is %d UTF-16 units, want <= %d: %q", n, maxTooltipUnits, got)
	}
	if !strings.HasSuffix(got, "…") {
		t.Errorf("a cut tooltip should end with an ellipsis: %q", got)
	}
}

func TestTruncateUTF16(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short_is_kept", "abc", 5, "abc"},
		{"exact_fit_is_kept", "abcde", 5, "abcde"},
		{"ascii_is_cut_with_ellipsis", "abcdef", 5, "abcd…"},
		{"middle_dot_is_one_unit", "a·b·c·d", 5, "a·b·…"},
		// "😀" is two UTF-16 units: it must not be split in half.
		{"surrogate_pair_is_not_split", "ab😀cd", 4, "ab…"},
		{"surrogate_pair_fits", "a😀bcd", 4, "a😀…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := truncateUTF16(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("truncateUTF16(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("result is not valid UTF-8: %q", got)
			}
			if n := len(utf16.Encode([]rune(got))); n > tt.max {
				t.Errorf("result has %d units, want <= %d", n, tt.max)
			}
		})
	}
}

func TestStatusLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{"running", State{Running: true, Addr: "127.0.0.1:5000", Calls: 3, OK: 3}, "Running on 127.0.0.1:5000 · 3 calls today (3 ok, 0 failed)"},
		{"running_without_address", State{Running: true}, "Running · 0 calls today"},
		{"stopped", State{Addr: "127.0.0.1:5000", Calls: 2, OK: 1, Failed: 1}, "Stopped · 2 calls today (1 ok, 1 failed)"},
		{"problem_with_detail", State{Running: true, Addr: "127.0.0.1:5000", Problem: ProblemNoKey, Detail: "Add OPENROUTER_API_KEY to /home/u/.config/freelane/.env"}, "Add OPENROUTER_API_KEY to /home/u/.config/freelane/.env · Running on 127.0.0.1:5000 · 0 calls today"},
		// The controller's Detail already names the problem: no "Port in use: Port 5713 is in use".
		{"detail_is_not_prefixed", State{Addr: "127.0.0.1:5713", Calls: 1, OK: 1, Problem: ProblemPortInUse, Detail: "Port 5713 is in use: stop the other program"}, "Port 5713 is in use: stop the other program · Stopped · 1 call today (1 ok, 0 failed)"},
		{"port_in_use_generic_advice", State{Problem: ProblemPortInUse}, "Port in use: set LISTEN_ADDR to a free port or close the other program · Stopped · 0 calls today"},
		{"quota_generic_advice", State{Running: true, Addr: "127.0.0.1:5000", Calls: 50, OK: 50, Problem: ProblemQuotaExhausted}, "Daily free quota used up: free calls resume tomorrow (UTC) · Running on 127.0.0.1:5000 · 50 calls today (50 ok, 0 failed)"},
		{"unreachable_generic_advice", State{Running: true, Problem: ProblemUpstreamUnreachable}, "OpenRouter unreachable: check the internet connection · Running · 0 calls today"},
		{"stats_not_saved_generic_advice", State{Running: true, Problem: ProblemStatsNotSaved}, "Calls not saved: free disk space or make the cache folder writable · Running · 0 calls today"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := StatusLine(nil, tt.state); got != tt.want {
				t.Errorf("StatusLine() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIconAndToggleLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		state      State
		wantIcon   assets.IconState
		wantToggle string
	}{
		{"running", State{Running: true}, assets.IconRunning, LabelStopProxy},
		{"stopped", State{}, assets.IconStopped, LabelStartProxy},
		{"running_with_problem", State{Running: true, Problem: ProblemQuotaExhausted}, assets.IconAttention, LabelStopProxy},
		{"stopped_with_problem", State{Problem: ProblemPortInUse}, assets.IconAttention, LabelStartProxy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Icon(tt.state); got != tt.wantIcon {
				t.Errorf("Icon() = %v, want %v", got, tt.wantIcon)
			}
			if got := toggleLabel(nil, tt.state); got != tt.wantToggle {
				t.Errorf("toggleLabel() = %q, want %q", got, tt.wantToggle)
			}
		})
	}
}

func TestMenuModel(t *testing.T) {
	t.Parallel()
	s := State{Running: true, Addr: "127.0.0.1:5000", Debug: true, FreeLeft: -1}
	got := menuModel(nil, s, loginItem{on: true, managed: true})
	want := menu{
		icon:               assets.IconRunning,
		tooltip:            Tooltip(nil, s),
		status:             StatusLine(nil, s),
		toggle:             LabelStopProxy,
		debug:              true,
		launchAtLogin:      true,
		canLaunchAtLogin:   true,
		launchAtLoginLabel: LabelLaunchAtLogin,
		launchAtLoginTip:   "Start Freelane when you log in",
	}
	if got != want {
		t.Errorf("menuModel() = %+v, want %+v", got, want)
	}
	if m := menuModel(nil, s, loginItem{}); m.launchAtLogin || m.canLaunchAtLogin || m.launchAtLoginLabel != LabelLaunchAtLogin {
		t.Errorf("without an Autostarter the item should be off and disabled: %+v", m)
	}
	blocked := menuModel(nil, s, loginItem{blocked: "runs from a temporary folder"})
	if blocked.canLaunchAtLogin || blocked.launchAtLogin {
		t.Errorf("a blocked login item should be off and disabled: %+v", blocked)
	}
	if blocked.launchAtLoginLabel != LabelLaunchAtLoginUnavailable || blocked.launchAtLoginTip != "runs from a temporary folder" {
		t.Errorf("a blocked login item should say why: label %q, tip %q", blocked.launchAtLoginLabel, blocked.launchAtLoginTip)
	}
}

func TestProblem_String(t *testing.T) {
	t.Parallel()
	seen := map[string]Problem{}
	for p := ProblemNone; p <= ProblemStatsNotSaved; p++ {
		name := p.String()
		if prev, dup := seen[name]; dup {
			t.Errorf("Problem %d and %d share the name %q", prev, p, name)
		}
		seen[name] = p
	}
	if got := Problem(99).String(); got != "unknown problem" {
		t.Errorf("Problem(99).String() = %q", got)
	}
}

func BenchmarkTooltip(b *testing.B) {
	s := State{Running: true, Addr: "127.0.0.1:5000", Calls: 1234, OK: 1200, Failed: 34, FreeLeft: 766}
	b.ReportAllocs()
	for b.Loop() {
		_ = Tooltip(nil, s)
	}
}
