package routing

import (
	"strings"
	"testing"

	"github.com/freelane/freelane/proxy/catalog"
)

func TestCapacityHint(t *testing.T) {
	t.Parallel()
	textOnly := []catalog.Model{{ID: "a/text:free"}}
	split := []catalog.Model{{ID: "a/tools:free", Tools: true}, {ID: "b/vision:free", Vision: true}}
	tests := []struct {
		name     string
		models   []catalog.Model
		needs    Needs
		wantHint string // a fragment; "" means no hint
	}{
		{name: "plain_request_served", models: textOnly},
		{name: "tools_served", models: split, needs: Needs{Tools: true}},
		{name: "vision_served", models: split, needs: Needs{Vision: true}},
		{name: "empty_catalog", needs: Needs{}, wantHint: "no free models are known yet"},
		{name: "only_paid_models", models: []catalog.Model{{ID: "openai/gpt-4o", Tools: true}}, wantHint: "no free models are known yet"},
		{name: "no_tools", models: textOnly, needs: Needs{Tools: true}, wantHint: "no free model supports tool calls right now"},
		{name: "no_vision", models: textOnly, needs: Needs{Vision: true}, wantHint: "no free model accepts images right now"},
		{name: "neither", models: textOnly, needs: Needs{Tools: true, Vision: true}, wantHint: "tool calls or images"},
		{name: "not_both_at_once", models: split, needs: Needs{Tools: true, Vision: true}, wantHint: "both tool calls and images"},
		{
			name:     "paid_model_with_tools_does_not_count",
			models:   []catalog.Model{{ID: "openai/gpt-4o", Tools: true}, {ID: "a/text:free"}},
			needs:    Needs{Tools: true},
			wantHint: "no free model supports tool calls",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := CapacityHint(tt.models, tt.needs)
			if tt.wantHint == "" {
				if got != "" {
					t.Errorf("CapacityHint = %q, want none", got)
				}
				return
			}
			if !strings.Contains(got, tt.wantHint) {
				t.Errorf("CapacityHint = %q, want it to contain %q", got, tt.wantHint)
			}
		})
	}
}
