package capture

import (
	"strings"
	"testing"
)

func TestStreamCapture_KeepsUpToItsLimitAndSaysSo(t *testing.T) {
	s := StreamCapture{Limit: 200}
	chunk := []byte(`{"choices":[{"delta":{"content":"abcdefghij"}}]}`)
	for range 10 {
		s.Add(chunk)
	}
	var resp ResponseInfo
	s.Fill(&resp)
	per := len(chunk) + len("abcdefghij")
	if want := 200 / per; len(resp.Events) != want || resp.Text != strings.Repeat("abcdefghij", want) {
		t.Errorf("kept %d events and text %q; want %d events", len(resp.Events), resp.Text, want)
	}
	if !strings.Contains(resp.Cut, "7 later events") {
		t.Errorf("cut note = %q", resp.Cut)
	}

	var whole StreamCapture
	whole.Add(chunk)
	whole.Fill(&resp)
	if resp.Cut != "" || len(resp.Events) != 1 {
		t.Errorf("a short stream: cut %q, %d events", resp.Cut, len(resp.Events))
	}
}
