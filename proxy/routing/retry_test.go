package routing

import "testing"

func TestRetryAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		todayBefore  int
		lastOutcomes []bool // newest first
		want         bool
	}{
		{name: "first_call_of_the_day", todayBefore: 0, want: true},
		{name: "third_call_after_failures", todayBefore: 2, lastOutcomes: []bool{false, false}, want: true},
		{name: "fourth_call_after_three_failures", todayBefore: 3, lastOutcomes: []bool{false, false, false}, want: false},
		{name: "newest_succeeded", todayBefore: 10, lastOutcomes: []bool{true, false, false}, want: true},
		{name: "third_newest_succeeded", todayBefore: 10, lastOutcomes: []bool{false, false, true}, want: true},
		{name: "success_older_than_three_calls_ignored", todayBefore: 10, lastOutcomes: []bool{false, false, false, true}, want: false},
		{name: "no_history_after_warmup", todayBefore: 5, lastOutcomes: nil, want: false},
		{name: "short_history_with_success", todayBefore: 5, lastOutcomes: []bool{true}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := RetryAllowed(tt.todayBefore, tt.lastOutcomes); got != tt.want {
				t.Errorf("RetryAllowed(%d, %v) = %v, want %v", tt.todayBefore, tt.lastOutcomes, got, tt.want)
			}
		})
	}
}
