package proxy

import (
	"testing"
)

func TestQuota_FromKeyEndpointAndCountedBetweenReads(t *testing.T) {
	p := newTestProxy(t, nil, ordered)
	p.fake.SetFreeQuota(10, 50)
	p.srv.quota.refresh(t.Context())
	if st := p.srv.Status(); st.FreeLeft != 40 {
		t.Fatalf("free left = %d, want 40 from the key endpoint", st.FreeLeft)
	}
	p.post("/v1/chat/completions", helloBody)
	if st := p.srv.Status(); st.FreeLeft != 39 {
		t.Errorf("free left after a call = %d, want 39 before the next read", st.FreeLeft)
	}
	v := dashboardSource{p.srv}.Stats(30)
	if v.Quota.Estimated || v.Quota.Limit != 50 || v.Quota.Remaining != 39 {
		t.Errorf("dashboard quota = %+v", v.Quota)
	}
}

func TestQuota_UnknownWithoutKey(t *testing.T) {
	p := newTestProxy(t, nil, map[string]string{"OPENROUTER_API_KEY": ""})
	p.srv.quota.refresh(t.Context())
	if st := p.srv.Status(); st.FreeLeft != -1 {
		t.Errorf("free left without a key = %d, want -1 (unknown)", st.FreeLeft)
	}
	if v := (dashboardSource{p.srv}).Stats(1); !v.Quota.Estimated {
		t.Errorf("quota without a key must be marked estimated: %+v", v.Quota)
	}
}
