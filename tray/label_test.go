package tray

import "testing"

// The fixed labels are added without menuLabel and found by these exact
// strings over D-Bus, so they must hold nothing a menu would escape.
func TestFixedLabels_NeedNoEscaping(t *testing.T) {
	t.Parallel()
	for _, label := range []string{
		LabelStartProxy, LabelStopProxy, LabelOpenDashboard, LabelDebugMode,
		LabelLaunchAtLogin, LabelLaunchAtLoginUnavailable, LabelOpenConfigFolder, LabelQuit,
	} {
		if got := menuLabel(label); got != label {
			t.Errorf("menuLabel(%q) = %q; a fixed label must not need escaping", label, got)
		}
	}
}
