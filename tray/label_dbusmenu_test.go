//go:build !windows && !darwin

package tray

import (
	"strings"
	"testing"
)

// displayedByDbusmenu is how a dbusmenu host draws a label: "__" is one
// underscore and any other "_" (the access-key mark) is not drawn.
func displayedByDbusmenu(label string) string {
	var b strings.Builder
	for i := 0; i < len(label); i++ {
		if label[i] != '_' {
			b.WriteByte(label[i])
			continue
		}
		if i+1 < len(label) && label[i+1] == '_' {
			b.WriteByte('_')
			i++
		}
	}
	return b.String()
}

func TestMenuLabel_EscapesAccessKeyMarks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Open dashboard", "Open dashboard"},
		{"env_name", "Add OPENROUTER_API_KEY to /home/u/.env", "Add OPENROUTER__API__KEY to /home/u/.env"},
		{"already_doubled", "a__b", "a____b"},
		{"trailing", "key_", "key__"},
		{"ampersand_kept", "R&D folder", "R&D folder"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := menuLabel(tt.in)
			if got != tt.want {
				t.Errorf("menuLabel(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if shown := displayedByDbusmenu(got); shown != tt.in {
				t.Errorf("a panel draws %q as %q, want %q", got, shown, tt.in)
			}
		})
	}
}

// The no-key status line names OPENROUTER_API_KEY; a panel must draw it
// whole (it showed "OPENROUTERAPIKEY" before labels were escaped).
func TestStatusLine_DrawnWholeByDbusmenu(t *testing.T) {
	t.Parallel()
	for _, p := range []Problem{ProblemNoKey, ProblemPortInUse} {
		line := StatusLine(nil, State{Problem: p, FreeLeft: -1})
		if !strings.Contains(line, "_") {
			t.Fatalf("StatusLine(nil, %v) = %q names no setting; the test needs one", p, line)
		}
		if shown := displayedByDbusmenu(menuLabel(line)); shown != line {
			t.Errorf("status line %q is drawn as %q", line, shown)
		}
	}
}
