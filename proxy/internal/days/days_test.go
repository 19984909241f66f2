package days

import (
	"testing"
	"time"
)

func TestQuotaDayIsUTCWhateverTheZone(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	// 08:30 in Tokyo is 23:30 UTC the day before.
	at := time.Date(2026, 3, 2, 8, 30, 0, 0, tokyo)
	if got, want := QuotaDay(at), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("QuotaDay = %v, want %v", got, want)
	}
	if got, want := NextQuotaDay(at), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("NextQuotaDay = %v, want %v", got, want)
	}
	// At midnight exactly the next reset is a day later, not now.
	midnight := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if got := NextQuotaDay(midnight); !got.Equal(midnight.AddDate(0, 0, 1)) {
		t.Errorf("NextQuotaDay(midnight) = %v", got)
	}
}

func TestLocalDayFollowsTheLocalZone(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)
	got := LocalDay(at)
	y, m, d := at.Local().Date()
	if got.Location() != time.Local || got.Hour() != 0 || got.Minute() != 0 || got.Year() != y || got.Month() != m || got.Day() != d {
		t.Errorf("LocalDay(%v) = %v, want local midnight of %d-%02d-%02d", at, got, y, m, d)
	}
}

func TestNextQuotaDay(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"afternoon_utc", time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC), time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)},
		{"exactly_midnight", time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)},
		{"local_zone_already_next_day", time.Date(2026, 3, 11, 0, 30, 0, 0, paris), time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)},
		{"end_of_year", time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := NextQuotaDay(tt.now); !got.Equal(tt.want) {
			t.Errorf("%s: NextQuotaDay(%v) = %v, want %v", tt.name, tt.now, got, tt.want)
		}
	}
}
