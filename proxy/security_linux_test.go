package proxy

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// On a shared computer every account reaches 127.0.0.1. The dashboard and
// its data answer only the user running Freelane; the API stays open to
// local users (FREELANE_TOKEN closes it). Another user is played by curl
// run as "nobody", which needs root.
func TestSecurity_DashboardAnswersOnlyItsUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("playing another local user needs root")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		skipOrFailInCI(t, "curl is not installed: "+err.Error())
	}
	p := newTestProxy(t, nil, nil)
	statusAs := func(uid uint32, path string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", p.front.URL+path)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("curl %s as uid %d: %v", path, uid, err)
		}
		return strings.TrimSpace(string(out))
	}
	const nobody = 65534
	for _, path := range []string{"/debug", "/debug/status", "/debug/requests", "/debug/stats"} {
		if got := statusAs(nobody, path); got != "403" {
			t.Errorf("%s as another user: status %s, want 403", path, got)
		}
		if got := statusAs(0, path); got != "200" {
			t.Errorf("%s as Freelane's user: status %s, want 200", path, got)
		}
	}
	if got := statusAs(nobody, "/v1/models"); got != "200" {
		t.Errorf("/v1/models as another user: status %s, want 200 (the API stays open to local users)", got)
	}
}
