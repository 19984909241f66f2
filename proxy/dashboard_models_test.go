package proxy

import (
	"math"
	"testing"
	"time"

	"github.com/freelane/freelane/proxy/routing"
)

// The Models tab shows routing's own estimate of each model's chance of an
// answer, the value it orders by.
func TestDashboardModels_ShowSuccessRate(t *testing.T) {
	p := newTestProxy(t, nil, nil)
	p.srv.health.Success(gemma, time.Second)
	p.srv.health.Failure(gemma, routing.FailureBusy, "502")
	want := p.srv.health.Snapshot()[gemma].SuccessRate
	if want <= 0 || want >= 1 {
		t.Fatalf("routing's success rate after one answer and one failure = %v, want between 0 and 1", want)
	}
	for _, m := range (dashboardSource{s: p.srv}).Models() {
		if m.ID == gemma {
			if got := m.Health.SuccessRate; math.Abs(got-want) > 0.01 {
				t.Errorf("dashboard success rate = %v, want routing's %v", got, want)
			}
			return
		}
	}
	t.Fatalf("%s not in the dashboard's models", gemma)
}
