package stats

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCall_JSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		call Call
		want string
	}{
		{
			name: "success",
			call: Call{Time: time.Date(2026, 11, 25, 10, 0, 0, 500, time.UTC), Model: "qwen/qwen3:free", Outcome: OutcomeSuccess,
				Duration: 1234567 * time.Microsecond, Attempts: 1, Stream: true, Status: 200},
			want: `{"time":"2026-11-25T10:00:00.0000005Z","model":"qwen/qwen3:free","outcome":"success","duration_ms":1234,"attempts":1,"stream":true,"status":200}`,
		},
		{
			name: "error_with_escapes",
			call: Call{Time: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Model: "m", Outcome: OutcomeFailed,
				Duration: 5 * time.Millisecond, Attempts: 3, Status: 429, Error: "rate \"limited\"\n\tretry\\later\x01"},
			want: `{"time":"2026-11-25T10:00:00Z","model":"m","outcome":"failed","duration_ms":5,"attempts":3,"stream":false,"status":429,"error":"rate \"limited\"\n\tretry\\later\u0001"}`,
		},
		{
			name: "negative_duration_is_zero",
			call: Call{Time: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Outcome: OutcomeTimeout, Duration: -time.Second, Status: 504},
			want: `{"time":"2026-11-25T10:00:00Z","model":"","outcome":"timeout","duration_ms":0,"attempts":0,"stream":false,"status":504}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.call)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.want {
				t.Errorf("Marshal =\n%s\nwant\n%s", data, tt.want)
			}
			var back Call
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			want := tt.call
			want.Duration = max(want.Duration.Truncate(time.Millisecond), 0)
			if !back.Time.Equal(want.Time) {
				t.Errorf("time = %v, want %v", back.Time, want.Time)
			}
			back.Time, want.Time = time.Time{}, time.Time{}
			if back != want {
				t.Errorf("round trip = %+v, want %+v", back, want)
			}
		})
	}
}

func TestCall_UnmarshalRejectsBadJSON(t *testing.T) {
	var c Call
	if err := json.Unmarshal([]byte(`{"duration_ms":"fast"}`), &c); err == nil {
		t.Error("Unmarshal accepted a string duration")
	}
}

func TestTruncateError(t *testing.T) {
	long := strings.Repeat("é", maxErrorBytes) // 2 bytes per rune
	tests := []struct {
		name, in string
		wantLen  int
	}{
		{"short", "boom", 4},
		{"exact", strings.Repeat("x", maxErrorBytes), maxErrorBytes},
		{"ascii_long", strings.Repeat("x", maxErrorBytes+10), maxErrorBytes},
		{"multibyte_cut_on_rune_boundary", "x" + long, maxErrorBytes - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := truncateError(tt.in)
			if len(got) != tt.wantLen || !utf8.ValidString(got) || !strings.HasPrefix(tt.in, got) {
				t.Errorf("truncateError: len %d valid %v, want len %d", len(got), utf8.ValidString(got), tt.wantLen)
			}
		})
	}
}

// FuzzCallLine checks that every error text, valid UTF-8 or not, encodes to
// one valid journal line that decodes back to a call.
func FuzzCallLine(f *testing.F) {
	for _, seed := range []string{"", "plain", "quote\"back\\slash", "\x00\x1f\x7f\n", "é€😀", "\xff\xfe", "a\xc3", "\u2028<>&", "\ufffd"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data, err := json.Marshal(Call{Outcome: OutcomeFailed, Model: s, Error: s})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(data, '\n') >= 0 || !json.Valid(data) {
			t.Fatalf("call with %q encodes to %q: not one valid JSON line", s, data)
		}
		var back Call
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		switch {
		case utf8.ValidString(s) && back.Error != s:
			t.Errorf("error %q decodes to %q", s, back.Error)
		case !utf8.ValidString(back.Error):
			t.Errorf("error %q decodes to invalid UTF-8 %q", s, back.Error)
		}
	})
}

func TestNearestRank(t *testing.T) {
	tests := []struct {
		name   string
		sorted []int64
		p      int
		want   int64
	}{
		{"empty", nil, 50, 0},
		{"single", []int64{7}, 95, 7},
		{"median_of_four", []int64{1, 2, 3, 4}, 50, 2},
		{"p95_of_twenty", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 95, 19},
		{"p95_of_ten", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nearestRank(tt.sorted, tt.p); got != tt.want {
				t.Errorf("nearestRank(%v, %d) = %d, want %d", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}
