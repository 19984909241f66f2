package service

import (
	"testing"
	"time"
)

func TestRestartLimiter(t *testing.T) {
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(sec float64) time.Time { return base.Add(time.Duration(sec * float64(time.Second))) }
	tests := []struct {
		name     string
		restarts []float64 // seconds after base
		want     []bool
	}{
		{
			name:     "ten_allowed_eleventh_refused",
			restarts: []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			want:     []bool{true, true, true, true, true, true, true, true, true, true, false},
		},
		{
			name:     "old_restarts_leave_the_window",
			restarts: []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 60.5},
			want:     []bool{true, true, true, true, true, true, true, true, true, true, true},
		},
		{
			name:     "exactly_one_window_later_counts_as_outside",
			restarts: []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 60},
			want:     []bool{true, true, true, true, true, true, true, true, true, true, true, true},
		},
		{
			name:     "refusals_are_not_counted",
			restarts: []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 59.9, 60.1},
			want:     []bool{true, true, true, true, true, true, true, true, true, true, false, false, false, true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := restartLimiter{max: maxRestarts, window: restartWindow}
			for i, sec := range tt.restarts {
				if got := l.allow(at(sec)); got != tt.want[i] {
					t.Errorf("restart %d at %gs: allow = %v, want %v", i+1, sec, got, tt.want[i])
				}
			}
		})
	}
}
