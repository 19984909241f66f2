package truncate

import (
	"testing"
	"unicode/utf8"
)

func TestUTF8AndMarked(t *testing.T) {
	tests := []struct {
		s          string
		n          int
		want       string // UTF8
		wantMarked string // Marked
	}{
		{"", 5, "", ""},
		{"short", 5, "short", "short"},
		{"longer", 3, "lon", "lon…"},
		{"añb", 2, "a", "a…"}, // ñ is 2 bytes: cutting inside it drops it
		{"añb", 3, "añ", "añ…"},
		{"日本", 4, "日", "日…"}, // 3-byte runes
		{"日本", 2, "", "…"},
		{"abc", 0, "", "…"},
		{"abc", -1, "", "…"},
	}
	for _, tt := range tests {
		if got := UTF8(tt.s, tt.n); got != tt.want {
			t.Errorf("UTF8(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
		if got := Marked(tt.s, tt.n); got != tt.wantMarked {
			t.Errorf("Marked(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.wantMarked)
		}
	}
}

func FuzzUTF8(f *testing.F) {
	f.Add("añb日本😀", 4)
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := UTF8(s, n)
		if len(got) > max(n, 0) && len(s) > n {
			t.Fatalf("UTF8(%q, %d) = %q: longer than %d bytes", s, n, got, n)
		}
		if len(s) <= n && got != s {
			t.Fatalf("UTF8(%q, %d) = %q: cut a string that fits", s, n, got)
		}
		if len(got) > len(s) || s[:len(got)] != got {
			t.Fatalf("UTF8(%q, %d) = %q: not a prefix", s, n, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("UTF8(%q, %d) = %q: split a rune", s, n, got)
		}
		// The longest such prefix: one more rune would not fit.
		if len(got) < len(s) && utf8.ValidString(s) {
			_, size := utf8.DecodeRuneInString(s[len(got):])
			if len(got)+size <= n {
				t.Fatalf("UTF8(%q, %d) = %q: not the longest prefix", s, n, got)
			}
		}
	})
}
